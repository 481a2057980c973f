/**
 * `nvsentinel maintenance schedule|list`: plays the cloud provider. `schedule` writes a window to
 * the `sim` CSP's ConfigMap (the monitor polls it, stores a MaintenanceEvent, and the notifier
 * quarantines the node before the window and reports it healthy after); `list` shows the stored
 * maintenance events, read from platform-connectors' inspection endpoint (the embedded datastore
 * lives inside the stack's process, so that endpoint is the one way in for every provider), plus
 * the scheduled windows the monitor has not stored yet.
 */
import {
  DEFAULT_SIM_CONFIGMAP,
  cancelSimMaintenance,
  readSimWindows,
  scheduleSimMaintenance,
  type SimWindow,
} from '@nvsentinel/csp-health-monitor';
import { NodeOps, isNotFound, type KubeClient } from '@nvsentinel/k8s';
import { MAINTENANCE_EVENTS_ROUTE } from '@nvsentinel/platform-connectors';
import { formatTable } from './table.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `90s`, `2m`, `1h` → seconds; anything else is an error naming the flag and the accepted form. */
export function parseDurationSeconds(text: string, flag: string): number {
  const match = /^(\d+)([smh])$/.exec(text.trim());
  if (!match) throw new Error(`${flag} must be a whole number with a unit s, m or h (e.g. 90s, 2m, 1h), got "${text}"`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

export interface MaintenanceScheduleInput {
  node: string;
  /** The window starts this many seconds from now (≥ 0). */
  inSeconds: number;
  /** Window length in seconds (> 0). */
  durationSeconds: number;
  /** Window id (from `maintenance list`) to cancel instead of scheduling a new one. */
  cancel?: string;
  configMapName?: string;
  now?: Date;
}

export type MaintenanceScheduleResult = { kind: 'scheduled'; window: SimWindow } | { kind: 'cancelled'; id: string };

export async function maintenanceSchedule(
  kube: KubeClient,
  namespace: string,
  input: MaintenanceScheduleInput,
): Promise<MaintenanceScheduleResult> {
  const configMapName = input.configMapName ?? DEFAULT_SIM_CONFIGMAP;
  if (input.cancel) {
    await cancelSimMaintenance(kube, {
      namespace,
      configMapName,
      id: input.cancel,
      ...(input.now ? { now: input.now } : {}),
    });
    return { kind: 'cancelled', id: input.cancel };
  }
  // A window for a node the cluster does not have would be stored and then fail to map; say so now.
  if (!input.node) throw new Error('--node is required, e.g. --node gpu-node-2');
  try {
    await new NodeOps(kube).get(input.node);
  } catch (err) {
    if (isNotFound(err))
      throw new Error(`node ${input.node} is not in the cluster; see the node names with \`nvsentinel nodes\``, {
        cause: err,
      });
    throw err;
  }
  const window = await scheduleSimMaintenance(kube, {
    namespace,
    configMapName,
    node: input.node,
    inMs: input.inSeconds * 1000,
    durationMs: input.durationSeconds * 1000,
    ...(input.now ? { now: input.now } : {}),
  });
  return { kind: 'scheduled', window };
}

export function formatScheduleResult(result: MaintenanceScheduleResult): string {
  if (result.kind === 'cancelled') {
    return `cancelled maintenance window ${result.id}; the notifier reports the node healthy once the monitor sees it\nfollow it: nvsentinel maintenance list`;
  }
  const w = result.window;
  return [
    `scheduled ${w.action} maintenance of ${w.node}: ${w.start.toISOString()} → ${w.end.toISOString()} (window ${w.id})`,
    'the monitor stores it at its next poll; the node is quarantined before the window and reported healthy after it',
    `follow it: nvsentinel maintenance list   |   nvsentinel cycle --node ${w.node}`,
  ].join('\n');
}

/** A stored maintenance event as the inspection endpoint answers it (dates as ISO strings). */
interface StoredMaintenanceView {
  eventId: string;
  nodeName: string;
  csp: string;
  status: string;
  cspStatus: string;
  recommendedAction: string;
  scheduledStartTime: string | null;
  scheduledEndTime: string | null;
  actualStartTime: string | null;
  actualEndTime: string | null;
  lastUpdatedTimestamp: string;
}

export interface MaintenanceListing {
  stored: StoredMaintenanceView[];
  /** Sim windows not stored yet (the monitor has not polled since they were scheduled). */
  pending: SimWindow[];
}

export async function maintenanceList(options: {
  ingestUrl: string;
  kube: KubeClient;
  namespace: string;
  node?: string;
  configMapName?: string;
}): Promise<MaintenanceListing> {
  const url = `${options.ingestUrl}${MAINTENANCE_EVENTS_ROUTE}${options.node ? `?node=${encodeURIComponent(options.node)}` : ''}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(
      `GET ${url} failed: ${(err as Error).message} (is the stack running? start it with \`npm start\`)`,
      { cause: err },
    );
  }
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  const stored = ((await response.json()) as { events: StoredMaintenanceView[] }).events;
  const { windows } = await readSimWindows(options.kube, options.namespace, options.configMapName);
  const known = new Set(stored.map((e) => e.eventId));
  const pending = windows.filter((w) => !known.has(w.id) && (!options.node || w.node === options.node));
  return { stored, pending };
}

export function formatMaintenanceList(listing: MaintenanceListing, now = new Date()): string {
  if (listing.stored.length === 0 && listing.pending.length === 0) {
    return 'no maintenance events; schedule one with `nvsentinel maintenance schedule --node NAME --in 2m --duration 5m`';
  }
  const rows = [
    ...listing.stored.map((e) => [
      e.eventId,
      e.nodeName,
      e.status,
      e.cspStatus,
      window(e.scheduledStartTime, e.scheduledEndTime, now),
      e.recommendedAction || '-',
      e.lastUpdatedTimestamp.slice(11, 19),
    ]),
    ...listing.pending.map((w) => [
      w.id,
      w.node,
      w.cancelledAt ? 'scheduled, cancelled (not stored yet)' : 'scheduled (not stored yet)',
      '-',
      window(w.start.toISOString(), w.end.toISOString(), now),
      w.action,
      '-',
    ]),
  ];
  return formatTable(['ID', 'NODE', 'STATUS', 'CSP STATUS', 'WINDOW', 'ACTION', 'UPDATED'], rows);
}

/** `10:02:00–10:07:00 (in 1m30s)`, `(now)` or `(ended 2m ago)`. */
function window(start: string | null, end: string | null, now: Date): string {
  if (!start) return '-';
  const from = new Date(start);
  const to = end ? new Date(end) : undefined;
  const range = `${start.slice(11, 19)}–${end ? end.slice(11, 19) : '?'}`;
  if (now < from) return `${range} (in ${human(from.getTime() - now.getTime())})`;
  if (!to || now < to) return `${range} (now)`;
  return `${range} (ended ${human(now.getTime() - to.getTime())} ago)`;
}

function human(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60 ? `${s % 60}s` : ''}` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}
