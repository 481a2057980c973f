import { randomUUID } from 'node:crypto';
import type { Cluster } from '../cluster.js';
import { cloneObject, isPlainObject, type KubeObject } from '../resources/kube-object.js';
import { storageKey } from '../resources/resource-type.js';
import { isOwnedByDaemonSet, podNodeName } from './pod-lifecycle.js';

/**
 * Setting this annotation on a node asks the simulator to reboot it (then the annotation is removed).
 * A numeric value is the downtime in simulated seconds; any other value means the default.
 */
export const REBOOT_ANNOTATION = 'cluster-sim.nvsentinel.dgxc.nvidia.com/reboot';
const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

export interface RebootOptions {
  /** Simulated seconds the node stays down (default 10). */
  downSeconds?: number;
}

type Condition = Record<string, unknown>;

function conditionsOf(node: KubeObject): Condition[] {
  const status = isPlainObject(node.status) ? node.status : (node.status = {});
  if (!Array.isArray(status.conditions)) status.conditions = [];
  return status.conditions as Condition[];
}

function setCondition(conditions: Condition[], next: Condition): void {
  const index = conditions.findIndex((condition) => condition.type === next.type);
  if (index === -1) conditions.push(next);
  else conditions[index] = next;
}

/**
 * Plays kubelet and node-lifecycle controller for nodes: a reboot makes the node Ready=Unknown
 * with the unreachable taint, removes its non-DaemonSet pods, then brings it back Ready with a new
 * bootID after `downSeconds` (simulated), restarting its DaemonSet pods.
 */
export class NodeSimulator {
  readonly #cluster: Cluster;
  readonly #rebooting = new Map<string, Promise<void>>();
  #unsubscribe: (() => void) | undefined;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** Watches for the reboot annotation so out-of-process callers (janitor providers) can reboot. */
  start(): void {
    const nodes = storageKey(this.#cluster.types.nodes);
    this.#unsubscribe = this.#cluster.store.subscribe((event) => {
      if (event.storage !== nodes || event.type === 'DELETED') return;
      const name = event.object.metadata.name!;
      if (event.object.metadata.annotations?.[REBOOT_ANNOTATION] === undefined) return;
      setImmediate(() => {
        const node = this.#cluster.service.find(this.#cluster.types.nodes, undefined, name);
        const requested = node?.metadata.annotations?.[REBOOT_ANNOTATION];
        if (requested === undefined) return;
        const next = cloneObject(node!);
        delete next.metadata.annotations![REBOOT_ANNOTATION];
        this.#cluster.service.update(this.#cluster.types.nodes, undefined, name, next);
        const downSeconds = /^\d+$/.test(requested) ? Number(requested) : undefined;
        void this.reboot(name, downSeconds === undefined ? {} : { downSeconds }).catch(() => undefined);
      });
    });
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  /** Starts a reboot; the node is NotReady when this returns, and the promise settles once it's Ready. */
  reboot(name: string, options: RebootOptions = {}): Promise<void> {
    const inProgress = this.#rebooting.get(name);
    if (inProgress) return inProgress;
    const { service, types, clock } = this.#cluster;
    const node = service.get(types.nodes, undefined, name);
    this.#goDown(node);
    for (const pod of service.list(types.pods, { filter: (candidate) => podNodeName(candidate) === name }).items) {
      if (isOwnedByDaemonSet(pod)) this.#setPodReady(pod, false);
      else service.delete(types.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 });
    }
    const done = new Promise<void>((resolve) => {
      clock.after(options.downSeconds ?? 10, () => {
        this.#rebooting.delete(name);
        const current = service.find(types.nodes, undefined, name);
        if (current) {
          this.#comeUp(current);
          for (const pod of service.list(types.pods, { filter: (candidate) => podNodeName(candidate) === name }).items)
            this.#setPodReady(pod, true);
        }
        resolve();
      });
    });
    this.#rebooting.set(name, done);
    return done;
  }

  /** Flips the Ready condition by hand (kubelet health), without touching pods. */
  setReady(
    name: string,
    ready: boolean,
    reason = ready ? 'KubeletReady' : 'KubeletNotReady',
    message = ready ? 'kubelet is posting ready status' : 'node marked not ready by cluster-sim',
  ): KubeObject {
    const { service, types, clock } = this.#cluster;
    const node = service.get(types.nodes, undefined, name);
    const conditions = conditionsOf(node);
    const previous = conditions.find((condition) => condition.type === 'Ready');
    const status = ready ? 'True' : 'False';
    const now = clock.timestamp();
    setCondition(conditions, {
      type: 'Ready',
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : now,
    });
    return service.update(types.nodes, undefined, name, node, 'status');
  }

  #goDown(node: KubeObject): void {
    const { service, types, clock } = this.#cluster;
    const now = clock.timestamp();
    const down = cloneObject(node);
    const spec = isPlainObject(down.spec) ? down.spec : (down.spec = {});
    const taints = Array.isArray(spec.taints) ? (spec.taints as Record<string, unknown>[]) : [];
    if (!taints.some((taint) => taint.key === UNREACHABLE_TAINT))
      taints.push({ key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: now });
    spec.taints = taints;
    const updated = service.update(types.nodes, undefined, node.metadata.name!, down);
    const conditions = conditionsOf(updated);
    setCondition(conditions, {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    });
    service.update(types.nodes, undefined, node.metadata.name!, updated, 'status');
  }

  #comeUp(node: KubeObject): void {
    const { service, types } = this.#cluster;
    const up = cloneObject(node);
    if (isPlainObject(up.spec) && Array.isArray(up.spec.taints)) {
      up.spec.taints = (up.spec.taints as Record<string, unknown>[]).filter((taint) => taint.key !== UNREACHABLE_TAINT);
      if ((up.spec.taints as unknown[]).length === 0) delete up.spec.taints;
    }
    const updated = service.update(types.nodes, undefined, node.metadata.name!, up);
    const status = isPlainObject(updated.status) ? updated.status : (updated.status = {});
    status.nodeInfo = { ...(isPlainObject(status.nodeInfo) ? status.nodeInfo : {}), bootID: randomUUID() };
    service.update(types.nodes, undefined, node.metadata.name!, updated, 'status');
    this.setReady(node.metadata.name!, true);
  }

  #setPodReady(pod: KubeObject, ready: boolean): void {
    const { service, types, clock } = this.#cluster;
    const next = cloneObject(pod);
    const status = isPlainObject(next.status) ? next.status : (next.status = {});
    const value = ready ? 'True' : 'False';
    const conditions = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : (status.conditions = []);
    for (const type of ['Ready', 'ContainersReady']) {
      setCondition(conditions as Condition[], { type, status: value, lastTransitionTime: clock.timestamp() });
    }
    if (ready && Array.isArray(status.containerStatuses)) {
      for (const container of status.containerStatuses as Record<string, unknown>[])
        container.restartCount = Number(container.restartCount ?? 0) + 1;
    }
    service.update(types.pods, pod.metadata.namespace, pod.metadata.name!, next, 'status');
  }
}
