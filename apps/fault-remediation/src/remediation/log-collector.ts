/**
 * Optional log collector (`--enable-log-collector`): before the CR, one batch/v1 Job per event
 * from the manifest file, labelled with the node and event, pinned to the node. The event is
 * looked at again every `recheckMs` until the Job is Complete, Failed or older than `timeoutMs`;
 * remediation proceeds in all three cases. Completion metrics are recorded once per Job, guarded
 * by an annotation on the Job (a restart does not count a Job twice).
 *
 * Jobs go through the generic custom-objects API (`/apis/batch/v1/...`), so they share the
 * client's rate limiter and metrics like every other request.
 */
import type { HealthEventWithStatus } from '@nvsentinel/health-model';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  type CustomObject,
  CustomObjectOps,
  type CustomResourceRef,
  type KubeClient,
  isAlreadyExists,
} from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import { parse as parseYaml } from 'yaml';
import { RemediationConfigError } from '../errors.js';
import type { RemediationMetrics } from '../metrics.js';

const LOG_COLLECTOR_NODE_LABEL = 'dgxc.nvidia.com/node-name';
const LOG_COLLECTOR_EVENT_LABEL = 'dgxc.nvidia.com/event-id';
const METRICS_RECORDED_ANNOTATION = 'dgxc.nvidia.com/logcollector-metrics-recorded';

export interface LogCollectorOptions {
  /** The Job manifest (YAML text of upstream's `log-collector-job.yaml`). */
  manifest: string;
  manifestPath: string;
  namespace: string;
  timeoutMs: number;
  recheckMs: number;
  dryRun: boolean;
  now(): Date;
}

export type CollectResult =
  { kind: 'done'; status: 'Complete' | 'Failed' | 'Timeout' | 'Skipped' } | { kind: 'running'; recheckMs: number };

interface JobStatus {
  conditions?: Array<{ type?: string; status?: string }>;
}

export class LogCollector {
  readonly #template: CustomObject;
  readonly #ref: CustomResourceRef;
  readonly crs: CustomObjectOps;

  constructor(
    readonly kube: KubeClient,
    readonly metrics: RemediationMetrics,
    readonly logger: Logger,
    readonly options: LogCollectorOptions,
  ) {
    let parsed: unknown;
    try {
      parsed = parseYaml(options.manifest);
    } catch (err) {
      throw new RemediationConfigError(
        options.manifestPath,
        `log-collector Job manifest is not YAML: ${(err as Error).message}`,
      );
    }
    const job = parsed as CustomObject;
    if (!job || job.apiVersion !== 'batch/v1' || job.kind !== 'Job') {
      throw new RemediationConfigError(options.manifestPath, 'the log-collector manifest must be one batch/v1 Job');
    }
    this.#template = job;
    this.crs = new CustomObjectOps(kube);
    this.#ref = { group: 'batch', version: 'v1', plural: 'jobs', namespace: options.namespace };
  }

  /** Creates the event's Job if it has none, and reports whether remediation may go on. */
  async ensure(event: HealthEventWithStatus, guard: () => void): Promise<CollectResult> {
    if (this.options.dryRun) return { kind: 'done', status: 'Skipped' };
    const node = event.healthEvent.nodeName;
    const selector = `${LOG_COLLECTOR_NODE_LABEL}=${node},${LOG_COLLECTOR_EVENT_LABEL}=${event.id}`;
    let jobs: CustomObject<unknown, JobStatus>[];
    try {
      jobs = (await this.crs.list<CustomObject<unknown, JobStatus>>(this.#ref, { labelSelector: selector })).items;
    } catch (err) {
      this.metrics.logCollectorErrors.inc({ error_type: 'list_jobs', node_name: node });
      throw err;
    }
    if (jobs.length > 1) {
      this.metrics.logCollectorErrors.inc({ error_type: 'multiple_jobs', node_name: node });
      this.logger.error(
        { node, eventId: event.id, jobs: jobs.map((j) => j.metadata?.name) },
        'more than one log-collector Job for one event; going on with remediation',
      );
      return { kind: 'done', status: 'Failed' };
    }
    if (jobs.length === 0) {
      guard();
      await this.#create(node, event.id);
      return { kind: 'running', recheckMs: this.options.recheckMs };
    }
    const job = jobs[0]!;
    const conditions = job.status?.conditions ?? [];
    const has = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
    const createdAt = Date.parse(String(job.metadata?.creationTimestamp ?? ''));
    const ageMs = Number.isNaN(createdAt) ? 0 : this.options.now().getTime() - createdAt;
    const status = has('Complete')
      ? 'Complete'
      : has('Failed')
        ? 'Failed'
        : ageMs > this.options.timeoutMs
          ? 'Timeout'
          : undefined;
    if (!status) return { kind: 'running', recheckMs: this.options.recheckMs };
    await this.#recordOnce(job, node, status, ageMs);
    return { kind: 'done', status };
  }

  async #create(node: string, eventId: string): Promise<void> {
    const job = structuredClone(this.#template) as CustomObject<Record<string, unknown>>;
    const labels = {
      ...(job.metadata?.labels ?? {}),
      [LOG_COLLECTOR_NODE_LABEL]: node,
      [LOG_COLLECTOR_EVENT_LABEL]: eventId,
    };
    job.metadata = { ...job.metadata, namespace: this.options.namespace, labels };
    const spec = (job.spec ?? {}) as {
      template?: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
    };
    spec.template = { ...spec.template, spec: { ...spec.template?.spec, nodeName: node } };
    job.spec = spec as Record<string, unknown>;
    try {
      await this.crs.create(this.#ref, job, { ifExists: 'throw' });
      this.logger.info({ node, eventId }, 'log-collector Job created');
    } catch (err) {
      if (isAlreadyExists(err)) return;
      this.metrics.logCollectorErrors.inc({ error_type: 'create_job', node_name: node });
      throw err;
    }
  }

  async #recordOnce(job: CustomObject<unknown, JobStatus>, node: string, status: string, ageMs: number): Promise<void> {
    if (job.metadata?.annotations?.[METRICS_RECORDED_ANNOTATION] === 'true') return;
    this.metrics.logCollectorJobs.inc({ node_name: node, status });
    this.metrics.logCollectorJobDuration.observe({ node_name: node, status }, Math.max(0, ageMs / 1000));
    try {
      const body = { metadata: { annotations: { [METRICS_RECORDED_ANNOTATION]: 'true' } } };
      const { group, version, plural, namespace } = this.#ref;
      await this.kube.customObjects.patchNamespacedCustomObject(
        { group, version, plural, namespace: namespace!, name: job.metadata!.name!, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      this.metrics.logCollectorErrors.inc({ error_type: 'annotate_job', node_name: node });
      this.logger.warn({ err, node, job: job.metadata?.name }, 'could not mark the log-collector Job as counted');
    }
  }
}
