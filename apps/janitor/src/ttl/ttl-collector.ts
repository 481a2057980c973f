/**
 * TTL garbage collection of finished maintenance CRs (upstream `pkg/ttl/ttl.go`). A CR with a
 * completionTime gets the annotation `nvsentinel.nvidia.com/expiry` once, at completionTime plus
 * its `nvsentinel.nvidia.com/ttl` (a Go duration; `--default-ttl` when absent), and is deleted
 * when that moment passes. `nvsentinel.nvidia.com/preserve: "true"` keeps it forever. Writing the
 * expiry first makes the deadline visible (`kubectl get -o yaml`) and lets an operator move it.
 */
import type { CustomObject, CustomObjectOps, CustomResourceRef } from '@nvsentinel/k8s';
import { type Logger, parseDurationMs } from '@nvsentinel/service-kit';
import { type CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { JanitorMetrics } from '../metrics.js';

export const TTL_ANNOTATION = 'nvsentinel.nvidia.com/ttl';
export const EXPIRY_ANNOTATION = 'nvsentinel.nvidia.com/expiry';
export const PRESERVE_ANNOTATION = 'nvsentinel.nvidia.com/preserve';

interface TtlSource {
  ref: CustomResourceRef;
  kind: string;
  list(): CustomObject<unknown, unknown>[];
}

export interface TtlCollectorOptions {
  objects: CustomObjectOps;
  /** For the metadata merge patch (janitor CRs are cluster-scoped). */
  api: CustomObjectsApi;
  sources(): TtlSource[];
  defaultTtlMs: number;
  intervalMs: number;
  metrics: JanitorMetrics;
  logger: Logger;
  now(): Date;
}

export type TtlDecision =
  | { action: 'keep'; why: 'running' | 'preserved' | 'invalid-ttl' | 'not-due' }
  | { action: 'annotate'; expiry: string }
  | { action: 'delete' };

/** What to do with one CR now (pure, for tests and the loop). */
export function ttlDecision(object: CustomObject<unknown, unknown>, defaultTtlMs: number, now: Date): TtlDecision {
  const completion = (object.status as { completionTime?: string } | undefined)?.completionTime;
  if (!completion) return { action: 'keep', why: 'running' };
  const annotations = object.metadata?.annotations ?? {};
  if (annotations[PRESERVE_ANNOTATION]?.toLowerCase() === 'true') return { action: 'keep', why: 'preserved' };
  const expiryText = annotations[EXPIRY_ANNOTATION];
  if (expiryText === undefined) {
    const ttlText = annotations[TTL_ANNOTATION];
    const ttlMs = ttlText === undefined ? defaultTtlMs : parseDurationMs(ttlText);
    if (ttlMs === undefined) return { action: 'keep', why: 'invalid-ttl' };
    return { action: 'annotate', expiry: new Date(Date.parse(completion) + ttlMs).toISOString() };
  }
  const expiry = Date.parse(expiryText);
  if (Number.isNaN(expiry)) return { action: 'keep', why: 'invalid-ttl' };
  return expiry <= now.getTime() ? { action: 'delete' } : { action: 'keep', why: 'not-due' };
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class TtlCollector {
  readonly #options: TtlCollectorOptions;
  readonly #warned = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: TtlCollectorOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    const tick = (): void => {
      this.#running = this.sweep().then(
        () => undefined,
        (err: unknown) => this.#options.logger.warn({ err }, 'TTL sweep failed; retrying at the next interval'),
      );
    };
    tick();
    this.#timer = setInterval(tick, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** One pass over every cached CR; returns how many were deleted. */
  async sweep(): Promise<number> {
    const { objects, metrics, logger, defaultTtlMs } = this.#options;
    let deleted = 0;
    for (const source of this.#options.sources()) {
      for (const object of source.list()) {
        if (this.#stopped) return deleted;
        const name = object.metadata!.name!;
        const decision = ttlDecision(object, defaultTtlMs, this.#options.now());
        if (decision.action === 'annotate') {
          await this.#annotate(source.ref, name, decision.expiry);
          // A zero or past expiry is due now; the next sweep would see it too, but do not wait.
          if (
            Date.parse(decision.expiry) <= this.#options.now().getTime() &&
            (await objects.delete(source.ref, name))
          ) {
            metrics.ttlDeletions.inc({ kind: source.kind });
            deleted++;
          }
        } else if (decision.action === 'delete') {
          if (await objects.delete(source.ref, name)) {
            metrics.ttlDeletions.inc({ kind: source.kind });
            logger.info({ kind: source.kind, name }, 'deleted a finished CR whose TTL passed');
            deleted++;
          }
        } else if (decision.why === 'invalid-ttl' && !this.#warned.has(`${source.kind}/${name}`)) {
          this.#warned.add(`${source.kind}/${name}`);
          logger.warn(
            { kind: source.kind, name, annotations: object.metadata?.annotations },
            `${TTL_ANNOTATION} / ${EXPIRY_ANNOTATION} is not a duration / RFC 3339 time; the CR is kept`,
          );
        }
      }
    }
    return deleted;
  }

  async #annotate(ref: CustomResourceRef, name: string, expiry: string): Promise<void> {
    const body = { metadata: { annotations: { [EXPIRY_ANNOTATION]: expiry } } };
    try {
      await this.#options.api.patchClusterCustomObject(
        { group: ref.group, version: ref.version, plural: ref.plural, name, body },
        mergePatch,
      );
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }
}
