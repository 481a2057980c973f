/** `nvsentinel nodes`: every node with what NVSentinel did to it, read from the Kubernetes API. */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { Annotations, STATE_LABEL } from '@nvsentinel/fault-quarantine';
import type { KubeClient } from '@nvsentinel/k8s';
import {
  listMaintenanceObjects,
  type KindedMaintenance,
  type MaintenanceObject,
} from '../progress/remediation-progress.js';
import { formatTable } from './table.js';

export interface NodeRow {
  name: string;
  ready: string;
  cordoned: boolean;
  state: string;
  taints: string[];
  quarantine: string;
  pods: { workload: number; terminating: number; daemonSet: number };
  /** The node's newest maintenance CR (`RebootNode/name`) and how far janitor got with it. */
  remediation?: { cr: string; phase: string };
}

export async function listNodeRows(kube: KubeClient): Promise<NodeRow[]> {
  const [nodes, pods, maintenance] = await Promise.all([
    kube.core.listNode(),
    kube.core.listPodForAllNamespaces(),
    listMaintenanceObjects(kube),
  ]);
  return nodes.items
    .map((node) => {
      const name = node.metadata?.name;
      const row = nodeRow(
        node,
        pods.items.filter((p) => p.spec?.nodeName === name),
      );
      const newest = maintenance
        .filter((m) => m.object.spec?.nodeName === name)
        .sort(byCreation)
        .at(-1);
      return newest
        ? {
            ...row,
            remediation: {
              cr: `${newest.kind}/${newest.object.metadata?.name}`,
              phase: maintenancePhase(newest.object),
            },
          }
        : row;
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

function byCreation(a: KindedMaintenance, b: KindedMaintenance): number {
  return String(a.object.metadata?.creationTimestamp ?? '').localeCompare(
    String(b.object.metadata?.creationTimestamp ?? ''),
  );
}

/**
 * A short phase from the CR's conditions (RebootNode and TerminateNode have no phase field):
 * the last step that succeeded or the first that failed; GPUReset's own phase when it has one.
 */
export function maintenancePhase(cr: MaintenanceObject): string {
  if (cr.status?.phase) return cr.status.phase;
  const conditions = cr.status?.conditions ?? [];
  const failed = conditions.find((c) => c.status === 'False' && c.reason && /fail|timeout/i.test(c.reason));
  if (failed) return `${failed.type}=False (${failed.reason})`;
  const done = conditions.filter((c) => c.status === 'True').map((c) => c.type);
  if (done.includes('NodeReady')) return 'NodeReady';
  if (done.includes('NodeTerminated')) return 'NodeTerminated';
  if (done.includes('SignalSent')) return 'SignalSent';
  return cr.status?.completionTime ? 'Completed' : 'Pending';
}

function nodeRow(node: V1Node, pods: V1Pod[]): NodeRow {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  const isDaemonSet = (p: V1Pod) => p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet') === true;
  const workload = pods.filter((p) => !isDaemonSet(p));
  return {
    name: node.metadata?.name ?? '?',
    ready,
    cordoned: node.spec?.unschedulable === true,
    state: node.metadata?.labels?.[STATE_LABEL] ?? '',
    taints: (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    quarantine: summarizeQuarantine(node.metadata?.annotations?.[Annotations.healthEvents]),
    pods: {
      workload: workload.filter((p) => !p.metadata?.deletionTimestamp).length,
      terminating: workload.filter((p) => p.metadata?.deletionTimestamp).length,
      daemonSet: pods.length - workload.length,
    },
  };
}

/**
 * fault-quarantine's `quarantineHealthEvent` annotation holds one entry per entity × error code;
 * shown as `check:code(GPU …)` per distinct fault so the column stays one short line.
 */
export function summarizeQuarantine(annotation: string | undefined): string {
  if (!annotation) return '';
  let entries: unknown;
  try {
    entries = JSON.parse(annotation);
  } catch {
    return '(unreadable annotation)';
  }
  const list = (Array.isArray(entries) ? entries : [entries]) as Array<{
    checkName?: string;
    errorCode?: string[];
    entitiesImpacted?: Array<{ entityType: string; entityValue: string }>;
  }>;
  const faults = new Map<string, Set<string>>();
  for (const entry of list) {
    const key = `${entry.checkName ?? '?'}${entry.errorCode?.length ? `:${entry.errorCode.join(',')}` : ''}`;
    const gpus = faults.get(key) ?? new Set<string>();
    for (const entity of entry.entitiesImpacted ?? []) if (entity.entityType === 'GPU') gpus.add(entity.entityValue);
    faults.set(key, gpus);
  }
  return [...faults].map(([key, gpus]) => (gpus.size ? `${key}(GPU ${[...gpus].join(',')})` : key)).join(' ');
}

export function formatNodeRows(rows: readonly NodeRow[]): string {
  return formatTable(
    ['NAME', 'READY', 'CORDONED', 'NVSENTINEL-STATE', 'TAINTS', 'QUARANTINED-FOR', 'REMEDIATION-CR', 'PHASE', 'PODS'],
    rows.map((r) => [
      r.name,
      r.ready,
      r.cordoned ? 'yes' : 'no',
      r.state || '-',
      r.taints.length ? r.taints.join(',') : '-',
      r.quarantine || '-',
      r.remediation?.cr ?? '-',
      r.remediation?.phase ?? '-',
      `${r.pods.workload}${r.pods.terminating ? ` (+${r.pods.terminating} terminating)` : ''} +${r.pods.daemonSet} ds`,
    ]),
  );
}
