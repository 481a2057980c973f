/**
 * Running rules: one `aggregate()` per rule per trigger on whatever provider the datastore is
 * (the pipeline→SQL translator on postgresql/embedded, the server on MongoDB). There is no
 * per-provider detector; the same pipeline gives the same answer everywhere.
 */
import { toDocument, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { isDatastoreError, type DataStore, type Document, type HealthEventStore } from '@nvsentinel/store-client';
import { RuleCompileError, NoTriggerEventError, UnknownRuleError } from '../errors.js';
import type { Rule } from '../config/rules.js';
import { buildRulePipeline, checkThisPaths, isMatch, leadingMatchStages } from './pipeline.js';
import { gatedOut } from './constant-gate.js';

export interface RuleOutcome {
  matched: boolean;
  /** What the pipeline returned. */
  documents: Document[];
}

export interface EvaluateOptions {
  /**
   * Skip the query when a leading trigger gate is false over constants (default true). The
   * result is the same (no document); compile checks and `testRule` turn it off.
   */
  skipGated?: boolean;
}

export async function evaluateRule(
  store: HealthEventStore,
  rule: Rule,
  trigger: Record<string, unknown>,
  options: EvaluateOptions = {},
): Promise<RuleOutcome> {
  if (options.skipGated ?? true) {
    // The gates sit in the leading $match stages: decide on those before building the rest.
    const head = buildRulePipeline(rule, trigger, leadingMatchStages(rule));
    if (gatedOut(head)) {
      checkThisPaths(rule, trigger);
      return { matched: false, documents: [] };
    }
  }
  const pipeline = buildRulePipeline(rule, trigger);
  const documents = await store.aggregate(pipeline);
  return { matched: isMatch(documents), documents };
}

/** A node no real event names: compile checks run the rules there, reading (almost) nothing. */
const COMPILE_CHECK_NODE = 'nvsentinel-analyzer-compile-check.invalid';

/** A trigger with every field a health event has, for compiling rules before any event arrives. */
export function compileCheckTrigger(): Record<string, unknown> {
  const now = new Date();
  const event: HealthEventWithStatus = {
    id: '00000000-0000-4000-8000-000000000000',
    createdAt: now,
    healthEvent: {
      version: 1,
      agent: 'compile-check',
      componentClass: 'GPU',
      checkName: 'CompileCheck',
      isFatal: true,
      isHealthy: false,
      message: '',
      recommendedAction: 0,
      errorCode: ['0'],
      entitiesImpacted: [{ entityType: 'GPU_UUID', entityValue: 'GPU-0' }],
      metadata: {},
      generatedTimestamp: { seconds: Math.floor(now.getTime() / 1000), nanos: 0 },
      nodeName: COMPILE_CHECK_NODE,
      processingStrategy: 1,
      id: '',
      customRecommendedAction: '',
    },
    healthEventStatus: {
      nodeQuarantined: '',
      userPodsEvictionStatus: { status: '', message: '' },
      faultRemediated: null,
      spanIds: {},
    },
  };
  return toDocument(event) as unknown as Record<string, unknown>;
}

/**
 * Compiles (runs) every enabled rule once against an empty node, so a rule the datastore cannot
 * run fails start-up naming the rule, the stage and the operator instead of failing per event.
 */
export async function checkRulesCompile(datastore: DataStore, rules: readonly Rule[]): Promise<void> {
  const store = datastore.healthEventStore();
  const trigger = compileCheckTrigger();
  for (const rule of rules.filter((r) => r.evaluateRule)) {
    try {
      await evaluateRule(store, rule, trigger, { skipGated: false });
    } catch (err) {
      if (isDatastoreError(err, 'unsupported_pipeline') || isDatastoreError(err, 'validation')) {
        const details = err.details as { stage?: string; index?: number; operator?: string };
        // Index 0 is the fixed first stage; the rule's own stages start at 1.
        const stage =
          details.index === 0
            ? 'the fixed first stage'
            : typeof details.index === 'number'
              ? `${details.index - 1} (${details.stage ?? '?'})`
              : (details.stage ?? '?');
        // A refused stage is its own operator (e.g. $sample).
        throw new RuleCompileError(
          rule.name,
          datastore.provider,
          stage,
          details.operator ?? details.stage ?? '?',
          err.message,
          { cause: err },
        );
      }
      throw err;
    }
  }
}

export interface TestRuleOptions {
  datastore: DataStore;
  rules: readonly Rule[];
  ruleName: string;
  nodeName: string;
  /** The event to evaluate as the trigger; default the node's newest stored event. */
  eventId?: string;
}

export interface TestRuleResult extends RuleOutcome {
  rule: string;
  /** The stored event used as the trigger. */
  triggerId: string;
  /** The pipeline that ran (after `this.` substitution), for `--explain`-style output. */
  pipeline: Record<string, unknown>[];
}

/**
 * `nvsentinel rules test --rule <name> --node <node>`: evaluates one rule (enabled or not) with
 * the node's newest event (or `eventId`) as the trigger, and returns what the pipeline returned.
 */
export async function testRule(options: TestRuleOptions): Promise<TestRuleResult> {
  const rule = options.rules.find((r) => r.name === options.ruleName);
  if (!rule) throw new UnknownRuleError(options.ruleName, options.rules.map((r) => r.name).join(', '));
  const store = options.datastore.healthEventStore();
  const docs = await store.aggregate([
    { $match: options.eventId ? { _id: options.eventId } : { 'healthevent.nodename': options.nodeName } },
    { $sort: { createdAt: -1 } },
    { $limit: 1 },
  ]);
  const trigger = docs[0];
  if (!trigger) throw new NoTriggerEventError(options.nodeName, rule.name);
  const pipeline = buildRulePipeline(rule, trigger);
  const documents = await store.aggregate(pipeline);
  return { rule: rule.name, triggerId: String(trigger._id), pipeline, matched: isMatch(documents), documents };
}
