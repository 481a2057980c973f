/**
 * The simulated node's health monitors after a reboot. On a real node, syslog-health-monitor and
 * gpu-health-monitor start again with the node and report each check they own as healthy once
 * the GPUs answer — that healthy event is what ends the quarantine. The cluster simulator plays the
 * reboot itself (NotReady, a new bootID, Ready again); this plays the monitors: when a node comes
 * back Ready with a new bootID, every GPU fault still open on it is either cleared with a healthy
 * event for its check or, for a configurable fraction of reboots, reported again (the reboot did
 * not fix it), so repeated remediations — and the analyzer's rules about them — can be watched.
 *
 * Open faults are read from the datastore, so faults injected by any CLI process are seen.
 */
import type { V1Node } from '@kubernetes/client-node';
import { RecommendedAction, type HealthEvent, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { NodeCache, type KubeClient } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import type { ProgressSink } from '../progress/progress-line.js';

/** The monitors that run on the node (events of the analyzer or the CSP monitor are not theirs to clear). */
const NODE_MONITOR_AGENTS: ReadonlySet<string> = new Set(['syslog-health-monitor', 'gpu-health-monitor']);

export interface RebootRecoveryOptions {
  kube: KubeClient;
  datastore: DataStore;
  /** Sends events the way a monitor does (gRPC to the platform connector). */
  send: (events: HealthEvent[]) => Promise<void>;
  /** Fraction of reboots after which the faults are reported again instead of cleared (0…1). */
  notFixedFraction?: number;
  /** Injectable for tests; default Math.random. */
  random?: () => number;
  logger: Logger;
  progress?: ProgressSink;
  now?: () => Date;
}

export interface RebootRecovery {
  /** Nodes recovered so far (for tests and the banner). */
  readonly recoveries: number;
  stop(): Promise<void>;
}

export async function startRebootRecovery(options: RebootRecoveryOptions): Promise<RebootRecovery> {
  const notFixed = options.notFixedFraction ?? 0;
  if (!(notFixed >= 0 && notFixed <= 1))
    throw new Error(`the not-fixed fraction of reboots must be between 0 and 1, got ${notFixed}`);
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const nodes = new NodeCache(options.kube);
  // Node name → the bootID it had when it went down; cleared once the monitors have reported.
  const rebooting = new Map<string, string>();
  const inFlight = new Set<Promise<void>>();
  let recoveries = 0;
  let stopped = false;

  const recover = async (node: string) => {
    const open = openNodeFaults(await options.datastore.healthEventStore().findHealthEventsByNode(node));
    if (open.length === 0) return;
    const fixed = random() >= notFixed;
    const at = now();
    const events = open.map((fault) => (fixed ? clearedEvent(fault, at) : repeatedEvent(fault, at)));
    await options.send(events);
    recoveries += 1;
    const checks = [...new Set(open.map((f) => f.checkName))].join(', ');
    options.progress?.({
      kind: 'event',
      subject: node,
      text: fixed
        ? `node monitors after reboot: ${checks} healthy`
        : `node monitors after reboot: ${checks} still failing (the reboot did not fix it)`,
    });
  };

  const stopWatching = nodes.onChange((change) => {
    if (change.type !== 'update' || !change.previous || stopped) return;
    const name = change.object.metadata?.name ?? '';
    const before = bootId(change.previous);
    const after = bootId(change.object);
    if (before && after && before !== after && !rebooting.has(name)) rebooting.set(name, before);
    if (!rebooting.has(name) || !isReady(change.object)) return;
    rebooting.delete(name);
    const task = recover(name)
      .catch((err: unknown) =>
        options.logger.warn(
          { err, node: name },
          `simulated monitors could not report ${name} after its reboot: ${(err as Error).message}`,
        ),
      )
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  });
  nodes.start();
  await nodes.waitForSync();

  return {
    get recoveries() {
      return recoveries;
    },
    async stop() {
      stopped = true;
      stopWatching();
      await Promise.allSettled([...inFlight]);
      await nodes.stop();
    },
  };
}

/**
 * The node monitors' faults still open on the node: per agent and check, the latest event, when it
 * is unhealthy. A healthy event for a check clears everything that check reported before it.
 */
export function openNodeFaults(stored: readonly HealthEventWithStatus[]): HealthEvent[] {
  const latest = new Map<string, HealthEvent>();
  const time = (e: HealthEvent) => (e.generatedTimestamp?.seconds ?? 0) * 1e9 + (e.generatedTimestamp?.nanos ?? 0);
  for (const { healthEvent: event } of [...stored].sort(
    (a, b) => time(a.healthEvent) - time(b.healthEvent) || a.createdAt.getTime() - b.createdAt.getTime(),
  )) {
    if (!NODE_MONITOR_AGENTS.has(event.agent)) continue;
    const key = `${event.agent}\u0000${event.componentClass}\u0000${event.checkName}`;
    if (event.isHealthy) latest.delete(key);
    else latest.set(key, event);
  }
  return [...latest.values()];
}

function timestamp(at: Date) {
  return { seconds: Math.floor(at.getTime() / 1000), nanos: (at.getTime() % 1000) * 1_000_000 };
}

/** What the monitor says once its check passes again: healthy, for every entity it reported. */
function clearedEvent(fault: HealthEvent, at: Date): HealthEvent {
  return {
    ...fault,
    id: '',
    generatedTimestamp: timestamp(at),
    isFatal: false,
    isHealthy: true,
    message: 'No Health Failures',
    recommendedAction: RecommendedAction.NONE,
    errorCode: [],
    entitiesImpacted: [],
  };
}

/** The same fault seen again after the boot. */
function repeatedEvent(fault: HealthEvent, at: Date): HealthEvent {
  return { ...fault, id: '', generatedTimestamp: timestamp(at) };
}

function bootId(node: V1Node): string | undefined {
  return node.status?.nodeInfo?.bootID || undefined;
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}
