/**
 * Observes, through a real watch on the simulator, the moment each node first turns
 * unschedulable — what a scheduler would see.
 */
import { KubeConfig, Watch, type V1Node } from '@kubernetes/client-node';

export interface CordonWatch {
  /** Node name → time (performance.now()) it was first seen cordoned. */
  readonly cordonedAt: ReadonlyMap<string, number>;
  waitFor(count: number, limitMs: number): Promise<void>;
  stop(): void;
}

export async function watchCordons(kubeconfigPath: string): Promise<CordonWatch> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const cordonedAt = new Map<string, number>();
  let waiter: { count: number; resolve: () => void } | undefined;
  const request = await new Watch(kc).watch(
    '/api/v1/nodes',
    {},
    (_type: string, node: V1Node) => {
      const name = node.metadata?.name;
      if (!name || node.spec?.unschedulable !== true || cordonedAt.has(name)) return;
      cordonedAt.set(name, performance.now());
      if (waiter && cordonedAt.size >= waiter.count) waiter.resolve();
    },
    () => {},
  );
  return {
    cordonedAt,
    waitFor(count, limitMs) {
      if (cordonedAt.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${cordonedAt.size} of ${count} nodes cordoned after ${limitMs / 1000} s`)),
          limitMs,
        );
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    stop: () => request.abort(),
  };
}
