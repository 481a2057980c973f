/**
 * Replaying an event history through the rules, as the running analyzer would see it: events are
 * stored one at a time in the given order, each analysable one (the stream's selection) is the
 * trigger for every selected rule, and each match is stored as the published event would be
 * (platform-connectors stores what the analyzer publishes), so later rules see earlier matches.
 * `nvsentinel rules test --config --events` runs this on an embedded in-memory datastore.
 */
import { ProcessingStrategy, type HealthEvent } from '@nvsentinel/health-model';
import type { DataStore, Document } from '@nvsentinel/store-client';
import type { Rule } from '../config/rules.js';
import { UnknownRuleError } from '../errors.js';
import { derivedEvent } from '../service.js';
import { isAnalysable } from '../stream/pipeline.js';
import { checkRulesCompile, evaluateRule } from './evaluate.js';

export interface ReplayOptions {
  datastore: DataStore;
  rules: readonly Rule[];
  events: readonly HealthEvent[];
  /** Only this rule (enabled or not); default every enabled rule. */
  ruleName?: string;
  /** Strategy of the stored matches unless the rule sets one (`--processing-strategy`). */
  processingStrategy?: ProcessingStrategy;
}

export interface ReplayMatch {
  rule: string;
  /** Position of the trigger in the given history (0-based). */
  eventIndex: number;
  triggerId: string;
  nodeName: string;
  /** What the rule's pipeline returned. */
  documents: Document[];
}

export interface ReplayResult {
  rules: string[];
  events: number;
  /** Events that passed the stream's selection and were analysed. */
  analysed: number;
  matches: ReplayMatch[];
}

export async function replayHistory(options: ReplayOptions): Promise<ReplayResult> {
  let rules: Rule[];
  if (options.ruleName !== undefined) {
    const rule = options.rules.find((r) => r.name === options.ruleName);
    if (!rule) throw new UnknownRuleError(options.ruleName, options.rules.map((r) => r.name).join(', '));
    rules = [{ ...rule, evaluateRule: true }];
  } else {
    rules = options.rules.filter((r) => r.evaluateRule);
  }
  await checkRulesCompile(options.datastore, rules);
  const store = options.datastore.healthEventStore();
  const strategy = options.processingStrategy ?? ProcessingStrategy.EXECUTE_REMEDIATION;
  const matches: ReplayMatch[] = [];
  let analysed = 0;
  for (const [eventIndex, event] of options.events.entries()) {
    const [id] = await store.insertHealthEvents({ healthEvent: event });
    const [trigger] = await store.aggregate([{ $match: { _id: id } }]);
    if (!trigger || !isAnalysable(trigger)) continue;
    analysed += 1;
    for (const rule of rules) {
      const outcome = await evaluateRule(store, rule, trigger);
      if (!outcome.matched) continue;
      matches.push({
        rule: rule.name,
        eventIndex,
        triggerId: String(id),
        nodeName: event.nodeName,
        documents: outcome.documents,
      });
      await store.insertHealthEvents({ healthEvent: derivedEvent(rule, trigger, strategy) });
    }
  }
  return { rules: rules.map((r) => r.name), events: options.events.length, analysed, matches };
}
