/**
 * Counts, from a real watch on the simulator, the Kubernetes writes that changed each node.
 *
 * Duplicate rule: an action is duplicated only when it changes the node again. A consumer that
 * re-sends the same cordon after a crash (node already unschedulable, same taint) is idempotent;
 * a second cordon transition (unschedulable false → true) for the same node is a duplicated action.
 * `modifications` counts every committed node write any service made (platform-connectors mirrors
 * conditions, fault-quarantine cordons, taints and annotates), printed for the record.
 */
import { KubeConfig, Watch, type V1Node } from '@kubernetes/client-node';

export interface NodeWrites {
  /** node → times it went from schedulable to cordoned */
  readonly cordonTransitions: ReadonlyMap<string, number>;
  /** node → MODIFIED events seen (writes that changed something: taints, labels, annotations, spec) */
  readonly modifications: ReadonlyMap<string, number>;
  cordoned(): number;
  stop(): void;
}

export async function watchNodeWrites(kubeconfigPath: string): Promise<NodeWrites> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const cordonTransitions = new Map<string, number>();
  const modifications = new Map<string, number>();
  const lastUnschedulable = new Map<string, boolean>();
  const request = await new Watch(kc).watch(
    '/api/v1/nodes',
    {},
    (type: string, node: V1Node) => {
      const name = node.metadata?.name;
      if (!name) return;
      const unschedulable = node.spec?.unschedulable === true;
      if (type === 'MODIFIED') modifications.set(name, (modifications.get(name) ?? 0) + 1);
      if (unschedulable && lastUnschedulable.get(name) !== true)
        cordonTransitions.set(name, (cordonTransitions.get(name) ?? 0) + 1);
      lastUnschedulable.set(name, unschedulable);
    },
    () => {},
  );
  return {
    cordonTransitions,
    modifications,
    cordoned: () => [...lastUnschedulable.values()].filter(Boolean).length,
    stop: () => request.abort(),
  };
}
