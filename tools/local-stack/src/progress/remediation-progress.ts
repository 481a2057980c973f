/**
 * Progress of the maintenance CRs fault-remediation creates and janitor executes (RebootNode,
 * TerminateNode, GPUReset): created, then each condition as janitor sets it (SignalSent,
 * NodeReady / NodeTerminated, …). Watched through the Kubernetes API like everything else the
 * stack reports, so it works against any cluster that has janitor's CRDs.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { ResilientInformer, type KubeClient } from '@nvsentinel/k8s';
import type { ProgressSink } from './progress-line.js';

export const JANITOR_GROUP = 'janitor.dgxc.nvidia.com';
export const JANITOR_VERSION = 'v1alpha1';
/** Plural → kind of the maintenance CRs. */
export const MAINTENANCE_KINDS = {
  rebootnodes: 'RebootNode',
  terminatenodes: 'TerminateNode',
  gpuresets: 'GPUReset',
} as const;

interface MaintenanceCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface MaintenanceObject extends KubernetesObject {
  spec?: { nodeName?: string };
  status?: { conditions?: MaintenanceCondition[]; phase?: string; startTime?: string; completionTime?: string };
}

/** One maintenance CR with its kind (the custom-objects API answers without it per list). */
export interface KindedMaintenance {
  kind: string;
  object: MaintenanceObject;
}

/** Every maintenance CR of every kind; none when janitor's CRDs are not installed. */
export async function listMaintenanceObjects(kube: KubeClient): Promise<KindedMaintenance[]> {
  const lists = await Promise.all(
    Object.entries(MAINTENANCE_KINDS).map(async ([plural, kind]) => {
      try {
        const list = (await kube.customObjects.listClusterCustomObject({
          group: JANITOR_GROUP,
          version: JANITOR_VERSION,
          plural,
        })) as { items?: MaintenanceObject[] };
        return (list.items ?? []).map((object) => ({ kind, object }));
      } catch (err) {
        if ((err as { code?: number }).code === 404) return []; // janitor's CRDs are not installed
        throw err;
      }
    }),
  );
  return lists.flat();
}

export interface RemediationProgress {
  stop(): Promise<void>;
}

export async function followRemediation(kube: KubeClient, sink: ProgressSink): Promise<RemediationProgress> {
  const informers = Object.entries(MAINTENANCE_KINDS).map(([plural, kind]) => {
    const informer = new ResilientInformer<MaintenanceObject>({
      client: kube,
      path: `/apis/${JANITOR_GROUP}/${JANITOR_VERSION}/${plural}`,
      list: async () =>
        (await kube.customObjects.listClusterCustomObject({
          group: JANITOR_GROUP,
          version: JANITOR_VERSION,
          plural,
        })) as KubernetesListObject<MaintenanceObject>,
    });
    let synced = false;
    const stop = informer.onChange((change) => {
      if (!synced) return;
      describeMaintenanceChange(
        kind,
        change.type === 'add' ? undefined : change.previous,
        change.type === 'delete' ? undefined : change.object,
        sink,
      );
    });
    return { informer, stop, markSynced: () => (synced = true) };
  });
  for (const { informer } of informers) informer.start();
  await Promise.all(informers.map(({ informer }) => informer.waitForSync()));
  for (const i of informers) i.markSynced();
  return {
    async stop() {
      for (const { stop } of informers) stop();
      await Promise.all(informers.map(({ informer }) => informer.stop()));
    },
  };
}

function describeMaintenanceChange(
  kind: string,
  before: MaintenanceObject | undefined,
  after: MaintenanceObject | undefined,
  sink: ProgressSink,
): void {
  const object = after ?? before;
  const node = object?.spec?.nodeName ?? '?';
  const name = `${kind} ${object?.metadata?.name ?? '?'}`;
  if (!before && after) sink({ kind: 'remediation', subject: node, text: `${name} created` });
  if (before && !after) return void sink({ kind: 'remediation', subject: node, text: `${name} deleted` });
  const previous = new Map((before?.status?.conditions ?? []).map((c) => [c.type, c.status]));
  for (const condition of after?.status?.conditions ?? []) {
    if (previous.get(condition.type) === condition.status) continue;
    if (condition.status === 'Unknown' && !previous.has(condition.type)) continue; // initial conditions say nothing yet
    const why = condition.reason ? ` (${condition.reason}${condition.message ? `: ${condition.message}` : ''})` : '';
    sink({ kind: 'remediation', subject: node, text: `${name}: ${condition.type}=${condition.status}${why}` });
  }
  if (after?.status?.phase && after.status.phase !== before?.status?.phase) {
    sink({ kind: 'remediation', subject: node, text: `${name}: phase ${after.status.phase}` });
  }
}
