/**
 * `generic` (bare metal) and `kind`: no cloud API, so a privileged Job pinned to the node runs
 * `chroot /host reboot` (or writes to /proc/sysrq-trigger) — upstream's generic provider. The
 * request reference is the node's pre-reboot bootID; the node is rebooted when it reports a new
 * bootID and Ready, and the reboot Jobs are then deleted. A Job pod stuck on a non-transient
 * waiting reason (bad image, bad config) fails the request instead of waiting for the timeout.
 * Terminate powers the machine off the same way; janitor then removes the NotReady Node.
 */
import { BatchV1Api, type V1Job, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { isNotFound, isTransient, type KubeClient } from '@nvsentinel/k8s';
import { CspRequestFailedError, CspUnavailableError, RebootFailedError } from '../errors.js';
import { bootIdOf, hasRebootedSince, nodeName } from '../node-facts.js';
import type { CspProvider } from '../provider.js';
import { decodeRequestRef, encodeRequestRef } from '../request-ref.js';
import {
  REBOOT_ACTION_LABEL,
  REBOOT_BOOT_LABEL,
  REBOOT_JOB_LABEL,
  REBOOT_NODE_LABEL,
  rebootJobManifest,
  type HostAction,
} from './reboot-job.js';

export interface RebootJobProviderOptions {
  name: 'generic' | 'kind';
  kube: KubeClient;
  /** Where reboot Jobs are created (GENERIC_REBOOT_JOB_NAMESPACE). */
  namespace: string;
  image?: string;
  imagePullSecrets?: readonly string[];
  useSysrq?: boolean;
  jobTtlSeconds?: number;
}

/** Waiting reasons that will not resolve by themselves (kubelet keeps backing off forever). */
const STUCK_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export class RebootJobProvider implements CspProvider {
  readonly name: 'generic' | 'kind';
  readonly #options: RebootJobProviderOptions;
  readonly #batch: BatchV1Api;

  constructor(options: RebootJobProviderOptions) {
    this.name = options.name;
    this.#options = options;
    this.#batch = options.kube.kubeConfig.makeApiClient(BatchV1Api);
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const bootId = bootIdOf(node);
    if (!bootId) {
      throw new RebootFailedError(
        nodeName(node),
        'the node reports no status.nodeInfo.bootID, so a finished reboot cannot be recognised',
      );
    }
    const job = await this.#ensureJob(node, 'reboot', bootId);
    return { requestRef: encodeRequestRef(this.name, { bootID: bootId, job: job.metadata?.name ?? '' }) };
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    const name = nodeName(node);
    const { bootID, job } = decodeRequestRef(this.name, requestRef, name, ['bootID']);
    if (hasRebootedSince(node, bootID!)) {
      await this.#deleteJobs(name, 'reboot');
      return true;
    }
    if (job) await this.#failIfStuck(name, job);
    return false;
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const job = await this.#ensureJob(node, 'poweroff', bootIdOf(node));
    return { requestRef: encodeRequestRef(this.name, { job: job.metadata?.name ?? '', action: 'poweroff' }) };
  }

  /** The Job for this node, action and boot: an existing one is reused (at-least-once signals). */
  async #ensureJob(node: V1Node, action: HostAction, bootId: string): Promise<V1Job> {
    const name = nodeName(node);
    const existing = (await this.#jobs(name, action)).find(
      (job) => !bootId || job.metadata?.labels?.[REBOOT_BOOT_LABEL] === bootId.slice(0, 63),
    );
    if (existing) return existing;
    const manifest = rebootJobManifest({
      node: name,
      bootId,
      action,
      namespace: this.#options.namespace,
      image: this.#options.image ?? 'busybox:1.37.0',
      imagePullSecrets: this.#options.imagePullSecrets ?? [],
      useSysrq: this.#options.useSysrq ?? false,
      ttlSecondsAfterFinished: this.#options.jobTtlSeconds ?? 3600,
    });
    return this.#kubeCall(action, name, () =>
      this.#batch.createNamespacedJob({ namespace: this.#options.namespace, body: manifest }),
    );
  }

  async #jobs(node: string, action: HostAction): Promise<V1Job[]> {
    const labelSelector = [
      `${REBOOT_JOB_LABEL}=true`,
      `${REBOOT_NODE_LABEL}=${node.slice(0, 63)}`,
      `${REBOOT_ACTION_LABEL}=${action}`,
    ].join(',');
    const list = await this.#kubeCall('list reboot Jobs of', node, () =>
      this.#batch.listNamespacedJob({ namespace: this.#options.namespace, labelSelector }),
    );
    return list.items;
  }

  async #deleteJobs(node: string, action: HostAction): Promise<void> {
    for (const job of await this.#jobs(node, action)) {
      try {
        await this.#batch.deleteNamespacedJob({
          name: job.metadata!.name!,
          namespace: this.#options.namespace,
          propagationPolicy: 'Background',
        });
      } catch (error) {
        if (!isNotFound(error)) throw this.#kubeError('delete the reboot Job of', node, error);
      }
    }
  }

  async #failIfStuck(node: string, job: string): Promise<void> {
    const pods = await this.#kubeCall('list reboot Job pods of', node, () =>
      this.#options.kube.core.listNamespacedPod({
        namespace: this.#options.namespace,
        labelSelector: `job-name=${job}`,
      }),
    );
    for (const pod of pods.items as V1Pod[]) {
      for (const status of pod.status?.containerStatuses ?? []) {
        const reason = status.state?.waiting?.reason;
        if (reason && STUCK_REASONS.has(reason)) {
          const message = status.state?.waiting?.message ?? '';
          throw new RebootFailedError(
            node,
            `reboot Job pod ${pod.metadata?.name} is stuck in ${reason}${message ? ` (${message})` : ''}; ` +
              'check GENERIC_REBOOT_IMAGE and its pull secrets',
          );
        }
      }
    }
  }

  async #kubeCall<T>(action: string, node: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#kubeError(action, node, error);
    }
  }

  #kubeError(action: string, node: string, error: unknown): Error {
    const message = (error as Error).message;
    if (isTransient(error))
      return new CspUnavailableError('the Kubernetes API', action, node, message, { cause: error });
    return new CspRequestFailedError('the Kubernetes API', action, node, message, { cause: error });
  }
}
