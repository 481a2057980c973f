/**
 * The analyzer's rules in upstream's TOML format: `[[rules]]` tables with `name`, `description`,
 * `stage` (one JSON aggregation stage per string), `recommended_action`, `message`,
 * `evaluate_rule` and an optional `processing_strategy`. Every problem in the file is reported at
 * once, each naming the rule and the key.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import {
  ProcessingStrategy,
  ProcessingStrategyValues,
  RecommendedAction,
  RecommendedActionValues,
} from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import { RuleConfigError } from '../errors.js';

export interface Rule {
  name: string;
  description: string;
  /** The rule's own stages, JSON-decoded (the fixed first stage is not part of them). */
  stages: Record<string, unknown>[];
  recommendedAction: RecommendedAction;
  message: string;
  evaluateRule: boolean;
  /** Overrides the module's `--processing-strategy` for this rule's published events. */
  processingStrategy?: ProcessingStrategy;
}

/** The shipped default: all 22 chart rules (`config/rules.toml`). */
export const DEFAULT_RULES_PATH = fileURLToPath(new URL('../../config/rules.toml', import.meta.url));

/**
 * The chart's `enable<Rule>Rule` value name of a rule, e.g. `enableMultipleRemediationsRule`:
 * the names `--rule-switches` accepts.
 */
export function ruleSwitchName(ruleName: string): string {
  return `enable${ruleName}Rule`;
}

export interface ParseRulesOptions {
  /** Where the text came from, for messages. */
  source?: string;
  logger?: Logger;
  /** `enable<Rule>Rule` → on/off, applied over `evaluate_rule` (the chart's values). */
  switches?: Record<string, boolean>;
}

export function parseRules(text: string, options: ParseRulesOptions = {}): Rule[] {
  const source = options.source ?? 'rules';
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new RuleConfigError(source, `not valid TOML (${(err as Error).message})`, { cause: err });
  }
  const problems: string[] = [];
  const raw = doc.rules ?? [];
  if (!Array.isArray(raw)) throw new RuleConfigError(source, '"rules" must be an array of tables ([[rules]])');
  const rules: Rule[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, i: number) => {
    const rule = parseRule(entry, i, problems, options.logger);
    if (!rule) return;
    if (seen.has(rule.name)) problems.push(`rules[${i}] "${rule.name}": the name is used twice; names must be unique`);
    seen.add(rule.name);
    rules.push(rule);
  });
  for (const [key, on] of Object.entries(options.switches ?? {})) {
    const rule = rules.find((r) => ruleSwitchName(r.name) === key);
    if (!rule)
      problems.push(`switch ${key} names no rule; known: ${rules.map((r) => ruleSwitchName(r.name)).join(', ')}`);
    else rule.evaluateRule = on;
  }
  if (problems.length > 0) throw new RuleConfigError(source, problems.join('; '));
  return rules;
}

function parseRule(entry: unknown, i: number, problems: string[], logger?: Logger): Rule | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`rules[${i}] must be a table`);
    return undefined;
  }
  const t = entry as Record<string, unknown>;
  const name = typeof t.name === 'string' && t.name.trim() !== '' ? t.name : undefined;
  const where = `rules[${i}]${name ? ` "${name}"` : ''}`;
  const before = problems.length;
  if (!name) problems.push(`${where}: "name" must be a non-empty string (it becomes the published checkName)`);
  for (const key of ['description', 'message', 'recommended_action', 'processing_strategy']) {
    if (t[key] !== undefined && typeof t[key] !== 'string') problems.push(`${where}: "${key}" must be a string`);
  }
  if (t.evaluate_rule !== undefined && typeof t.evaluate_rule !== 'boolean') {
    problems.push(`${where}: "evaluate_rule" must be true or false`);
  }
  const stages: Record<string, unknown>[] = [];
  if (!Array.isArray(t.stage) || t.stage.length === 0) {
    problems.push(`${where}: "stage" must be a non-empty array of JSON strings, one aggregation stage each`);
  } else {
    t.stage.forEach((s: unknown, j: number) => {
      if (typeof s !== 'string') return problems.push(`${where} stage ${j}: must be a JSON string`);
      try {
        const parsed: unknown = JSON.parse(s);
        if (
          typeof parsed !== 'object' ||
          parsed === null ||
          Array.isArray(parsed) ||
          Object.keys(parsed).length !== 1
        ) {
          return problems.push(`${where} stage ${j}: must be one stage object such as {"$match": {...}}`);
        }
        stages.push(parsed as Record<string, unknown>);
      } catch (err) {
        problems.push(`${where} stage ${j}: not valid JSON (${(err as Error).message})`);
      }
    });
  }
  let processingStrategy: ProcessingStrategy | undefined;
  if (typeof t.processing_strategy === 'string' && t.processing_strategy !== '') {
    const value = ProcessingStrategyValues[t.processing_strategy];
    if (value === undefined || value === ProcessingStrategy.UNSPECIFIED) {
      const names = Object.keys(ProcessingStrategyValues).filter((n) => n !== 'UNSPECIFIED');
      problems.push(`${where}: processing_strategy "${t.processing_strategy}" is not one of ${names.join(', ')}`);
    } else processingStrategy = value;
  }
  if (problems.length > before || !name) return undefined;
  return {
    name,
    description: typeof t.description === 'string' ? t.description : '',
    stages,
    recommendedAction: actionValue(t.recommended_action, name, logger),
    message: typeof t.message === 'string' ? t.message : '',
    evaluateRule: t.evaluate_rule === undefined ? true : (t.evaluate_rule as boolean),
    ...(processingStrategy !== undefined ? { processingStrategy } : {}),
  };
}

/** Upstream: an unknown action name falls back to CONTACT_SUPPORT with a warning. */
function actionValue(name: unknown, rule: string, logger?: Logger): RecommendedAction {
  const value = typeof name === 'string' ? RecommendedActionValues[name] : undefined;
  if (value !== undefined) return value as RecommendedAction;
  logger?.warn({ rule, recommendedAction: name }, 'unknown recommended_action; using CONTACT_SUPPORT');
  return RecommendedAction.CONTACT_SUPPORT;
}

export async function loadRules(path: string, options: Omit<ParseRulesOptions, 'source'> = {}): Promise<Rule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RuleConfigError(path, `cannot be read (${(err as Error).message})`, { cause: err });
  }
  return parseRules(text, { ...options, source: path });
}

/** `enableXRule=false,enableYRule=true` → switches; an entry without `=` is an error. */
export function parseRuleSwitches(text: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(enable[A-Za-z0-9]+Rule)\s*=\s*(true|false)$/.exec(part);
    if (!m)
      throw new RuleConfigError('--rule-switches', `"${part}" must look like enableMultipleRemediationsRule=false`);
    out[m[1]] = m[2] === 'true';
  }
  return out;
}
