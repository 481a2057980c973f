/**
 * Handles one change-stream event: decide from the node's state, apply the quarantine change in
 * one conflict-checked node write, then write the outcome back to the event document.
 * At-least-once safe: replaying an event finds its faults already tracked and changes nothing.
 */
import type { V1Node } from '@kubernetes/client-node';
import { type HealthEventWithStatus, fromDocument } from '@nvsentinel/health-model';
import { type NodeOps, isNotFound } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { ChangeEvent, HealthEventStore } from '@nvsentinel/store-client';
import type { CircuitBreaker } from '../breaker/circuit-breaker.js';
import type { FaultQuarantineConfig } from '../config/config-types.js';
import { BreakerTrippedError } from '../errors.js';
import type { FaultQuarantineMetrics } from '../metrics.js';
import { observeRemediationDuration } from '../remediation/remediation-duration.js';
import type { Evaluation, RuleEngine } from '../rules/rule-engine.js';
import { type ApplyEffects, applyDecision } from './apply-decision.js';
import { type Decision, decide, statusOf } from './decide.js';
import type { NodeView } from './node-view.js';

export interface EventHandlerDeps {
  config: FaultQuarantineConfig;
  engine: RuleEngine;
  nodes: NodeView;
  /**
   * Reads from the node cache (NodeOps `readFrom`): a node change costs one conflict-checked patch
   * from the cached node, and a GET only when the cache was stale.
   */
  nodeOps: NodeOps;
  store: HealthEventStore;
  /** Undefined when the breaker is disabled. */
  breaker: CircuitBreaker | undefined;
  /** Namespace of the breaker ConfigMap, for error messages. */
  namespace: string;
  dryRun: boolean;
  metrics: FaultQuarantineMetrics;
  logger: Logger;
  now?: () => Date;
}

/** What happened to one event (returned for tests and logs). */
export interface HandleOutcome {
  decision: Decision['kind'] | 'no-document' | 'unknown-node';
  status?: string;
  reason?: string;
}

export class QuarantineEventHandler {
  readonly #deps: EventHandlerDeps;

  constructor(deps: EventHandlerDeps) {
    this.#deps = deps;
  }

  async handle(change: ChangeEvent): Promise<HandleOutcome> {
    const { metrics } = this.#deps;
    metrics.eventsReceived.inc();
    const stopTimer = metrics.eventHandlingDuration.startTimer();
    try {
      const outcome = await this.#handle(change);
      metrics.eventsProcessed.inc();
      return outcome;
    } catch (err) {
      if (!(err instanceof BreakerTrippedError)) metrics.processingErrors.inc({ error_type: errorType(err) });
      throw err;
    } finally {
      stopTimer();
    }
  }

  async #handle(change: ChangeEvent): Promise<HandleOutcome> {
    const { nodes, logger, dryRun } = this.#deps;
    if (!change.fullDocument) return { decision: 'no-document' };
    const record = fromDocument(change.fullDocument);
    const event = record.healthEvent;
    const log = logger.child({ node: event.nodeName, eventId: record.id, checkName: event.checkName });

    const cached = nodes.get(event.nodeName);
    if (!cached) {
      // Upstream behaviour: nodes outside the GPU-label scope are never quarantined.
      this.#deps.metrics.processingErrors.inc({ error_type: 'get_node_cache_error' });
      log.warn('node is not in the GPU node cache (missing or without the GPU label); event dropped');
      return { decision: 'unknown-node' };
    }
    // Cheap first look from the cache: most events (healthy on healthy nodes, non-matching
    // rules) need no API call at all.
    let evaluation: Evaluation | undefined;
    const evaluate = (node: V1Node) => () => (evaluation = this.#deps.engine.evaluate(event, node));
    const preview = decide({ node: cached, event, eventId: record.id, evaluate: evaluate(cached) });
    if (preview.kind === 'ignore') {
      this.#countEvaluation(evaluation);
      log.debug({ reason: preview.reason }, 'event needs no node change');
      return { decision: 'ignore', reason: preview.reason };
    }

    let decision: Decision = preview;
    let effects: ApplyEffects | undefined;
    if (!dryRun && event.isHealthy) {
      // A recovery is recorded BEFORE the node is released. The other order has a crash window:
      // released node, no UnQuarantined status; the redelivered healthy event then finds nothing
      // to release and the status is never written, so the drainer never learns. This way a
      // crash leaves the status written and the node still quarantined, and the redelivery
      // releases it. (The drainer stopping a moment before the uncordon is harmless.)
      const expected = statusOf(preview);
      if (expected !== undefined) {
        await this.#writeStatus(record, expected);
        record.healthEventStatus.nodeQuarantined = expected;
      }
    }
    if (!dryRun) {
      try {
        ({ decision, effects } = await this.#applyToNode(record, evaluate));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#deps.metrics.processingErrors.inc({ error_type: 'node_not_found' });
        log.warn('node was deleted before it could be updated; event dropped');
        return { decision: 'unknown-node' };
      }
    } else if (decision.kind === 'quarantine' && !decision.forced) {
      this.#admit(event.nodeName);
    }
    this.#countEvaluation(evaluation);
    const status = statusOf(decision);
    log.info(
      { decision: decision.kind, status, dryRun, effects },
      dryRun ? 'dry-run: decision not applied to the node' : 'node updated',
    );
    if (status !== undefined) await this.#writeStatus(record, status);
    if (decision.kind === 'quarantine') this.#observeQuarantine(record, effects);
    if (decision.kind === 'unquarantine') this.#deps.metrics.nodesUnquarantined.inc();
    if (decision.kind === 'unquarantine' && !dryRun) {
      // Only a metric: a failed lookup must not fail (and redeliver) a release that is done.
      await observeRemediationDuration(
        this.#deps.store,
        this.#deps.metrics,
        event.nodeName,
        this.#deps.now?.() ?? new Date(),
      ).catch((err: unknown) =>
        log.warn({ err }, 'could not read the quarantine timestamps for node_remediation_duration_seconds'),
      );
    }
    if (effects) this.#countEffects(effects);
    return {
      decision: decision.kind,
      ...(status ? { status } : {}),
      ...(decision.kind === 'ignore' ? { reason: decision.reason } : {}),
    };
  }

  /**
   * Decide again inside the write: on the cached node first, and on a freshly read one if the
   * cache was stale (the write then conflicts and is retried).
   */
  async #applyToNode(
    record: HealthEventWithStatus,
    evaluate: (node: V1Node) => () => Evaluation,
  ): Promise<{ decision: Decision; effects: ApplyEffects }> {
    const now = this.#deps.now?.() ?? new Date();
    const nodeName = record.healthEvent.nodeName;
    // `mutate` may run twice (on the cached node, then on a fresh read): decide and admission are idempotent.
    const written = await this.#deps.nodeOps.modify(nodeName, (node) => {
      const decision = decide({ node, event: record.healthEvent, eventId: record.id, evaluate: evaluate(node) });
      if (decision.kind === 'quarantine' && !decision.forced) this.#admit(nodeName);
      const effects = applyDecision(node, decision, { labelPrefix: this.#deps.config.labelPrefix, now });
      return { changed: decision.kind !== 'ignore', result: { decision, effects } };
    });
    if (written.changed) this.#deps.nodes.remember(written.node);
    return written.result;
  }

  /** Throws BreakerTrippedError when the breaker refuses a new quarantine. */
  #admit(nodeName: string): void {
    const breaker = this.#deps.breaker;
    if (!breaker) return;
    const admission = breaker.admit(nodeName);
    if (admission.admitted) {
      if (admission.tripsNow)
        this.#deps.logger.error(
          { node: nodeName, threshold: breaker.threshold() },
          'circuit breaker tripped: no new quarantines until an operator resets it',
        );
      return;
    }
    const state = admission.reason === 'tripped' ? 'TRIPPED' : 'unable to count GPU nodes (none found)';
    throw new BreakerTrippedError(state, nodeName, this.#deps.namespace);
  }

  async #writeStatus(record: HealthEventWithStatus, status: string): Promise<void> {
    // Replays of an already written outcome produce no second update event downstream.
    if (record.healthEventStatus.nodeQuarantined === status) return;
    await this.#deps.store.updateNodeQuarantineStatus(record.id, status);
  }

  #observeQuarantine(record: HealthEventWithStatus, effects: ApplyEffects | undefined): void {
    const { metrics } = this.#deps;
    metrics.nodesQuarantined.inc({ node: record.healthEvent.nodeName });
    const generated = record.healthEvent.generatedTimestamp;
    if (generated && effects) {
      const seconds = (this.#deps.now?.() ?? new Date()).getTime() / 1000 - (generated.seconds + generated.nanos / 1e9);
      if (seconds >= 0) metrics.nodeQuarantineDuration.observe(seconds);
    }
  }

  #countEffects(effects: ApplyEffects): void {
    const { metrics } = this.#deps;
    for (const taint of effects.taintsAdded) metrics.taintsApplied.inc({ key: taint.Key, effect: taint.Effect });
    if (effects.taintsRemoved.length > 0) metrics.taintsRemoved.inc(effects.taintsRemoved.length);
    if (effects.cordoned) metrics.cordonsApplied.inc();
    if (effects.uncordoned) metrics.cordonsRemoved.inc();
  }

  #countEvaluation(evaluation: Evaluation | undefined): void {
    if (!evaluation) return;
    for (const result of evaluation.results) {
      this.#deps.metrics.rulesetEvaluations.inc({ ruleset: result.ruleSet.name, status: result.outcome });
    }
  }
}

function errorType(err: unknown): string {
  if (isNotFound(err)) return 'node_not_found';
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('NVS_ERR_K8S')) return 'kubernetes_error';
  if (typeof code === 'string') return 'datastore_error';
  return 'unexpected_error';
}
