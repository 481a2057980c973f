/**
 * Compiles the configured rule sets once at start-up (an invalid expression fails start-up with
 * the rule set, the expression and the parser's message) and evaluates them per event.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { V1Node } from '@kubernetes/client-node';
import type { HealthEvent } from '@nvsentinel/health-model';
import type { MatchRule, RuleSetConfig, TaintConfig } from '../config/config-types.js';
import { RuleExpressionError } from '../errors.js';
import { type CelMap, eventVariable, nodeVariable } from './cel-variables.js';

type CompiledExpression = (context: CelMap) => unknown;

interface CompiledRule {
  kind: MatchRule['kind'];
  expression: string;
  evaluate: CompiledExpression;
}

interface CompiledRuleSet {
  config: RuleSetConfig;
  all: CompiledRule[];
  any: CompiledRule[];
}

type RuleSetOutcome = 'passed' | 'failed' | 'error';

interface RuleSetResult {
  ruleSet: RuleSetConfig;
  outcome: RuleSetOutcome;
  /** Set when outcome is 'error': why an expression could not be evaluated. */
  error?: string;
}

export interface Evaluation {
  /** Rule sets whose match passed, in config order. */
  matched: RuleSetConfig[];
  results: RuleSetResult[];
}

function createEnvironment(): Environment {
  // `event` and `node` are maps whose shape depends on the data; string helpers
  // (startsWith, contains, split, lowerAscii …) are built into this CEL library.
  return new Environment({ homogeneousAggregateLiterals: false })
    .registerVariable('event', 'map')
    .registerVariable('node', 'map');
}

export class RuleEngine {
  readonly #ruleSets: CompiledRuleSet[];

  private constructor(ruleSets: CompiledRuleSet[]) {
    this.#ruleSets = ruleSets;
  }

  /** Throws RuleExpressionError for the first expression that does not parse or type-check. */
  static compile(ruleSets: readonly RuleSetConfig[]): RuleEngine {
    const env = createEnvironment();
    const compile = (ruleSet: RuleSetConfig, rule: MatchRule, where: string): CompiledRule => {
      let evaluate: CompiledExpression;
      try {
        evaluate = env.parse(rule.expression) as CompiledExpression;
        const check = env.check(rule.expression);
        if (!check.valid) throw check.error ?? new Error('type check failed');
        if (check.type !== 'bool' && check.type !== 'dyn')
          throw new Error(`it yields ${check.type}, a rule must yield bool`);
      } catch (err) {
        throw new RuleExpressionError(ruleSet.name, where, rule.expression, firstLine((err as Error).message), {
          cause: err,
        });
      }
      return { kind: rule.kind, expression: rule.expression, evaluate };
    };
    const compiled = ruleSets
      .filter((ruleSet) => ruleSet.enabled)
      .map((ruleSet) => ({
        config: ruleSet,
        all: ruleSet.matchAll.map((rule, i) => compile(ruleSet, rule, `match.all[${i}]`)),
        any: ruleSet.matchAny.map((rule, i) => compile(ruleSet, rule, `match.any[${i}]`)),
      }));
    return new RuleEngine(compiled);
  }

  get ruleSetNames(): string[] {
    return this.#ruleSets.map((r) => r.config.name);
  }

  /**
   * Evaluates every enabled rule set. An expression that fails at run time (a missing key, a
   * type mismatch) makes its rule set not match, reported as outcome 'error'.
   */
  evaluate(event: HealthEvent, node: V1Node): Evaluation {
    let eventContext: CelMap | undefined;
    let nodeContext: CelMap | undefined;
    const contextFor = (kind: MatchRule['kind']): CelMap =>
      kind === 'HealthEvent'
        ? { event: (eventContext ??= eventVariable(event)) }
        : { node: (nodeContext ??= nodeVariable(node)) };
    const test = (rule: CompiledRule): boolean => rule.evaluate(contextFor(rule.kind)) === true;

    const results: RuleSetResult[] = [];
    const matched: RuleSetConfig[] = [];
    for (const ruleSet of this.#ruleSets) {
      try {
        // all and any act as two independent evaluators with the same name, ORed (upstream).
        const passed =
          (ruleSet.all.length > 0 && ruleSet.all.every(test)) || (ruleSet.any.length > 0 && ruleSet.any.some(test));
        results.push({ ruleSet: ruleSet.config, outcome: passed ? 'passed' : 'failed' });
        if (passed) matched.push(ruleSet.config);
      } catch (err) {
        results.push({ ruleSet: ruleSet.config, outcome: 'error', error: firstLine((err as Error).message) });
      }
    }
    return { matched, results };
  }
}

/**
 * Taints to apply for the matched rule sets: one per key+value, and when several rule sets name
 * the same key+value the one with the highest priority decides the effect.
 */
export function resolveTaints(matched: readonly RuleSetConfig[]): TaintConfig[] {
  const chosen = new Map<string, { taint: TaintConfig; priority: number }>();
  for (const ruleSet of matched) {
    if (!ruleSet.taint) continue;
    const slot = `${ruleSet.taint.key}\u0000${ruleSet.taint.value}`;
    const current = chosen.get(slot);
    if (!current || ruleSet.priority > current.priority)
      chosen.set(slot, { taint: ruleSet.taint, priority: ruleSet.priority });
  }
  return [...chosen.values()].map((c) => c.taint);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
