/**
 * Reads upstream's fault-quarantine TOML (`label-prefix`, `[circuitBreaker]`, `[[rule-sets]]`)
 * into a validated FaultQuarantineConfig. Every problem is reported at once, each with the path
 * of the offending key, so an operator fixes the file in one go.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { parseDurationMs } from '@nvsentinel/service-kit';
import { ConfigFileUnreadableError, ConfigInvalidError, ConfigSyntaxError } from '../errors.js';
import {
  DEFAULT_BREAKER,
  DEFAULT_LABEL_PREFIX,
  type FaultQuarantineConfig,
  type MatchRule,
  type RuleSetConfig,
  type TaintConfig,
} from './config-types.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const MATCH_KINDS = ['HealthEvent', 'Node'] as const;

type Table = Record<string, unknown>;

const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function loadConfigFile(path: string): FaultQuarantineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileUnreadableError(path, (err as Error).message, { cause: err });
  }
  return parseConfigText(text, path);
}

/** `source` names the file in error messages. */
export function parseConfigText(text: string, source = '<inline>'): FaultQuarantineConfig {
  let raw: Table;
  try {
    raw = parseToml(text) as Table;
  } catch (err) {
    throw new ConfigSyntaxError(source, (err as Error).message, { cause: err });
  }
  const problems: string[] = [];
  const config = readConfig(raw, problems);
  if (problems.length > 0) throw new ConfigInvalidError(source, problems.map((p) => `  - ${p}`).join('\n'));
  return config;
}

function readConfig(raw: Table, problems: string[]): FaultQuarantineConfig {
  const labelPrefix = optionalString(raw, 'label-prefix', 'label-prefix', problems) ?? DEFAULT_LABEL_PREFIX;
  const circuitBreaker = { ...DEFAULT_BREAKER };
  const breaker = raw['circuitBreaker'];
  if (breaker !== undefined) {
    if (!isTable(breaker)) problems.push('circuitBreaker: must be a table');
    else {
      const percentage = breaker['percentage'];
      if (percentage !== undefined) {
        if (typeof percentage !== 'number' || !(percentage > 0 && percentage <= 100)) {
          problems.push(`circuitBreaker.percentage: must be a number in (0, 100], got ${JSON.stringify(percentage)}`);
        } else circuitBreaker.percentage = percentage;
      }
      const duration = breaker['duration'];
      if (duration !== undefined) {
        try {
          if (typeof duration !== 'string') throw new Error('must be a duration string such as "5m"');
          const ms = parseDurationMs(duration);
          if (ms === undefined || ms <= 0) throw new Error('must be a duration longer than zero, such as "5m"');
          circuitBreaker.durationMs = ms;
        } catch (err) {
          problems.push(`circuitBreaker.duration: ${(err as Error).message} (got ${JSON.stringify(duration)})`);
        }
      }
    }
  }
  const ruleSetsRaw = raw['rule-sets'] ?? [];
  const ruleSets: RuleSetConfig[] = [];
  if (!Array.isArray(ruleSetsRaw)) problems.push('rule-sets: must be an array of tables ([[rule-sets]])');
  else
    ruleSetsRaw.forEach((entry, index) => {
      const ruleSet = readRuleSet(entry, `rule-sets[${index}]`, problems);
      if (ruleSet) ruleSets.push(ruleSet);
    });
  const seen = new Set<string>();
  for (const ruleSet of ruleSets) {
    if (seen.has(ruleSet.name))
      problems.push(
        `rule-sets: the name '${ruleSet.name}' is used twice; names label metrics and cordon reasons, make them unique`,
      );
    seen.add(ruleSet.name);
  }
  return { labelPrefix, circuitBreaker, ruleSets };
}

function readRuleSet(entry: unknown, path: string, problems: string[]): RuleSetConfig | undefined {
  if (!isTable(entry)) {
    problems.push(`${path}: must be a table`);
    return undefined;
  }
  const name = optionalString(entry, 'name', `${path}.name`, problems);
  if (name === undefined || name === '') {
    problems.push(`${path}.name: required`);
    return undefined;
  }
  const where = `${path} '${name}'`;
  const enabled = entry['enabled'] ?? true;
  if (typeof enabled !== 'boolean') problems.push(`${where}.enabled: must be true or false`);
  const priority = entry['priority'] ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority))
    problems.push(`${where}.priority: must be an integer`);
  const version = entry['version'] ?? '1';
  const match = entry['match'];
  let matchAll: MatchRule[] = [];
  let matchAny: MatchRule[] = [];
  if (!isTable(match)) problems.push(`${where}.match: required, with [[…match.all]] and/or [[…match.any]] entries`);
  else {
    matchAll = readMatchRules(match['all'], `${where}.match.all`, problems);
    matchAny = readMatchRules(match['any'], `${where}.match.any`, problems);
    if (matchAll.length === 0 && matchAny.length === 0)
      problems.push(`${where}.match: needs at least one rule in match.all or match.any`);
  }
  const taint = entry['taint'] === undefined ? undefined : readTaint(entry['taint'], `${where}.taint`, problems);
  let shouldCordon = false;
  const cordon = entry['cordon'];
  if (cordon !== undefined) {
    if (!isTable(cordon) || (cordon['shouldCordon'] !== undefined && typeof cordon['shouldCordon'] !== 'boolean')) {
      problems.push(`${where}.cordon: must be a table with shouldCordon = true|false`);
    } else shouldCordon = cordon['shouldCordon'] === true;
  }
  return {
    name,
    version: String(version),
    enabled: enabled === true,
    priority: typeof priority === 'number' ? priority : 0,
    matchAll,
    matchAny,
    ...(taint ? { taint } : {}),
    shouldCordon,
  };
}

function readMatchRules(value: unknown, path: string, problems: string[]): MatchRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${path}: must be an array of tables`);
    return [];
  }
  const rules: MatchRule[] = [];
  value.forEach((rule, index) => {
    const where = `${path}[${index}]`;
    if (!isTable(rule)) return void problems.push(`${where}: must be a table with kind and expression`);
    const kind = rule['kind'];
    const expression = rule['expression'];
    if (!MATCH_KINDS.includes(kind as never))
      problems.push(`${where}.kind: must be one of ${MATCH_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
    else if (typeof expression !== 'string' || expression.trim() === '')
      problems.push(`${where}.expression: required CEL expression`);
    else rules.push({ kind: kind as MatchRule['kind'], expression });
  });
  return rules;
}

function readTaint(value: unknown, path: string, problems: string[]): TaintConfig | undefined {
  if (!isTable(value)) {
    problems.push(`${path}: must be a table with key, value, effect`);
    return undefined;
  }
  const { key, value: taintValue = '', effect } = value;
  const before = problems.length;
  if (typeof key !== 'string' || key === '') problems.push(`${path}.key: required`);
  if (typeof taintValue !== 'string') problems.push(`${path}.value: must be a string`);
  if (!TAINT_EFFECTS.includes(effect as never))
    problems.push(`${path}.effect: must be one of ${TAINT_EFFECTS.join(', ')}, got ${JSON.stringify(effect)}`);
  if (problems.length > before) return undefined;
  return { key: key as string, value: taintValue as string, effect: effect as TaintConfig['effect'] };
}

function optionalString(table: Table, key: string, path: string, problems: string[]): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push(`${path}: must be a string`);
    return undefined;
  }
  return value;
}
