/** A real pino logger whose JSON lines are kept in memory, for asserting on logs in tests. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logging/create-logger.js';

export interface CapturedLogger {
  logger: Logger;
  lines: Record<string, unknown>[];
  /** Messages in order, optionally only those at `level`. */
  messages(level?: string): string[];
}

export function captureLogger(name = 'test'): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ name, env: {}, level: 'debug', pretty: false, destination });
  return {
    logger,
    lines,
    messages: (level) => lines.filter((l) => level === undefined || l.level === level).map((l) => String(l.msg)),
  };
}
