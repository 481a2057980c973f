/**
 * `nvsentinel cycle --node X`: one node's break-fix timeline, each step with the time it
 * happened — fault stored, cordoned, drained, maintenance CR created, reboot signal sent, node
 * Ready, healthy reported, uncordoned. The steps come from where each service records them: the
 * status fields of the stored events (through platform-connectors' inspection endpoint) and the
 * maintenance CRs' conditions (through the Kubernetes API).
 */
import type { KubeClient } from '@nvsentinel/k8s';
import { listMaintenanceObjects, MAINTENANCE_KINDS, type MaintenanceObject } from '../progress/remediation-progress.js';
import type { StoredEventView } from './events-command.js';
import { formatTable } from './table.js';

export interface CycleStep {
  at: Date;
  step: string;
  detail: string;
}

type TimestampView = { seconds: number | string; nanos?: number } | string | undefined | null;

/** Stored status timestamps arrive as protobuf `{seconds, nanos}`; Kubernetes ones as RFC 3339. */
export function toDate(value: TimestampView): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  const seconds = Number(value.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return new Date(seconds * 1000 + Math.floor((value.nanos ?? 0) / 1e6));
}

interface StatusTimes {
  quarantineFinishTimestamp?: TimestampView;
  drainFinishTimestamp?: TimestampView;
  lastRemediationTimestamp?: TimestampView;
}

export function eventSteps(events: readonly StoredEventView[]): CycleStep[] {
  const steps: CycleStep[] = [];
  const add = (at: Date | undefined, step: string, detail: string) => at && steps.push({ at, step, detail });
  for (const e of events) {
    const event = e.healthEvent;
    const status = e.healthEventStatus as StoredEventView['healthEventStatus'] & StatusTimes;
    const id = e.id.slice(0, 8);
    const what = `${event.checkName}${event.errorCode.length ? ` ${event.errorCode.join(',')}` : ''} from ${event.agent} (event ${id})`;
    if (event.isHealthy) {
      add(toDate(e.createdAt), 'healthy reported', what);
      if (status.nodeQuarantined === 'UnQuarantined')
        add(
          toDate(status.quarantineFinishTimestamp) ?? toDate(e.createdAt),
          'uncordoned',
          `fault-quarantine (event ${id})`,
        );
      continue;
    }
    add(
      toDate(e.createdAt),
      event.isFatal ? 'fault stored' : 'non-fatal fault stored',
      `${what} → ${String(event.recommendedAction)}`,
    );
    if (status.nodeQuarantined === 'Quarantined')
      add(toDate(status.quarantineFinishTimestamp), 'cordoned', `fault-quarantine (event ${id})`);
    if (status.nodeQuarantined === 'AlreadyQuarantined')
      add(toDate(status.quarantineFinishTimestamp), 'already cordoned', `fault-quarantine (event ${id})`);
    const eviction = status.userPodsEvictionStatus?.status;
    if (eviction === 'Succeeded' || eviction === 'AlreadyDrained')
      add(toDate(status.drainFinishTimestamp), 'drained', `node-drainer: ${eviction} (event ${id})`);
    if (status.faultRemediated === true)
      add(toDate(status.lastRemediationTimestamp), 'remediation done', `fault-remediation (event ${id})`);
  }
  return steps;
}

/** Condition type → the step it marks. Others are shown under their own name. */
const CONDITION_STEPS: Record<string, string> = {
  SignalSent: 'reboot signal sent',
  NodeReady: 'node Ready',
  NodeTerminated: 'node terminated',
};

export function maintenanceSteps(kind: string, objects: readonly MaintenanceObject[]): CycleStep[] {
  const steps: CycleStep[] = [];
  for (const cr of objects) {
    const name = `${kind} ${cr.metadata?.name ?? '?'}`;
    const created = toDate(cr.metadata?.creationTimestamp as unknown as string);
    if (created) steps.push({ at: created, step: 'CR created', detail: name });
    for (const condition of cr.status?.conditions ?? []) {
      const at = toDate(condition.lastTransitionTime);
      if (!at || condition.status === 'Unknown') continue;
      const step =
        condition.status === 'True' ? (CONDITION_STEPS[condition.type] ?? condition.type) : `${condition.type} failed`;
      steps.push({ at, step, detail: `${name}${condition.reason ? `: ${condition.reason}` : ''}` });
    }
  }
  return steps;
}

export async function listMaintenanceFor(kube: KubeClient, node: string): Promise<CycleStep[]> {
  const mine = (await listMaintenanceObjects(kube)).filter((m) => m.object.spec?.nodeName === node);
  return Object.values(MAINTENANCE_KINDS).flatMap((kind) =>
    maintenanceSteps(
      kind,
      mine.filter((m) => m.kind === kind).map((m) => m.object),
    ),
  );
}

function timeline(steps: readonly CycleStep[]): CycleStep[] {
  return [...steps].sort((a, b) => a.at.getTime() - b.at.getTime());
}

export function formatCycle(node: string, steps: readonly CycleStep[]): string {
  if (steps.length === 0)
    return `no break-fix cycle recorded for ${node}: no health events stored and no maintenance CRs`;
  const sorted = timeline(steps);
  const first = sorted[0]!.at.getTime();
  const table = formatTable(
    ['TIME', 'SINCE FAULT', 'STEP', 'DETAIL'],
    sorted.map((s) => [
      s.at.toISOString().slice(11, 23),
      `+${((s.at.getTime() - first) / 1000).toFixed(3)} s`,
      s.step,
      s.detail,
    ]),
  );
  const fault = sorted.find((s) => s.step === 'fault stored');
  const back = fault && sorted.find((s) => s.step === 'uncordoned' && s.at >= fault.at);
  const summary =
    fault && back ? `\nfault → back in service: ${((back.at.getTime() - fault.at.getTime()) / 1000).toFixed(3)} s` : '';
  // Kubernetes object times (creationTimestamp, condition transitions) have whole-second resolution.
  return `${node}\n${table}${summary}\n(times from Kubernetes objects — CR created, conditions — are whole seconds)`;
}
