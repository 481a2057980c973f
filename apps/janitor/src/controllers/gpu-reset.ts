/**
 * GPUReset reconciler: reset GPUs of one node without a reboot. The steps, each recorded as a
 * condition so a restarted janitor resumes where it stopped:
 *
 *   lock (Ready: ResourceContention until free) → tear down the GPU-operator services on the node
 *   (the operator's `nvidia.com/gpu.deploy.<component>` node labels set to false; wait until their
 *   pods are gone) → create the reset Job (`gpureset-<name>`, pinned to the node) → wait for it →
 *   restore the labels and wait for the pods → Complete, phase Succeeded.
 *
 * A failure in any step (teardown timeout, failed Job, overall timeout) still restores the
 * services before the CR ends Failed: a node is never left without its device plugin. The
 * finalizer does the same for a GPUReset deleted mid-flight (phase Terminating).
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { CustomObjectOps, type CustomResourceRef, K8sErrorCode, NodeOps, toK8sError } from '@nvsentinel/k8s';
import type { GpuResetControllerConfig } from '../config/janitor-config.js';
import {
  type Condition,
  ConditionType,
  GPU_RESETS,
  type GpuReset,
  type GpuResetPhase,
  type GpuResetStatus,
  Reason,
  apiTime,
  findCondition,
  setCondition,
} from './api.js';
import type { ReconcileResult, Reconciler } from './controller.js';
import { type ReconcileContext, errorMessage, hasFinalizer, readNode, setFinalizers, writeStatus } from './context.js';

export const GPU_RESET_FINALIZER = 'janitor.dgxc.nvidia.com/finalizer';
/** Node annotation keeping the deploy labels' values from before the teardown, for the restore. */
export const SAVED_LABELS_ANNOTATION = 'janitor.dgxc.nvidia.com/gpu-reset-saved-deploy-labels';
const GPU_RESET_LABEL = 'janitor.dgxc.nvidia.com/gpureset';

const JOBS = (namespace: string): CustomResourceRef => ({ group: 'batch', version: 'v1', plural: 'jobs', namespace });

interface SavedServices {
  labels: Record<string, string | null>;
  apps: string[];
}

interface JobObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
  status?: { conditions?: Array<{ type: string; status: string; message?: string; reason?: string }> };
}

export class GpuResetReconciler implements Reconciler<GpuReset> {
  readonly #context: ReconcileContext;
  readonly #config: GpuResetControllerConfig;
  readonly #nodeOps: NodeOps;
  readonly #objects: CustomObjectOps;

  constructor(context: ReconcileContext, config: GpuResetControllerConfig) {
    this.#context = context;
    this.#config = config;
    this.#nodeOps = new NodeOps(context.kube);
    this.#objects = new CustomObjectOps(context.kube);
  }

  waitsOnNode(object: GpuReset): boolean {
    return !object.status?.completionTime;
  }

  get #jobNamespace(): string {
    return this.#config.resetJob.namespace ?? this.#context.namespace;
  }

  async reconcile(cr: GpuReset): Promise<ReconcileResult | void> {
    const context = this.#context;
    const nodeName = cr.spec?.nodeName;
    if (!nodeName) return;
    if (cr.metadata?.deletionTimestamp) return this.#finalize(cr, nodeName);
    if (cr.status?.completionTime) {
      if (await context.lock.release(nodeName, { ref: GPU_RESETS, object: cr })) context.lockReleased(nodeName);
      return;
    }
    if (!hasFinalizer(cr, GPU_RESET_FINALIZER)) {
      cr = await setFinalizers(context, GPU_RESETS, cr, [...(cr.metadata?.finalizers ?? []), GPU_RESET_FINALIZER]);
    }
    const now = context.now();
    const status: GpuResetStatus = { ...(cr.status ?? {}) };
    const lock = await context.lock.acquire(nodeName, { ref: GPU_RESETS, object: cr });
    if (!lock.held) {
      status.phase = 'Pending';
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.Ready,
          status: 'False',
          reason: Reason.ResourceContention,
          message: `node ${nodeName} is locked by ${lock.holder}`,
        },
        now,
      );
      await writeStatus(context, GPU_RESETS, cr, status as Record<string, unknown>);
      return { requeueAfterMs: context.timing.lockRetryMs };
    }
    if (!status.startTime) {
      status.startTime = apiTime(now);
      context.metrics.gpuResetRequests.inc({ node: nodeName });
      context.metrics.gpuResetActive.inc();
    }
    let result: ReconcileResult | void;
    try {
      result = await this.#step(cr, status, nodeName, now);
    } catch (err) {
      // API errors are retried by the work queue; the status keeps what was done so far.
      await writeStatus(context, GPU_RESETS, cr, status as Record<string, unknown>).catch(() => undefined);
      throw err;
    }
    const written = await writeStatus(context, GPU_RESETS, cr, status as Record<string, unknown>);
    if (status.completionTime) {
      this.#recordCompletion(written, status);
      if (await context.lock.release(nodeName, { ref: GPU_RESETS, object: written })) context.lockReleased(nodeName);
      return;
    }
    return result;
  }

  #set(
    status: GpuResetStatus,
    now: Date,
    type: string,
    state: Condition['status'],
    reason: string,
    message = '',
  ): void {
    status.conditions = setCondition(status.conditions, { type, status: state, reason, message }, now);
  }

  #is(status: GpuResetStatus, type: string, state: Condition['status'] = 'True'): boolean {
    return findCondition(status.conditions, type)?.status === state;
  }

  /** Record a failure; the services are restored before the CR completes. */
  #fail(status: GpuResetStatus, now: Date, reason: string, message: string): void {
    if (findCondition(status.conditions, ConditionType.Complete)?.status === 'False') return; // keep the first failure
    this.#set(status, now, ConditionType.Complete, 'False', reason, message);
  }

  #failed(status: GpuResetStatus): boolean {
    return this.#is(status, ConditionType.Complete, 'False');
  }

  #elapsed(condition: Condition | undefined, now: Date): number {
    return condition ? now.getTime() - Date.parse(condition.lastTransitionTime) : 0;
  }

  async #step(cr: GpuReset, status: GpuResetStatus, nodeName: string, now: Date): Promise<ReconcileResult | void> {
    const poll = { requeueAfterMs: this.#context.timing.gpuResetPollMs };
    const node = await readNode(this.#context.kube, nodeName);
    if (!node) {
      this.#fail(status, now, Reason.NodeNotFound, `node ${nodeName} does not exist`);
      return this.#finish(status, now);
    }
    status.phase = 'InProgress';
    if (!this.#is(status, ConditionType.Ready))
      this.#set(status, now, ConditionType.Ready, 'True', Reason.ReadyForReset, `node ${nodeName} locked`);
    const overall = Date.parse(status.startTime!) + this.#config.timeoutMs <= now.getTime();
    if (overall && !this.#failed(status))
      this.#fail(
        status,
        now,
        Reason.ResetJobTimeoutExceeded,
        `the reset did not finish within ${Math.round(this.#config.timeoutMs / 1000)} s`,
      );

    if (!this.#failed(status) && !this.#is(status, ConditionType.ServicesTornDown)) {
      if (!findCondition(status.conditions, ConditionType.ServicesTornDown)) {
        this.#set(
          status,
          now,
          ConditionType.ServicesTornDown,
          'Unknown',
          Reason.TearingDownServices,
          'stopping GPU-operator services on the node',
        );
      }
      if (!this.#config.mock) await this.#tearDown(node);
      const remaining = this.#config.mock ? [] : await this.#servicePods(nodeName);
      if (remaining.length === 0) {
        this.#set(
          status,
          now,
          ConditionType.ServicesTornDown,
          'True',
          Reason.ServicesTornDown,
          'GPU-operator services stopped',
        );
      } else if (
        this.#elapsed(findCondition(status.conditions, ConditionType.ServicesTornDown), now) >
        this.#config.serviceManager.teardownTimeoutMs
      ) {
        this.#set(
          status,
          now,
          ConditionType.ServicesTornDown,
          'False',
          Reason.ServiceTeardownTimeoutExceeded,
          `still running: ${remaining.map((p) => p.metadata?.name).join(', ')}`,
        );
        this.#fail(status, now, Reason.ServiceTeardownTimeoutExceeded, 'GPU-operator pods did not stop in time');
      } else {
        return poll;
      }
    }
    if (!this.#failed(status) && !this.#is(status, ConditionType.ResetJobCreated)) {
      if (this.#config.mock) {
        this.#set(
          status,
          now,
          ConditionType.ResetJobCreated,
          'True',
          Reason.ResetJobCreated,
          'mock mode: no Job is created',
        );
      } else {
        const job = await this.#createJob(cr, nodeName);
        status.jobRef = {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata!.name!,
          namespace: this.#jobNamespace,
          ...(job.metadata?.uid ? { uid: job.metadata.uid } : {}),
        };
        this.#set(
          status,
          now,
          ConditionType.ResetJobCreated,
          'True',
          Reason.ResetJobCreated,
          `Job ${this.#jobNamespace}/${job.metadata!.name}`,
        );
      }
    }
    if (
      !this.#failed(status) &&
      !findCondition(status.conditions, ConditionType.ResetJobCompleted)?.status.match(/True|False/)
    ) {
      const outcome = this.#config.mock ? 'succeeded' : await this.#jobOutcome(status);
      if (outcome === 'succeeded') {
        this.#set(
          status,
          now,
          ConditionType.ResetJobCompleted,
          'True',
          Reason.ResetJobSucceeded,
          'the GPUs were reset',
        );
      } else if (outcome === 'failed' || outcome === 'missing') {
        const message = outcome === 'missing' ? 'the reset Job disappeared before it finished' : 'the reset Job failed';
        this.#set(status, now, ConditionType.ResetJobCompleted, 'False', Reason.ResetJobFailed, message);
        this.#fail(status, now, Reason.ResetJobFailed, message);
      } else {
        this.#set(
          status,
          now,
          ConditionType.ResetJobCompleted,
          'Unknown',
          Reason.ResetJobRunning,
          'waiting for the reset Job',
        );
        return poll;
      }
    }
    // Restore, after success or failure alike.
    if (!findCondition(status.conditions, ConditionType.ServicesRestored)?.status.match(/True|False/)) {
      if (!findCondition(status.conditions, ConditionType.ServicesRestored)) {
        this.#set(
          status,
          now,
          ConditionType.ServicesRestored,
          'Unknown',
          Reason.RestoringServices,
          'starting GPU-operator services again',
        );
      }
      const missing = this.#config.mock ? [] : await this.#restore(nodeName);
      if (missing.length === 0) {
        this.#set(
          status,
          now,
          ConditionType.ServicesRestored,
          'True',
          Reason.ServicesRestored,
          'GPU-operator services running',
        );
      } else if (
        this.#elapsed(findCondition(status.conditions, ConditionType.ServicesRestored), now) >
        this.#config.serviceManager.restoreTimeoutMs
      ) {
        this.#set(
          status,
          now,
          ConditionType.ServicesRestored,
          'False',
          Reason.RestoreTimeoutExceeded,
          `not back: ${missing.join(', ')}`,
        );
        this.#fail(status, now, Reason.RestoreTimeoutExceeded, 'GPU-operator services did not come back in time');
      } else {
        return poll;
      }
    }
    return this.#finish(status, now);
  }

  #finish(status: GpuResetStatus, now: Date): void {
    if (!this.#failed(status))
      this.#set(status, now, ConditionType.Complete, 'True', Reason.GPUResetSucceeded, 'GPU reset succeeded');
    status.phase = this.#failed(status) ? 'Failed' : 'Succeeded';
    status.completionTime = apiTime(now);
  }

  async #tearDown(node: V1Node): Promise<void> {
    const name = node.metadata!.name!;
    const labels = node.metadata?.labels ?? {};
    const wanted = this.#config.serviceManager.deployLabels;
    if (node.metadata?.annotations?.[SAVED_LABELS_ANNOTATION] === undefined) {
      // What to put back, and which services must be running again before the reset counts as done.
      const apps = [...new Set((await this.#servicePods(name)).map((pod) => pod.metadata?.labels?.app ?? ''))].sort();
      const saved: SavedServices = {
        labels: Object.fromEntries(wanted.map((key) => [key, labels[key] ?? null])),
        apps,
      };
      await this.#nodeOps.setAnnotations(name, { [SAVED_LABELS_ANNOTATION]: JSON.stringify(saved) });
    }
    if (wanted.some((key) => labels[key] !== 'false')) {
      await this.#nodeOps.setLabels(name, Object.fromEntries(wanted.map((key) => [key, 'false'])));
    }
  }

  #saved(node: V1Node | undefined): SavedServices | undefined {
    const text = node?.metadata?.annotations?.[SAVED_LABELS_ANNOTATION];
    if (text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text) as SavedServices;
      return { labels: parsed.labels ?? {}, apps: parsed.apps ?? [] };
    } catch {
      return {
        labels: Object.fromEntries(this.#config.serviceManager.deployLabels.map((key) => [key, null])),
        apps: [],
      };
    }
  }

  /** Put the deploy labels back; the saved record stays until the services run again. */
  async #restore(nodeName: string): Promise<string[]> {
    const node = await readNode(this.#context.kube, nodeName);
    const saved = this.#saved(node);
    if (!node || !saved) return [];
    const labels = node.metadata?.labels ?? {};
    if (Object.entries(saved.labels).some(([key, value]) => (labels[key] ?? null) !== value))
      await this.#nodeOps.setLabels(nodeName, saved.labels);
    const running = new Set((await this.#servicePods(nodeName)).map((pod) => pod.metadata?.labels?.app));
    const missing = saved.apps.filter((app) => !running.has(app));
    if (missing.length === 0) await this.#nodeOps.setAnnotations(nodeName, { [SAVED_LABELS_ANNOTATION]: null });
    return missing;
  }

  async #servicePods(nodeName: string): Promise<V1Pod[]> {
    const { namespace, podApps } = this.#config.serviceManager;
    const list = await this.#context.kube.core.listNamespacedPod({
      namespace,
      fieldSelector: `spec.nodeName=${nodeName}`,
    });
    return list.items.filter(
      (pod) => podApps.includes(pod.metadata?.labels?.app ?? '') && !pod.metadata?.deletionTimestamp,
    );
  }

  async #createJob(cr: GpuReset, nodeName: string): Promise<JobObject> {
    const job = this.#config.resetJob;
    const name = `gpureset-${cr.metadata!.name!}`.slice(0, 63).replace(/-+$/, '');
    const env = [
      { name: 'NODE_NAME', value: nodeName },
      { name: 'GPU_UUIDS', value: (cr.spec?.selector?.uuids ?? []).join(',') },
      { name: 'PCI_BUS_IDS', value: (cr.spec?.selector?.pciBusIDs ?? []).join(',') },
      { name: 'WRITE_SYSLOG_EVENT', value: String(job.writeSysLogEvent) },
      ...(job.uploadURL ? [{ name: 'UPLOAD_URL', value: job.uploadURL }] : []),
    ];
    const body = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: this.#jobNamespace,
        labels: { 'app.kubernetes.io/managed-by': 'janitor', [GPU_RESET_LABEL]: cr.metadata!.name! },
        ownerReferences: [
          {
            apiVersion: `${GPU_RESETS.group}/${GPU_RESETS.version}`,
            kind: 'GPUReset',
            name: cr.metadata!.name!,
            uid: cr.metadata!.uid!,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: { [GPU_RESET_LABEL]: cr.metadata!.name! } },
          spec: {
            nodeName,
            restartPolicy: 'Never',
            ...(job.runtimeClassName ? { runtimeClassName: job.runtimeClassName } : {}),
            ...(job.imagePullSecrets.length
              ? { imagePullSecrets: job.imagePullSecrets.map((secret) => ({ name: secret })) }
              : {}),
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'gpu-reset',
                image: job.image,
                env,
                securityContext: { privileged: true },
                ...(job.resources ? { resources: job.resources } : {}),
              },
            ],
          },
        },
      },
    };
    const created = await this.#objects.create(JOBS(this.#jobNamespace), body as never).catch((err: unknown) => {
      throw toK8sError(err, `create reset Job ${this.#jobNamespace}/${name}`);
    });
    return created.object as JobObject;
  }

  async #jobOutcome(status: GpuResetStatus): Promise<'succeeded' | 'failed' | 'running' | 'missing'> {
    const ref = status.jobRef;
    if (!ref) return 'missing';
    const job = await this.#objects.get<JobObject & { metadata?: { name?: string } }>(JOBS(ref.namespace), ref.name);
    if (!job) return 'missing';
    const conditions = job.status?.conditions ?? [];
    if (conditions.some((c) => (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') && c.status === 'True'))
      return 'succeeded';
    if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
    return 'running';
  }

  async #finalize(cr: GpuReset, nodeName: string): Promise<void> {
    const context = this.#context;
    if (!hasFinalizer(cr, GPU_RESET_FINALIZER)) return;
    const now = context.now();
    if (!cr.status?.completionTime) {
      const status: GpuResetStatus = { ...(cr.status ?? {}), phase: 'Terminating' as GpuResetPhase };
      this.#set(
        status,
        now,
        ConditionType.Terminating,
        'True',
        Reason.Deleting,
        'the GPUReset is being deleted; restoring services',
      );
      cr = await writeStatus(context, GPU_RESETS, cr, status as Record<string, unknown>);
      if (status.jobRef) {
        await this.#objects.delete(JOBS(status.jobRef.namespace), status.jobRef.name).catch((err: unknown) => {
          if (toK8sError(err).code !== K8sErrorCode.NOT_FOUND) throw err;
        });
      }
      if (await readNode(context.kube, nodeName)) await this.#restore(nodeName);
      if (status.startTime) context.metrics.gpuResetActive.dec();
    }
    if (await context.lock.release(nodeName, { ref: GPU_RESETS, object: cr })) context.lockReleased(nodeName);
    await setFinalizers(
      context,
      GPU_RESETS,
      cr,
      (cr.metadata?.finalizers ?? []).filter((f) => f !== GPU_RESET_FINALIZER),
    );
  }

  #recordCompletion(cr: GpuReset, status: GpuResetStatus): void {
    const metrics = this.#context.metrics;
    const complete = findCondition(status.conditions, ConditionType.Complete);
    const outcome = complete?.status === 'True' ? 'succeeded' : 'failed';
    metrics.gpuResetCompleted.inc({ node: cr.spec!.nodeName, status: outcome });
    metrics.gpuResetActive.dec();
    if (outcome === 'failed') metrics.gpuResetFailures.inc({ reason: complete?.reason ?? Reason.InternalError });
    const seconds = (Date.parse(status.completionTime!) - Date.parse(status.startTime!)) / 1000;
    metrics.gpuResetDuration.observe({ status: outcome }, Math.max(0, seconds));
    this.#context.logger.info(
      {
        cr: cr.metadata?.name,
        node: cr.spec?.nodeName,
        outcome,
        reason: complete?.reason,
        message: errorMessage(complete?.message),
      },
      'GPU reset finished',
    );
  }
}
