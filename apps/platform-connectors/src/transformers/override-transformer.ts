/**
 * OverrideTransformer (upstream ADR-021): operators change isFatal / isHealthy /
 * recommendedAction of matching events without touching the monitors. Rules are CEL
 * expressions over `event` (a map of agent, checkName, componentClass, errorCode, isFatal,
 * isHealthy, recommendedAction (enum name), nodeName, metadata, message), checked in order; the
 * first rule that matches applies its override and ends the evaluation. Rules are compiled
 * once at start-up, so a broken expression stops the service instead of silently never matching.
 */
import { Environment } from '@marcbachmann/cel-js';
import {
  RecommendedAction,
  RecommendedActionValues,
  recommendedActionName,
  type HealthEvent,
} from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import { ConnectorConfigError } from '../errors.js';
import type { ConnectorMetrics } from '../metrics.js';
import type { HealthEventTransformer } from './transformer.js';

export interface OverrideRuleConfig {
  name: string;
  when: string;
  override: { isFatal?: boolean; isHealthy?: boolean; recommendedAction?: string };
}

export interface OverrideTransformerConfig {
  enabled: boolean;
  rules: readonly OverrideRuleConfig[];
}

interface CompiledRule {
  name: string;
  matches: (context: { event: Record<string, unknown> }) => unknown;
  isFatal?: boolean;
  isHealthy?: boolean;
  recommendedAction?: RecommendedAction;
}

export class OverrideTransformer implements HealthEventTransformer {
  readonly name = 'OverrideTransformer';
  readonly #rules: CompiledRule[];
  readonly #metrics: ConnectorMetrics;
  readonly #logger: Logger;

  constructor(
    config: OverrideTransformerConfig,
    metrics: ConnectorMetrics,
    logger: Logger,
    source = 'OverrideTransformer config',
  ) {
    this.#metrics = metrics;
    this.#logger = logger;
    this.#rules = config.enabled ? compileRules(config.rules, source) : [];
  }

  get ruleCount(): number {
    return this.#rules.length;
  }

  transform(events: HealthEvent[]): void {
    if (this.#rules.length === 0) return;
    for (const event of events) this.#apply(event);
  }

  #apply(event: HealthEvent): void {
    const context = { event: celView(event) };
    for (const rule of this.#rules) {
      let result: unknown;
      try {
        result = rule.matches(context);
      } catch (err) {
        this.#metrics.overrideEvaluationErrors.inc();
        this.#logger.warn(
          { err, rule: rule.name, node: event.nodeName, agent: event.agent },
          'override rule evaluation failed',
        );
        continue;
      }
      if (typeof result !== 'boolean') {
        this.#metrics.overrideEvaluationErrors.inc();
        this.#logger.warn({ rule: rule.name, result: String(result) }, 'override rule returned a non-boolean');
        continue;
      }
      if (!result) continue;
      const changed: string[] = [];
      if (rule.isFatal !== undefined && rule.isFatal !== event.isFatal) {
        event.isFatal = rule.isFatal;
        changed.push('isFatal');
      }
      if (rule.isHealthy !== undefined && rule.isHealthy !== event.isHealthy) {
        event.isHealthy = rule.isHealthy;
        changed.push('isHealthy');
      }
      if (rule.recommendedAction !== undefined && rule.recommendedAction !== event.recommendedAction) {
        event.recommendedAction = rule.recommendedAction;
        changed.push('recommendedAction');
      }
      for (const field of changed) this.#metrics.overridesApplied.inc({ rule: rule.name, field });
      if (changed.length > 0) {
        this.#logger.info(
          { rule: rule.name, node: event.nodeName, check: event.checkName, fields: changed },
          'applied health event override',
        );
      }
      return;
    }
  }
}

/** The event as upstream exposes it to CEL (enum as its name; copies, so rules cannot mutate). */
function celView(event: HealthEvent): Record<string, unknown> {
  return {
    agent: event.agent,
    checkName: event.checkName,
    componentClass: event.componentClass,
    errorCode: [...event.errorCode],
    isFatal: event.isFatal,
    isHealthy: event.isHealthy,
    recommendedAction: recommendedActionName(event.recommendedAction) ?? String(event.recommendedAction),
    nodeName: event.nodeName,
    metadata: { ...event.metadata },
    message: event.message,
  };
}

function compileRules(rules: readonly OverrideRuleConfig[], source: string): CompiledRule[] {
  if (rules.length === 0)
    throw new ConnectorConfigError(
      source,
      'enabled = true but no [[rules]] are defined; add a rule or set enabled = false',
    );
  const env = new Environment().registerVariable('event', 'map<string, dyn>');
  return rules.map((rule, index) => {
    const where = `rules[${index}]${rule.name ? ` (${rule.name})` : ''}`;
    if (!rule.name) throw new ConnectorConfigError(source, `${where}: name is required`);
    if (!rule.when) throw new ConnectorConfigError(source, `${where}: 'when' expression is required`);
    const { isFatal, isHealthy, recommendedAction } = rule.override ?? {};
    if (isFatal === undefined && isHealthy === undefined && recommendedAction === undefined) {
      throw new ConnectorConfigError(
        source,
        `${where}: at least one of override.isFatal, override.isHealthy, override.recommendedAction is required`,
      );
    }
    let action: RecommendedAction | undefined;
    if (recommendedAction !== undefined) {
      const value = RecommendedActionValues[recommendedAction];
      if (value === undefined) {
        throw new ConnectorConfigError(
          source,
          `${where}: unknown override.recommendedAction '${recommendedAction}'; use one of ${Object.keys(RecommendedActionValues).join(', ')}`,
        );
      }
      action = value as RecommendedAction;
    }
    let matches: CompiledRule['matches'];
    try {
      const expression = env.parse(rule.when);
      const checked = expression.check() as { valid: boolean; type?: string; error?: Error };
      if (!checked.valid) throw checked.error ?? new Error('type check failed');
      // `dyn` stays allowed (e.g. `event.isFatal`): its result is checked at evaluation.
      if (checked.type !== 'bool' && checked.type !== 'dyn')
        throw new Error(`expression must return bool, got ${checked.type}`);
      matches = expression as unknown as CompiledRule['matches'];
    } catch (err) {
      throw new ConnectorConfigError(
        source,
        `${where}: CEL expression '${rule.when}' is invalid: ${(err as Error).message}`,
      );
    }
    return {
      name: rule.name,
      matches,
      ...(isFatal !== undefined ? { isFatal } : {}),
      ...(isHealthy !== undefined ? { isHealthy } : {}),
      ...(action !== undefined ? { recommendedAction: action } : {}),
    };
  });
}
