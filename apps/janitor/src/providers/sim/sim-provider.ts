/**
 * `sim`: reboots and terminates nodes of tools/cluster-sim through the ordinary Kubernetes API,
 * so the local stack exercises the whole remediation path with no cloud. A reboot is asked for
 * with the simulator's reboot annotation (the simulator makes the node NotReady for the downtime,
 * then Ready with a new bootID); terminate deletes the Node, as a cloud's node controller does
 * once the machine is gone.
 */
import { PatchStrategy, setHeaderOptions, type V1Node } from '@kubernetes/client-node';
import { isNotFound, type KubeClient } from '@nvsentinel/k8s';
import { CspRequestFailedError, CspUnavailableError } from '../errors.js';
import { bootIdOf, hasRebootedSince, nodeName } from '../node-facts.js';
import type { CspProvider } from '../provider.js';
import { decodeRequestRef, encodeRequestRef } from '../request-ref.js';

/** The annotation tools/cluster-sim watches (its REBOOT_ANNOTATION); the value is the downtime. */
const SIM_REBOOT_ANNOTATION = 'cluster-sim.nvsentinel.dgxc.nvidia.com/reboot';

export interface SimProviderOptions {
  kube: KubeClient;
  /** Simulated seconds the node stays down after a reboot signal. Default 10. */
  rebootDownSeconds?: number;
}

export class SimProvider implements CspProvider {
  readonly name = 'sim';
  readonly #kube: KubeClient;
  readonly #downSeconds: number;

  constructor(options: SimProviderOptions) {
    this.#kube = options.kube;
    this.#downSeconds = options.rebootDownSeconds ?? 10;
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const name = nodeName(node);
    const body = { metadata: { annotations: { [SIM_REBOOT_ANNOTATION]: String(this.#downSeconds) } } };
    try {
      await this.#kube.core.patchNode({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    } catch (error) {
      throw this.#failure('reboot', name, error);
    }
    return { requestRef: encodeRequestRef(this.name, { bootID: bootIdOf(node) }) };
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    const { bootID } = decodeRequestRef(this.name, requestRef, nodeName(node), ['bootID']);
    return hasRebootedSince(node, bootID!);
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const name = nodeName(node);
    try {
      await this.#kube.core.deleteNode({ name });
    } catch (error) {
      // Already gone is what terminate wants (at-least-once delivery repeats the call).
      if (!isNotFound(error)) throw this.#failure('terminate', name, error);
    }
    return { requestRef: encodeRequestRef(this.name, { node: name }) };
  }

  #failure(action: string, name: string, error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    const status = (error as { code?: number }).code;
    if (status === undefined || status === 429 || status >= 500) {
      return new CspUnavailableError('cluster-sim', action, name, message, { cause: error });
    }
    return new CspRequestFailedError('cluster-sim', action, name, message, { cause: error });
  }
}
