/**
 * Progress as the Kubernetes API shows it: nodes cordoned and uncordoned, NVSentinel's state
 * label and taints, node conditions the platform connector mirrors, pods evicted from nodes, and
 * the Events the services record about nodes (why a drain waits, non-fatal faults).
 * Watches through informers, so it works against the simulator or any real cluster the
 * kubeconfig names (the CLI's `watch` uses it on its own).
 */
import type { CoreV1Event, V1Node, V1Pod } from '@kubernetes/client-node';
import { NodeCache, ResilientInformer, type KubeClient } from '@nvsentinel/k8s';
import { STATE_LABEL } from '@nvsentinel/fault-quarantine';
import type { ProgressSink } from './progress-line.js';

export interface ClusterProgress {
  stop(): Promise<void>;
}

export async function followCluster(kube: KubeClient, sink: ProgressSink): Promise<ClusterProgress> {
  const nodes = new NodeCache(kube);
  const pods = new ResilientInformer<V1Pod>({
    client: kube,
    path: '/api/v1/pods',
    list: () => kube.core.listPodForAllNamespaces(),
    deserializeAs: 'V1Pod',
  });
  // Events about nodes live in `default` (upstream's choice for node-scoped Events).
  const events = new ResilientInformer<CoreV1Event>({
    client: kube,
    path: '/api/v1/namespaces/default/events',
    list: () => kube.core.listNamespacedEvent({ namespace: 'default' }),
    deserializeAs: 'CoreV1Event',
  });
  // Events stored before the watch began are history, not news.
  let eventsSynced = false;
  const stopEvents = events.onChange((change) => {
    const event = change.object;
    if (!eventsSynced || change.type === 'delete' || event.involvedObject?.kind !== 'Node') return;
    const repeated = change.type === 'update' && change.previous?.count === event.count;
    if (repeated) return;
    const count = (event.count ?? 1) > 1 ? ` (×${event.count})` : '';
    sink({
      kind: 'k8s-event',
      subject: event.involvedObject.name ?? '?',
      text: `${event.reason}: ${event.message ?? ''}${count}`,
    });
  });
  const stopNodes = nodes.onChange((change) => {
    if (change.type === 'update' && change.previous) describeNodeChange(change.previous, change.object, sink);
  });
  const stopPods = pods.onChange((change) => {
    const pod = change.object;
    const where = pod.spec?.nodeName ?? '-';
    const name = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (change.type === 'update' && !change.previous?.metadata?.deletionTimestamp && pod.metadata?.deletionTimestamp) {
      sink({ kind: 'pod', subject: where, text: `pod ${name} terminating` });
    } else if (change.type === 'delete') {
      sink({ kind: 'pod', subject: where, text: `pod ${name} gone` });
    }
  });
  nodes.start();
  pods.start();
  await Promise.all([nodes.waitForSync(), pods.waitForSync()]);
  events.start();
  await events.waitForSync();
  eventsSynced = true;
  return {
    async stop() {
      stopNodes();
      stopPods();
      stopEvents();
      await Promise.all([nodes.stop(), pods.stop(), events.stop()]);
    },
  };
}

export function describeNodeChange(before: V1Node, after: V1Node, sink: ProgressSink): void {
  const name = after.metadata?.name ?? '?';
  const wasCordoned = before.spec?.unschedulable === true;
  const isCordoned = after.spec?.unschedulable === true;
  if (!wasCordoned && isCordoned) sink({ kind: 'node', subject: name, text: 'cordoned' });
  if (wasCordoned && !isCordoned) sink({ kind: 'node', subject: name, text: 'uncordoned' });

  const stateBefore = before.metadata?.labels?.[STATE_LABEL];
  const stateAfter = after.metadata?.labels?.[STATE_LABEL];
  if (stateBefore !== stateAfter)
    sink({
      kind: 'node',
      subject: name,
      text: `${STATE_LABEL}: ${stateBefore ?? '(none)'} → ${stateAfter ?? '(none)'}`,
    });

  const taintKeys = (node: V1Node) =>
    new Set((node.spec?.taints ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`));
  const taintsBefore = taintKeys(before);
  const taintsAfter = taintKeys(after);
  for (const t of taintsAfter)
    if (!taintsBefore.has(t)) sink({ kind: 'node', subject: name, text: `taint added ${t}` });
  for (const t of taintsBefore)
    if (!taintsAfter.has(t)) sink({ kind: 'node', subject: name, text: `taint removed ${t}` });

  const conditionsBefore = new Map((before.status?.conditions ?? []).map((c) => [c.type, c.status]));
  for (const condition of after.status?.conditions ?? []) {
    const previous = conditionsBefore.get(condition.type);
    if (previous !== condition.status && (previous !== undefined || condition.status === 'True')) {
      sink({
        kind: 'node',
        subject: name,
        text: `condition ${condition.type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ''}`,
      });
    }
  }
}
