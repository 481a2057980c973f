/**
 * Upstream's platform-connector ConfigMap (`--config=/etc/config/config.json`): flat keys
 * (`enableK8sPlatformConnector`, `K8sConnectorQps`, `K8sConnectorBurst`,
 * `MaxNodeConditionMessageLength`, `CompactedHealthEventMsgLen`, the store switches) plus
 * `pipeline: [{ name, enabled, config }]`, where `config` is the path of the transformer's TOML
 * file. Existing Helm values therefore configure this service unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDurationMs } from '@nvsentinel/service-kit';
import { parse as parseToml } from 'smol-toml';
import { ConnectorConfigError } from '../errors.js';
import { TRANSFORMER_NAMES, type PipelineStep } from '../transformers/build-transformers.js';
import type { OverrideRuleConfig } from '../transformers/override-transformer.js';

export interface ConnectorConfig {
  /** Mirror events to node conditions and Events. Default true. */
  k8sEnabled: boolean;
  qps?: number;
  burst?: number;
  maxConditionMessageBytes?: number;
  compactedEntryBytes?: number;
  pipeline: PipelineStep[];
}

const DEFAULT_CONNECTOR_CONFIG: ConnectorConfig = { k8sEnabled: true, pipeline: [] };

type Json = Record<string, unknown>;

/** Reads config.json; a missing file at the default path means "all defaults". */
export function loadConnectorConfig(path: string, options: { required?: boolean } = {}): ConnectorConfig {
  if (!existsSync(path)) {
    if (options.required)
      throw new ConnectorConfigError(
        path,
        'file not found; mount the platform-connector ConfigMap there or pass --config',
      );
    return { ...DEFAULT_CONNECTOR_CONFIG };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConnectorConfigError(path, `not valid JSON (${(err as Error).message})`);
  }
  return parseConnectorConfig(json, path, (file) => readFileSync(file, 'utf8'), existsSync);
}

export function parseConnectorConfig(
  json: unknown,
  source: string,
  readFile: (path: string) => string,
  fileExists: (path: string) => boolean,
): ConnectorConfig {
  if (!isObject(json)) throw new ConnectorConfigError(source, 'expected a JSON object');
  const config: ConnectorConfig = { k8sEnabled: flag(json.enableK8sPlatformConnector, true), pipeline: [] };
  const qps = number(json.K8sConnectorQps, source, 'K8sConnectorQps');
  if (qps !== undefined) config.qps = qps;
  const burst = number(json.K8sConnectorBurst, source, 'K8sConnectorBurst');
  if (burst !== undefined) config.burst = burst;
  const maxLen = number(json.MaxNodeConditionMessageLength, source, 'MaxNodeConditionMessageLength');
  if (maxLen !== undefined) config.maxConditionMessageBytes = maxLen;
  const compact = number(json.CompactedHealthEventMsgLen, source, 'CompactedHealthEventMsgLen');
  if (compact !== undefined) config.compactedEntryBytes = compact;

  const pipeline = json.pipeline ?? [];
  if (!Array.isArray(pipeline))
    throw new ConnectorConfigError(source, "'pipeline' must be a list of { name, enabled, config }");
  pipeline.forEach((entry: unknown, index) => {
    const where = `pipeline[${index}]`;
    if (!isObject(entry) || typeof entry.name !== 'string')
      throw new ConnectorConfigError(source, `${where}: expected { name, enabled, config }`);
    if (!(TRANSFORMER_NAMES as readonly string[]).includes(entry.name)) {
      throw new ConnectorConfigError(
        source,
        `${where}: unknown transformer '${entry.name}'; known: ${TRANSFORMER_NAMES.join(', ')}`,
      );
    }
    if (!flag(entry.enabled, false)) return;
    let toml: Json = {};
    if (typeof entry.config === 'string' && entry.config !== '') {
      const file = resolve(dirname(source), entry.config);
      if (fileExists(file)) {
        try {
          toml = parseToml(readFile(file)) as Json;
        } catch (err) {
          throw new ConnectorConfigError(file, `not valid TOML (${(err as Error).message})`);
        }
      } else if (entry.name === 'OverrideTransformer') {
        // Upstream: no override file means overrides are off.
        return;
      }
    }
    config.pipeline.push(stepFromToml(entry.name as PipelineStep['name'], toml, `${source} ${where}`));
  });
  return config;
}

/** Builds one transformer's settings from its TOML table (upstream's keys). */
function stepFromToml(name: PipelineStep['name'], toml: Json, source: string): PipelineStep {
  switch (name) {
    case 'MetadataAugmentor': {
      const allowed = toml.allowedLabels;
      if (allowed !== undefined && (!Array.isArray(allowed) || !allowed.every((l) => typeof l === 'string'))) {
        throw new ConnectorConfigError(source, "'allowedLabels' must be a list of label keys");
      }
      const cacheSize = number(toml.cacheSize, source, 'cacheSize');
      const ttl = duration(
        toml.cacheTTL ?? toml.cacheTTLSeconds,
        source,
        'cacheTTL',
        toml.cacheTTL === undefined ? 1000 : 1,
      );
      return {
        name,
        config: {
          ...(cacheSize !== undefined ? { cacheSize } : {}),
          ...(ttl !== undefined ? { cacheTtlMs: ttl } : {}),
          ...(allowed !== undefined ? { allowedLabels: allowed as string[] } : {}),
        },
      };
    }
    case 'OverrideTransformer': {
      const rules = toml.rules ?? [];
      if (!Array.isArray(rules))
        throw new ConnectorConfigError(source, "'rules' must be an array of tables ([[rules]])");
      return { name, config: { enabled: flag(toml.enabled, false), rules: rules as OverrideRuleConfig[] } };
    }
    case 'Deduplicator': {
      const window = duration(toml.suppressionWindow, source, 'suppressionWindow', 1);
      const cleanup = duration(toml.cleanupInterval, source, 'cleanupInterval', 1);
      const checks = toml.includeChecks;
      if (checks !== undefined && (!Array.isArray(checks) || !checks.every((c) => typeof c === 'string'))) {
        throw new ConnectorConfigError(source, "'includeChecks' must be a list of check names");
      }
      return {
        name,
        config: {
          ...(window !== undefined ? { suppressionWindowMs: window } : {}),
          ...(cleanup !== undefined ? { cleanupIntervalMs: cleanup } : {}),
          ...(checks !== undefined ? { includeChecks: checks as string[] } : {}),
        },
      };
    }
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Upstream writes booleans as strings ("true") in the ConfigMap; accept both. */
function flag(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  return value === true || String(value).toLowerCase() === 'true';
}

function number(value: unknown, source: string, key: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number(String(value));
  if (!Number.isFinite(n) || n <= 0)
    throw new ConnectorConfigError(source, `'${key}' must be a positive number, got ${JSON.stringify(String(value))}`);
  return n;
}

/** A Go-style duration string ("3m", "1h30m") or a number in `unitMs` units. */
function duration(value: unknown, source: string, key: string, unitMs: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) * unitMs;
  const ms = parseDurationMs(String(value));
  if (ms === undefined)
    throw new ConnectorConfigError(
      source,
      `'${key}' must be a duration like "3m" or "1h", got ${JSON.stringify(String(value))}`,
    );
  return ms;
}
