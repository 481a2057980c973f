import type { V1Pod } from '@kubernetes/client-node';

/** Owned by a DaemonSet: evicting it is pointless (the controller ignores cordons) and drains skip it. */
export function isDaemonSetPod(pod: V1Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((ref) => ref.kind === 'DaemonSet' && ref.controller !== false);
}

/** Phase Succeeded or Failed: the pod's containers will not run again. */
export function isTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Marked for deletion and still present beyond its deadline: deletionTimestamp (which the API sets
 * to request time + grace period) plus `extraSeconds` of tolerance has passed. Upstream's drainer
 * treats such pods as gone rather than waiting on a kubelet that may never answer.
 */
export function isStuckTerminating(pod: V1Pod, now: Date = new Date(), extraSeconds = 0): boolean {
  const deletion = pod.metadata?.deletionTimestamp;
  if (!deletion) return false;
  return new Date(deletion).getTime() + extraSeconds * 1000 < now.getTime();
}

/** `namespace/name`, the identity used in drain messages. */
export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
