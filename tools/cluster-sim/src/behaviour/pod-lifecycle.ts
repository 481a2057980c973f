import type { SimClock } from '../clock.js';
import { isPlainObject, type KubeObject } from '../resources/kube-object.js';
import type { ResourceService } from '../resources/resource-service.js';
import type { ResourceType } from '../resources/resource-type.js';

const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

export function podPhase(pod: KubeObject): string | undefined {
  const status = pod.status;
  return isPlainObject(status) && typeof status.phase === 'string' ? status.phase : undefined;
}

export function podNodeName(pod: KubeObject): string | undefined {
  const spec = pod.spec;
  return isPlainObject(spec) && typeof spec.nodeName === 'string' && spec.nodeName !== '' ? spec.nodeName : undefined;
}

/** Running with a Ready=True condition (or no conditions at all, for hand-written test pods). */
export function isPodReady(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp || podPhase(pod) !== 'Running') return false;
  const conditions =
    isPlainObject(pod.status) && Array.isArray(pod.status.conditions) ? pod.status.conditions : undefined;
  if (!conditions) return true;
  const ready = conditions.find((condition) => isPlainObject(condition) && condition.type === 'Ready');
  return ready === undefined || (isPlainObject(ready) && ready.status === 'True');
}

export function isOwnedByDaemonSet(pod: KubeObject): boolean {
  return (pod.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'DaemonSet');
}

function containerNames(pod: KubeObject): string[] {
  const containers = isPlainObject(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers : [];
  return containers.map((container) =>
    isPlainObject(container) && typeof container.name === 'string' ? container.name : 'main',
  );
}

function runningStatus(pod: KubeObject, clock: SimClock): Record<string, unknown> {
  const now = clock.timestamp();
  return {
    phase: 'Running',
    startTime: now,
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
      type,
      status: 'True',
      lastTransitionTime: now,
    })),
    containerStatuses: containerNames(pod).map((name) => ({
      name,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

/**
 * The simulator plays kubelet for pods: a pod bound to a node starts Running; a graceful delete
 * leaves it terminating for its grace period (simulated time), after which it is gone.
 */
export function installPodLifecycle(service: ResourceService, pods: ResourceType, clock: SimClock): void {
  service.setHooks(pods, {
    beforeCreate(pod) {
      const spec = isPlainObject(pod.spec) ? pod.spec : (pod.spec = {});
      if (spec.terminationGracePeriodSeconds === undefined)
        spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_SECONDS;
      if (podPhase(pod) === undefined) {
        pod.status = podNodeName(pod)
          ? runningStatus(pod, clock)
          : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] };
      }
    },
    gracePeriodSeconds(pod, requested) {
      // As in the real API: unscheduled or finished pods have no kubelet to wait for.
      const phase = podPhase(pod);
      if (!podNodeName(pod) || phase === 'Succeeded' || phase === 'Failed') return 0;
      if (requested !== undefined && requested >= 0) return requested;
      const spec = isPlainObject(pod.spec) ? pod.spec : {};
      return typeof spec.terminationGracePeriodSeconds === 'number'
        ? spec.terminationGracePeriodSeconds
        : DEFAULT_TERMINATION_GRACE_SECONDS;
    },
    afterGracefulDelete(pod, graceSeconds) {
      const { namespace, name, uid } = pod.metadata;
      clock.after(graceSeconds, () => service.finishGracePeriod(pods, namespace, name!, uid));
    },
  });
}
