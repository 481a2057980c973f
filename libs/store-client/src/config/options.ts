/**
 * Datastore options: typing of the known keys (YAML `options:` maps usually hold strings, as
 * upstream's are `map[string]string`) and our own tuning variables, which override any source.
 */
import type { DataStoreOptions } from './types.js';
import { configError, envValue, parseBoolean, parseInteger } from './env-values.js';

const INTEGER_OPTIONS: Readonly<Record<string, number>> = {
  maxConnections: 1,
  maxIdleConnections: 0,
  idleTimeoutMs: 0,
  connectionLifetimeMs: 0,
  connectTimeoutMs: 1,
  changelogRetentionMs: 0,
  changelogMaxAgeMs: 0,
  changeStreamPollIntervalMs: 1,
  collectionExpirySeconds: 1,
};
const BOOLEAN_OPTIONS = new Set(['autoMigrate']);

/** Each variable: option key, kind, and a multiplier to our unit (ms). */
const ENV_OPTIONS: ReadonlyArray<readonly [string, string, 'integer' | 'boolean' | 'string', number]> = [
  ['DATASTORE_DATA_DIR', 'dataDir', 'string', 1],
  ['DATASTORE_AUTO_MIGRATE', 'autoMigrate', 'boolean', 1],
  ['DATASTORE_CONNECT_TIMEOUT_MS', 'connectTimeoutMs', 'integer', 1],
  ['DATASTORE_IDLE_TIMEOUT_MS', 'idleTimeoutMs', 'integer', 1],
  ['DATASTORE_MAX_LIFETIME_SECONDS', 'connectionLifetimeMs', 'integer', 1000],
  ['DATASTORE_CHANGELOG_RETENTION_SECONDS', 'changelogRetentionMs', 'integer', 1000],
  ['DATASTORE_CHANGELOG_MAX_AGE_SECONDS', 'changelogMaxAgeMs', 'integer', 1000],
  ['DATASTORE_CHANGE_STREAM_POLL_MS', 'changeStreamPollIntervalMs', 'integer', 1],
  ['DATASTORE_APP_NAME', 'appName', 'string', 1],
];

/** Types the known option keys; `source` names where they came from for error messages. */
export function normalizeOptions(raw: Record<string, unknown>, source: string): DataStoreOptions {
  const out: DataStoreOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null || value === '') continue;
    const name = `${source} options.${key}`;
    if (key === 'maxLifetimeSeconds') {
      out.connectionLifetimeMs = parseInteger(name, value, 0) * 1000;
    } else if (key in INTEGER_OPTIONS) {
      out[key] = parseInteger(name, value, INTEGER_OPTIONS[key]);
    } else if (BOOLEAN_OPTIONS.has(key)) {
      out[key] = parseBoolean(name, value);
    } else {
      out[key] = value;
    }
  }
  if (
    out.maxIdleConnections !== undefined &&
    out.maxConnections !== undefined &&
    out.maxIdleConnections > out.maxConnections
  ) {
    throw configError(
      `${source} maxIdleConnections`,
      `${out.maxIdleConnections} is more than maxConnections (${out.maxConnections}); lower it`,
    );
  }
  return out;
}

/** Used when `changelogRetentionMs` is not set. */
const DEFAULT_CHANGELOG_RETENTION_MS = 60 * 60 * 1000;
/** Used when `changelogMaxAgeMs` is not set (unless the retention window is longer). */
export const DEFAULT_CHANGELOG_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The effective changelog retention window and maximum age (0 = none). A maximum age below the
 * retention window is a configuration error: it would delete rows the retention window promises
 * to keep. `names` say where each value came from, for the message.
 */
export function changelogAges(
  options: DataStoreOptions,
  names: { retention: string; maxAge: string } = {
    retention: 'options.changelogRetentionMs',
    maxAge: 'options.changelogMaxAgeMs',
  },
): { retentionMs: number; maxAgeMs: number } {
  const retentionMs =
    typeof options.changelogRetentionMs === 'number' ? options.changelogRetentionMs : DEFAULT_CHANGELOG_RETENTION_MS;
  if (typeof options.changelogMaxAgeMs !== 'number') {
    return { retentionMs, maxAgeMs: Math.max(DEFAULT_CHANGELOG_MAX_AGE_MS, retentionMs) };
  }
  const maxAgeMs = options.changelogMaxAgeMs;
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 0) {
    throw configError(names.maxAge, `expected a whole number >= 0, got ${maxAgeMs}; 0 means no maximum age`);
  }
  if (maxAgeMs > 0 && maxAgeMs < retentionMs) {
    throw configError(
      names.maxAge,
      `the changelog maximum age (${formatMs(maxAgeMs)}) is shorter than the retention window (${formatMs(retentionMs)}, ${names.retention}); ` +
        'the maximum age must be at least the retention window: raise it, lower the retention, or set the maximum age to 0 for none',
    );
  }
  return { retentionMs, maxAgeMs };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function applyEnvOptions(options: DataStoreOptions, env: NodeJS.ProcessEnv): DataStoreOptions {
  const out: DataStoreOptions = { ...options };
  for (const [variable, key, kind, unit] of ENV_OPTIONS) {
    const value = envValue(env, variable);
    if (value === undefined) continue;
    if (kind === 'integer')
      out[key] =
        parseInteger(variable, value, key === 'changeStreamPollIntervalMs' || key === 'connectTimeoutMs' ? 1 : 0) *
        unit;
    else if (kind === 'boolean') out[key] = parseBoolean(variable, value);
    else out[key] = value;
  }
  return out;
}
