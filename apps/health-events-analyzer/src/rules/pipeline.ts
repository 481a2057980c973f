/**
 * From a rule and the triggering event to the pipeline `aggregate()` runs: the fixed first stage,
 * then the rule's stages with every `this.<path>` string replaced by the trigger's value.
 */
import { DocumentPaths, ProcessingStrategy } from '@nvsentinel/health-model';
import type { Pipeline } from '@nvsentinel/store-client';
import { ThisPathError } from '../errors.js';
import type { Rule } from '../config/rules.js';

export const ANALYZER_AGENT = 'health-events-analyzer';
/** Metadata keys on published events: which stored event and rule produced them (idempotency, #1704). */
export const SOURCE_EVENT_METADATA = 'nvsentinel-analyzer-source-event-id';
export const SOURCE_RULE_METADATA = 'nvsentinel-analyzer-rule';
const SOURCE_EVENT_PATH = `${DocumentPaths.metadata}.${SOURCE_EVENT_METADATA}`;

/** Events the analyzer may count: not its own output (nor derived from it), and processable. */
function analyzableFilter(): Record<string, unknown> {
  return {
    [DocumentPaths.agent]: { $ne: ANALYZER_AGENT },
    [SOURCE_EVENT_PATH]: { $exists: false },
    [DocumentPaths.processingStrategy]: {
      $in: [ProcessingStrategy.EXECUTE_REMEDIATION, ProcessingStrategy.STORE_AND_ANALYSE, null],
    },
  };
}

/**
 * Upstream's fixed first stage (agent and processing-strategy filter) plus the node filter of
 * upstream #1676: a rule only ever looks at the trigger's node.
 */
export function fixedFirstStage(nodeName: string): Record<string, unknown> {
  return { $match: { ...analyzableFilter(), [DocumentPaths.nodeName]: nodeName } };
}

/**
 * The pipeline for a trigger: the fixed first stage and the rule's stages with `this.` values
 * substituted. `stageCount` limits it to the rule's first stages (the trigger gates).
 */
export function buildRulePipeline(rule: Rule, trigger: Record<string, unknown>, stageCount?: number): Pipeline {
  const nodeName = readPath(trigger, ['healthevent', 'nodename'], rule.name, 'this.healthevent.nodename');
  if (typeof nodeName !== 'string') {
    throw new ThisPathError(rule.name, 'this.healthevent.nodename', 'the trigger has no node name');
  }
  const guarded = guardedStages(rule);
  const stages = (stageCount === undefined ? guarded : guarded.slice(0, stageCount)).map(
    (stage) => substituteShared(stage, trigger, rule) as Record<string, unknown>,
  );
  return [fixedFirstStage(nodeName), ...stages];
}

interface GuardedStages {
  stages: Record<string, unknown>[];
  /** The subtrees (objects and arrays) that hold a `this.` string somewhere below. */
  withThis: WeakSet<object>;
}

const guardedByRule = new WeakMap<Rule, GuardedStages>();

/**
 * The rule's stages with the lookup guard applied, once per rule, and frozen: a pipeline shares
 * every subtree without a `this.` string with the rule instead of copying it per trigger
 * (copying all stages of all rules cost about a millisecond per event).
 */
function guarded(rule: Rule): GuardedStages {
  let entry = guardedByRule.get(rule);
  if (!entry) {
    const withThis = new WeakSet<object>();
    const mark = (value: unknown): boolean => {
      if (typeof value === 'string') return value.startsWith('this.');
      if (typeof value !== 'object' || value === null) return false;
      let found = false;
      for (const v of Array.isArray(value) ? value : Object.values(value)) if (mark(v)) found = true;
      if (found) withThis.add(value);
      Object.freeze(value);
      return found;
    };
    const stages = rule.stages.map((stage) => guardLookups(stage) as Record<string, unknown>);
    stages.forEach(mark);
    entry = { stages, withThis };
    guardedByRule.set(rule, entry);
  }
  return entry;
}

function guardedStages(rule: Rule): Record<string, unknown>[] {
  return guarded(rule).stages;
}

/** {@link substitute} that returns the rule's own (frozen) subtrees where nothing is substituted. */
function substituteShared(value: unknown, trigger: Record<string, unknown>, rule: Rule): unknown {
  const { withThis } = guarded(rule);
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return v.startsWith('this.') ? substitute(v, trigger, rule.name) : v;
    if (typeof v !== 'object' || v === null || !withThis.has(v)) return v;
    if (Array.isArray(v)) return v.map(visit);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = visit(x);
    return out;
  };
  return visit(value);
}

/** How many of the rule's stages lead with `$match` (where trigger gates sit). */
export function leadingMatchStages(rule: Rule): number {
  let n = 0;
  while (n < rule.stages.length && Object.keys(rule.stages[n]).length === 1 && '$match' in rule.stages[n]) n++;
  return n;
}

const thisPathsByRule = new WeakMap<Rule, string[]>();

/** Every `this.<path>` string of the rule's stages, in the order substitution meets them. */
function thisPaths(rule: Rule): string[] {
  let paths = thisPathsByRule.get(rule);
  if (!paths) {
    const found: string[] = [];
    const visit = (value: unknown): void => {
      if (typeof value === 'string') {
        if (value.startsWith('this.')) found.push(value);
      } else if (Array.isArray(value)) value.forEach(visit);
      else if (isObject(value)) Object.values(value).forEach(visit);
    };
    rule.stages.forEach(visit);
    paths = found;
    thisPathsByRule.set(rule, paths);
  }
  return paths;
}

/**
 * Resolves every `this.` path of the rule against the trigger without building the pipeline,
 * throwing the error substitution would throw: a rule whose gates already decided still fails
 * on a bad path, as it does when the whole pipeline is built.
 */
export function checkThisPaths(rule: Rule, trigger: Record<string, unknown>): void {
  for (const path of thisPaths(rule)) readPath(trigger, path.slice('this.'.length).split('.'), rule.name, path);
}

/**
 * `$lookup` sub-pipelines do not get the fixed stage upstream, so they saw the analyzer's own
 * events (a candidate cause of upstream #1704). Here every lookup into HealthEvents starts with
 * the same "not our output" filter.
 */
function guardLookups(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(guardLookups);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = guardLookups(v);
  const lookup = out.$lookup;
  if (isObject(lookup) && lookup.from === 'HealthEvents') {
    const filter = {
      $match: { [DocumentPaths.agent]: { $ne: ANALYZER_AGENT }, [SOURCE_EVENT_PATH]: { $exists: false } },
    };
    const pipeline = Array.isArray(lookup.pipeline) ? lookup.pipeline : [];
    out.$lookup = { ...lookup, pipeline: [filter, ...pipeline] };
  }
  return out;
}

/** Replaces every string value (never a key) that starts with `this.` by the trigger's field. */
export function substitute(value: unknown, trigger: Record<string, unknown>, ruleName: string): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith('this.')) return value;
    return readPath(trigger, value.slice('this.'.length).split('.'), ruleName, value);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, trigger, ruleName));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, trigger, ruleName);
    return out;
  }
  return value;
}

/**
 * Upstream's path resolution: field names case-insensitive, a numeric segment indexes an array
 * (past the end → null), a missing key is an error.
 */
function readPath(root: unknown, parts: string[], ruleName: string, original: string): unknown {
  let current: unknown = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const at = parts.slice(0, i + 1).join('.');
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(part)) throw new ThisPathError(ruleName, original, `${at} is not an array index`);
      const index = Number(part);
      if (index >= current.length) return null;
      current = current[index];
      continue;
    }
    if (!isObject(current))
      throw new ThisPathError(ruleName, original, `${at} is below a value that is not a document`);
    const key = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    if (key === undefined) throw new ThisPathError(ruleName, original, `there is no field ${at}`);
    current = current[key];
  }
  return current === undefined ? null : current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Upstream's match decision: any document, unless the first one carries a boolean `ruleMatched`. */
export function isMatch(documents: readonly Record<string, unknown>[]): boolean {
  if (documents.length === 0) return false;
  const flag = documents[0].ruleMatched;
  return typeof flag === 'boolean' ? flag : true;
}
