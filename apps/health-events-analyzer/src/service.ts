/**
 * health-events-analyzer as a value: `createHealthEventsAnalyzer(deps)` follows the
 * `health-events-analyzer` change stream and, for every unhealthy insert, runs each enabled rule
 * as an aggregation over the trigger node's history; every match is published as a new health
 * event through the platform connector.
 *
 *   change stream ──runConsumer (partition = node)──▶ analyseEvent
 *       for each enabled rule: aggregate(fixed stage + rule stages with this.* substituted)
 *       match ──▶ already published for this trigger and rule? ──no──▶ gRPC HealthEventOccurredV1
 *
 * Nodes are analysed in parallel, the events of one node in stream order; the checkpoint is the
 * low-water mark, so a restart redelivers unfinished events and the "already published" check
 * keeps that from publishing twice.
 */
import {
  ProcessingStrategy,
  ProcessingStrategyValues,
  RecommendedAction,
  fromDocument,
  type HealthEvent,
} from '@nvsentinel/health-model';
import {
  consumerReadinessCheck,
  createMetricsRegistry,
  moduleLogger,
  runConsumer,
  type Consumer,
  type Logger,
  type Registry,
} from '@nvsentinel/service-kit';
import { scanAsChanges, type ChangeEvent, type DataStore, type HealthEventStore } from '@nvsentinel/store-client';
import type { Rule } from './config/rules.js';
import { RuleConfigError } from './errors.js';
import { createAnalyzerMetrics, type AnalyzerMetrics } from './metrics.js';
import { createGrpcPublisher, type Publisher, type PublishRetryPolicy } from './publish/publisher.js';
import { checkRulesCompile, evaluateRule } from './rules/evaluate.js';
import { ANALYZER_AGENT, SOURCE_EVENT_METADATA, SOURCE_RULE_METADATA } from './rules/pipeline.js';
import { CLIENT_NAME, analyzerInsertsPipeline, coldStartFilter } from './stream/pipeline.js';

export interface HealthEventsAnalyzerOptions {
  /** Platform connector socket (`--socket`). */
  socket: string;
  /** Processing strategy of published events unless the rule overrides it. */
  processingStrategy: ProcessingStrategy;
  /** Nodes analysed at once. */
  workers: number;
  maxInFlight: number;
  startAt: 'resume' | 'now';
  /**
   * First start (the stream had no stored position): unhealthy events stored this long before
   * it are analysed before the streamed ones, so nothing accepted before the analyzer's first
   * start goes unanalysed (issue 19). 0 = off. Not on a resumed start: those events were
   * analysed before the checkpoint, and analysing them again against the history that has grown
   * since could fire a rule a second time for the same burst.
   */
  coldStartWindowMs: number;
  /** Upstream: 5 steps from 5 s, factor 2, jitter 0.1. */
  publishRetry?: PublishRetryPolicy;
  /** Handler retries (rule errors, publish failures); backoff between whole-event attempts. */
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
}

export const DEFAULT_ANALYZER_OPTIONS: HealthEventsAnalyzerOptions = {
  socket: 'unix:///var/run/nvsentinel.sock',
  processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION,
  workers: 8,
  maxInFlight: 256,
  startAt: 'resume',
  coldStartWindowMs: 60 * 60_000,
  retryInitialDelayMs: 1_000,
  retryMaxDelayMs: 60_000,
};

export interface HealthEventsAnalyzerDeps {
  datastore: DataStore;
  logger: Logger;
  rules: readonly Rule[];
  options?: Partial<HealthEventsAnalyzerOptions>;
  registry?: Registry;
  /** Replaces the gRPC publisher (e.g. a recording one in unit tests). */
  publisher?: Publisher;
  /** The caller already ran `checkRulesCompile` with this datastore (the service definition does). */
  rulesCompiled?: boolean;
  /** Accepted for the common service shape; the analyzer does not use Kubernetes. */
  kube?: unknown;
  namespace?: string;
}

export interface HealthEventsAnalyzerService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
  readinessChecks(): Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  readonly metrics: AnalyzerMetrics;
  readonly registry: Registry;
  consumer(): Consumer | undefined;
}

/** `--processing-strategy` value → enum; UNSPECIFIED and unknown names are refused. */
export function parseProcessingStrategy(name: string): ProcessingStrategy {
  const value = ProcessingStrategyValues[name];
  if (value === undefined || value === ProcessingStrategy.UNSPECIFIED) {
    const names = Object.keys(ProcessingStrategyValues).filter((n) => n !== 'UNSPECIFIED');
    throw new RuleConfigError('--processing-strategy', `"${name}" is not one of ${names.join(', ')}`);
  }
  return value;
}

export function createHealthEventsAnalyzer(deps: HealthEventsAnalyzerDeps): HealthEventsAnalyzerService {
  const options: HealthEventsAnalyzerOptions = { ...DEFAULT_ANALYZER_OPTIONS, ...deps.options };
  const logger = moduleLogger(deps.logger, 'health-events-analyzer');
  const registry = deps.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const metrics = createAnalyzerMetrics(registry);
  const store = deps.datastore.healthEventStore();
  const rules = deps.rules.filter((r) => r.evaluateRule);
  const publisher =
    deps.publisher ??
    createGrpcPublisher({
      socket: options.socket,
      retry: options.publishRetry,
      onError: (type) => metrics.publishingErrors.inc({ error_type: type }),
    });

  let consumer: Consumer | undefined;
  let stopped = false;
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined);

  async function* countScanned(events: AsyncIterable<ChangeEvent>): AsyncGenerator<ChangeEvent> {
    for await (const event of events) {
      metrics.eventsReplayed.inc();
      yield event;
    }
  }

  const handle = async (change: ChangeEvent, signal: AbortSignal): Promise<void> => {
    const trigger = change.fullDocument;
    if (!trigger) return; // deleted before we read it: nothing left to analyse
    const node = nodeOf(change);
    metrics.eventsReceived.inc({ node_name: node });
    const stopTimer = metrics.handlingDuration.startTimer();
    const failures: { rule: string; err: unknown }[] = [];
    for (const rule of rules) {
      try {
        const endQuery = metrics.queryDuration.startTimer({ rule_name: rule.name });
        const outcome = await evaluateRule(store, rule, trigger);
        endQuery();
        if (!outcome.matched) continue;
        metrics.ruleMatched.inc({ rule_name: rule.name, node_name: node });
        await publishOnce(rule, trigger, signal);
      } catch (err) {
        failures.push({ rule: rule.name, err });
        metrics.processingErrors.inc({ error_type: (err as { code?: string }).code ?? 'unknown' });
      }
    }
    stopTimer();
    if (failures.length > 0) {
      for (const f of failures)
        logger.warn({ err: f.err, rule: f.rule, node, eventId: trigger._id }, 'rule failed; the event is retried');
      throw new AggregateError(
        failures.map((f) => f.err),
        `${failures.length} rule(s) failed for event ${String(trigger._id)}`,
      );
    }
    metrics.eventsProcessed.inc();
  };

  /** At-least-once delivery: a rule's event for this trigger is published at most once. */
  const publishOnce = async (rule: Rule, trigger: Record<string, unknown>, signal: AbortSignal) => {
    const triggerId = String(trigger._id);
    const event = derivedEvent(rule, trigger, options.processingStrategy);
    if (await alreadyPublished(store, event.nodeName, rule.name, triggerId)) {
      logger.debug({ rule: rule.name, eventId: triggerId }, 'match already published (redelivered event)');
      return;
    }
    await publisher.publish(event, signal);
    metrics.fatalEventsPublished.inc({ entity_value: event.entitiesImpacted[0]?.entityValue ?? 'unknown' });
    logger.info(
      { rule: rule.name, node: event.nodeName, eventId: triggerId, action: RecommendedAction[event.recommendedAction] },
      'rule matched; event published',
    );
  };

  return {
    metrics,
    registry,
    done,
    consumer: () => consumer,

    async start() {
      if (!deps.rulesCompiled) await checkRulesCompile(deps.datastore, rules);
      logger.info({ rules: rules.map((r) => r.name), disabled: deps.rules.length - rules.length }, 'rules compiled');
      const stream = store.watch({
        clientName: CLIENT_NAME,
        pipeline: analyzerInsertsPipeline,
        startAt: options.startAt,
      });
      // Positioned first, scanned second: what commits after the position arrives by the stream.
      await stream.started?.();
      const from = stream.startedFrom?.();
      const scan = options.startAt === 'resume' && from !== 'resumed' && options.coldStartWindowMs > 0;
      if (scan)
        logger.info(
          { windowMs: options.coldStartWindowMs, streamStart: from ?? 'unknown' },
          'no stored stream position: analysing the events stored before it first',
        );
      consumer = runConsumer(stream, {
        ...(scan
          ? {
              coldStart: () =>
                countScanned(
                  scanAsChanges(store, coldStartFilter(new Date(Date.now() - options.coldStartWindowMs)), 500),
                ),
            }
          : {}),
        name: CLIENT_NAME,
        logger,
        registry,
        concurrency: options.workers,
        maxInFlight: options.maxInFlight,
        retry: { initialDelayMs: options.retryInitialDelayMs, maxDelayMs: options.retryMaxDelayMs },
        partitionKey: nodeOf,
        handle: (change, ctx) => handle(change, ctx.signal),
      });
      consumer.done.then(resolveDone, rejectDone);
    },

    async stop() {
      if (stopped) return done.catch(() => undefined);
      stopped = true;
      await consumer?.stop();
      publisher.close();
      resolveDone();
    },

    readinessChecks() {
      return {
        'health-events-analyzer-stream': async () => {
          if (!consumer) return { ok: false, detail: 'not started' };
          const result = await consumerReadinessCheck(consumer)();
          const ok = typeof result === 'boolean' ? result : result.ok;
          return { ok, detail: JSON.stringify(consumer.stats()) };
        },
      };
    },
  };
}

function nodeOf(change: ChangeEvent): string {
  const healthevent = change.fullDocument?.healthevent as { nodename?: unknown } | undefined;
  return typeof healthevent?.nodename === 'string' ? healthevent.nodename : String(change.documentKey._id);
}

/** Upstream's publish: the trigger cloned, with the rule's name, action, message and strategy. */
export function derivedEvent(
  rule: Rule,
  trigger: Record<string, unknown>,
  moduleStrategy: ProcessingStrategy,
): HealthEvent {
  const source = fromDocument(trigger);
  return {
    ...source.healthEvent,
    id: '',
    agent: ANALYZER_AGENT,
    checkName: rule.name,
    recommendedAction: rule.recommendedAction,
    isHealthy: false,
    isFatal: rule.recommendedAction !== RecommendedAction.NONE,
    message: rule.message,
    processingStrategy: rule.processingStrategy ?? moduleStrategy,
    metadata: { ...source.healthEvent.metadata, [SOURCE_EVENT_METADATA]: source.id, [SOURCE_RULE_METADATA]: rule.name },
  };
}

async function alreadyPublished(
  store: HealthEventStore,
  nodeName: string,
  ruleName: string,
  triggerId: string,
): Promise<boolean> {
  const found = await store.aggregate([
    {
      $match: {
        'healthevent.nodename': nodeName,
        'healthevent.agent': ANALYZER_AGENT,
        'healthevent.checkname': ruleName,
        [`healthevent.metadata.${SOURCE_EVENT_METADATA}`]: triggerId,
      },
    },
    { $limit: 1 },
  ]);
  return found.length > 0;
}
