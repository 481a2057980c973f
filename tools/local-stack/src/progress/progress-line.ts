/** One line of terminal progress: time, subject (usually a node), what happened. */

export type ProgressKind = 'event' | 'quarantine' | 'drain' | 'remediation' | 'node' | 'pod' | 'k8s-event' | 'info';

export interface ProgressLine {
  kind: ProgressKind;
  subject: string;
  text: string;
}

export type ProgressSink = (line: ProgressLine) => void;

const COLOURS: Record<ProgressKind, string> = {
  event: '\x1b[36m', // cyan: what the monitors said
  quarantine: '\x1b[33m', // yellow: fault-quarantine's decisions
  drain: '\x1b[35m', // magenta: node-drainer's progress
  remediation: '\x1b[31m', // red: a maintenance CR (reboot, terminate, GPU reset)
  node: '\x1b[32m', // green: the node object changed
  pod: '\x1b[90m', // grey: individual pods
  'k8s-event': '\x1b[34m', // blue: Events the services recorded about a node
  info: '',
};
const RESET = '\x1b[0m';

export function formatProgressLine(line: ProgressLine, at: Date, colour: boolean): string {
  const time = at.toISOString().slice(11, 23);
  const label = line.kind.padEnd(10);
  const body = `${time}  ${label} ${line.subject.padEnd(12)} ${line.text}`;
  return colour && COLOURS[line.kind] ? `${COLOURS[line.kind]}${body}${RESET}` : body;
}

/** A sink that prints to a stream, coloured when it is a terminal. */
export function terminalSink(stream: NodeJS.WriteStream = process.stdout): ProgressSink {
  const colour = stream.isTTY === true && !process.env['NO_COLOR'];
  return (line) => stream.write(`${formatProgressLine(line, new Date(), colour)}\n`);
}
