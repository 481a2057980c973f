/**
 * Plays the NVIDIA GPU operator for GPUReset tests (the simulator runs no DaemonSet controller):
 * a node whose `nvidia.com/gpu.deploy.<component>` label is `false` loses that component's pod;
 * when the label is put back the pod is created again. It also plays the Job controller for the
 * reset Job: each new Job ends Complete, or Failed when told so.
 */
import type { ClusterSim, KubeObject } from '@nvsentinel/cluster-sim';

export interface GpuOperatorOptions {
  /** deploy label → `app` label of its pods. */
  components: Record<string, string>;
  namespace?: string;
  jobNamespace: string;
}

export class GpuOperatorPlayer {
  readonly #sim: ClusterSim;
  readonly #options: GpuOperatorOptions;
  readonly #stopped = new Map<string, KubeObject>();
  readonly #timer: NodeJS.Timeout;
  /** What the next reset Jobs do: 'succeed' (default), 'fail', or 'hang' (never finish). */
  jobOutcome: 'succeed' | 'fail' | 'hang' = 'succeed';
  /** Whether torn-down pods ever go away / restored ones come back. */
  honourTeardown = true;
  honourRestore = true;
  readonly jobsSeen: string[] = [];

  constructor(sim: ClusterSim, options: GpuOperatorOptions) {
    this.#sim = sim;
    this.#options = options;
    this.#timer = setInterval(() => this.#tick(), 20);
  }

  #tick(): void {
    const state = this.#sim.state;
    const namespace = this.#options.namespace ?? 'gpu-operator';
    try {
      for (const node of state.nodes()) {
        const nodeName = node.metadata.name!;
        for (const [label, app] of Object.entries(this.#options.components)) {
          const off = node.metadata.labels?.[label] === 'false';
          const pods = state
            .pods(nodeName)
            .filter((pod) => pod.metadata.namespace === namespace && pod.metadata.labels?.app === app);
          const key = `${nodeName}/${app}`;
          if (off && this.honourTeardown) {
            for (const pod of pods) {
              this.#stopped.set(key, pod);
              void fetch(
                `${this.#sim.url}/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=0`,
                { method: 'DELETE' },
              );
            }
          } else if (!off && this.honourRestore && pods.length === 0 && this.#stopped.has(key)) {
            const old = this.#stopped.get(key)!;
            this.#stopped.delete(key);
            const {
              uid: _uid,
              resourceVersion: _rv,
              creationTimestamp: _ct,
              deletionTimestamp: _dt,
              ...metadata
            } = old.metadata;
            state.create({
              ...old,
              metadata: { ...metadata, name: `${app}-${Math.random().toString(36).slice(2, 7)}` },
            });
          }
        }
      }
      for (const job of state.list('batch/v1', 'Job', this.#options.jobNamespace)) {
        const name = job.metadata.name!;
        if (this.jobsSeen.includes(name) || this.jobOutcome === 'hang') continue;
        this.jobsSeen.push(name);
        const type = this.jobOutcome === 'fail' ? 'Failed' : 'Complete';
        state.updateStatus('batch/v1', 'Job', name, this.#options.jobNamespace, {
          conditions: [{ type, status: 'True', reason: type === 'Failed' ? 'BackoffLimitExceeded' : 'Completed' }],
        });
      }
    } catch {
      // Objects come and go between list and write; the next tick sees the new state.
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
