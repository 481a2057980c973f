/**
 * Where the datastore configuration comes from, in upstream NVSentinel's order so existing Helm
 * values and ConfigMaps keep working:
 *   1. DATASTORE_PROVIDER set → DATASTORE_* variables
 *   2. DATASTORE_YAML (inline YAML)
 *   3. DATASTORE_YAML_PATH (YAML file)
 *   4. legacy MONGODB_URI / MONGODB_DATABASE_NAME
 * Our tuning variables (DATASTORE_DATA_DIR, DATASTORE_AUTO_MIGRATE, …; see README) and the legacy
 * MONGODB_* collection variables are applied on top of whichever source was used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionConfig, DataStoreConfig, DataStoreOptions, TlsFiles } from './types.js';
import { configError, envValue, parseInteger, parsePort, parseSslMode } from './env-values.js';
import { DEFAULT_DATABASE, DEFAULT_PORTS } from './defaults.js';
import { applyEnvOptions, changelogAges, normalizeOptions } from './options.js';
import { parseYamlConfig } from './yaml.js';

/** Where upstream's old charts mounted the MongoDB client certificate. */
const LEGACY_MONGO_CERT_DIR = '/etc/ssl/mongo-client';

export interface LoadConfigDependencies {
  readFile(path: string): string;
  fileExists(path: string): boolean;
}

const nodeFs: LoadConfigDependencies = {
  readFile: (path) => readFileSync(path, 'utf8'),
  fileExists: (path) => existsSync(path),
};

/** Reads the datastore configuration from the environment; throws DatastoreError('configuration'). */
export function loadDatastoreConfig(
  env: NodeJS.ProcessEnv = process.env,
  deps: LoadConfigDependencies = nodeFs,
): DataStoreConfig {
  const config = loadBaseConfig(env, deps);
  config.options = applyEnvOptions(config.options, env);
  // Checked once every source is applied: the variables override YAML options one by one.
  changelogAges(config.options, {
    retention:
      envValue(env, 'DATASTORE_CHANGELOG_RETENTION_SECONDS') !== undefined
        ? 'DATASTORE_CHANGELOG_RETENTION_SECONDS'
        : 'options.changelogRetentionMs',
    maxAge:
      envValue(env, 'DATASTORE_CHANGELOG_MAX_AGE_SECONDS') !== undefined
        ? 'DATASTORE_CHANGELOG_MAX_AGE_SECONDS'
        : 'options.changelogMaxAgeMs',
  });
  if (config.provider === 'mongodb') applyMongoLegacy(config, env, deps);
  return config;
}

function loadBaseConfig(env: NodeJS.ProcessEnv, deps: LoadConfigDependencies): DataStoreConfig {
  if (envValue(env, 'DATASTORE_PROVIDER')) return fromDatastoreVariables(env);
  const inline = envValue(env, 'DATASTORE_YAML');
  if (inline) return parseYamlConfig(inline, 'DATASTORE_YAML');
  const path = envValue(env, 'DATASTORE_YAML_PATH');
  if (path) {
    let text: string;
    try {
      text = deps.readFile(path);
    } catch (err) {
      throw configError(
        'DATASTORE_YAML_PATH',
        `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
          'mount the datastore ConfigMap at that path or unset DATASTORE_YAML_PATH',
        err,
      );
    }
    return parseYamlConfig(text, `DATASTORE_YAML_PATH (${path})`);
  }
  return fromLegacyMongoVariables(env);
}

function fromDatastoreVariables(env: NodeJS.ProcessEnv): DataStoreConfig {
  const provider = envValue(env, 'DATASTORE_PROVIDER')!.toLowerCase();
  const connection: ConnectionConfig = {
    host: envValue(env, 'DATASTORE_HOST') ?? (provider === 'embedded' ? '' : 'localhost'),
    port: 0,
    database: envValue(env, 'DATASTORE_DATABASE') ?? DEFAULT_DATABASE,
  };
  const port = envValue(env, 'DATASTORE_PORT');
  connection.port = port !== undefined ? parsePort('DATASTORE_PORT', port) : (DEFAULT_PORTS[provider] ?? 0);
  const username = envValue(env, 'DATASTORE_USERNAME');
  if (username !== undefined) connection.username = username;
  // Passwords may legitimately contain surrounding spaces: read them verbatim.
  if (env.DATASTORE_PASSWORD) connection.password = env.DATASTORE_PASSWORD;
  const sslmode = envValue(env, 'DATASTORE_SSLMODE');
  if (sslmode !== undefined) connection.sslmode = parseSslMode('DATASTORE_SSLMODE', sslmode);
  else if (provider === 'postgresql') connection.sslmode = 'prefer';
  for (const [variable, key] of [
    ['DATASTORE_SSLCERT', 'sslcert'],
    ['DATASTORE_SSLKEY', 'sslkey'],
    ['DATASTORE_SSLROOTCERT', 'sslrootcert'],
  ] as const) {
    const value = envValue(env, variable);
    if (value !== undefined) connection[key] = value;
  }
  const options: DataStoreOptions = {};
  const maxConnections = envValue(env, 'DATASTORE_MAX_CONNECTIONS');
  if (maxConnections !== undefined)
    options.maxConnections = parseInteger('DATASTORE_MAX_CONNECTIONS', maxConnections, 1);
  const maxIdle = envValue(env, 'DATASTORE_MAX_IDLE_CONNECTIONS');
  if (maxIdle !== undefined) options.maxIdleConnections = parseInteger('DATASTORE_MAX_IDLE_CONNECTIONS', maxIdle, 0);
  return { provider, connection, options: normalizeOptions(options, 'DATASTORE_*') };
}

function fromLegacyMongoVariables(env: NodeJS.ProcessEnv): DataStoreConfig {
  const uri = envValue(env, 'MONGODB_URI');
  const database = envValue(env, 'MONGODB_DATABASE_NAME');
  if (!uri && !database) {
    throw configError(
      'DATASTORE_PROVIDER',
      'no datastore configured. Set DATASTORE_PROVIDER (embedded, postgresql or mongodb) with DATASTORE_* variables, ' +
        'or DATASTORE_YAML / DATASTORE_YAML_PATH, or the legacy MONGODB_URI and MONGODB_DATABASE_NAME',
    );
  }
  if (!database)
    throw configError(
      'MONGODB_DATABASE_NAME',
      'required with MONGODB_URI; set it to the database name (e.g. HealthEventsDatabase)',
    );
  return {
    provider: 'mongodb',
    connection: { host: 'localhost', port: DEFAULT_PORTS.mongodb!, database, uri: uri ?? 'mongodb://localhost:27017' },
    options: {},
  };
}

/** MongoDB specifics upstream reads from MONGODB_* variables whatever the main source was. */
function applyMongoLegacy(config: DataStoreConfig, env: NodeJS.ProcessEnv, deps: LoadConfigDependencies): void {
  const connection = config.connection;
  const uri = envValue(env, 'MONGODB_URI');
  if (uri && !connection.uri && (connection.host === 'localhost' || connection.host === '')) connection.uri = uri;
  const database = envValue(env, 'MONGODB_DATABASE_NAME');
  if (database && connection.database === DEFAULT_DATABASE) connection.database = database;
  if (!connection.tls) {
    const tls = resolveMongoTls(env, deps);
    if (tls) connection.tls = tls;
  }
  const collections = [
    ['MONGODB_COLLECTION_NAME', 'healthEventsCollection'],
    ['MONGODB_MAINTENANCE_EVENT_COLLECTION_NAME', 'maintenanceEventsCollection'],
    ['MONGODB_TOKEN_COLLECTION_NAME', 'resumeTokensCollection'],
  ] as const;
  for (const [variable, key] of collections) {
    const value = envValue(env, variable);
    if (value !== undefined) config.options[key] = value;
  }
  const expiry = envValue(env, 'MONGODB_COLLECTION_EXPIRY_SECONDS');
  if (expiry !== undefined)
    config.options.collectionExpirySeconds = parseInteger('MONGODB_COLLECTION_EXPIRY_SECONDS', expiry, 1);
  const appName = envValue(env, 'APP_NAME');
  if (appName !== undefined && config.options.appName === undefined) config.options.appName = appName;
  // Timeouts in seconds, as upstream names them (the unprefixed names are its legacy spelling).
  const seconds = [
    [
      ['MONGODB_CHANGE_STREAM_RETRY_DEADLINE_SECONDS', 'CHANGE_STREAM_RETRY_DEADLINE_SECONDS'],
      'changeStreamRetryDeadlineMs',
    ],
    [
      ['MONGODB_CHANGE_STREAM_RETRY_INTERVAL_SECONDS', 'CHANGE_STREAM_RETRY_INTERVAL_SECONDS'],
      'changeStreamRetryIntervalMs',
    ],
    [['MONGODB_PING_TIMEOUT_TOTAL_SECONDS'], 'serverSelectionTimeoutMs'],
  ] as const;
  for (const [names, key] of seconds) {
    const name = names.find((n) => envValue(env, n) !== undefined);
    if (name !== undefined && config.options[key] === undefined)
      config.options[key] = parseInteger(name, envValue(env, name)!, 1) * 1000;
  }
}

/** Upstream's order: cert mount dir → three separate paths (CA alone is fine) → legacy dir. */
function resolveMongoTls(env: NodeJS.ProcessEnv, deps: LoadConfigDependencies): TlsFiles | undefined {
  const mount = envValue(env, 'MONGODB_CLIENT_CERT_MOUNT_PATH');
  if (mount) return certDir(mount);
  const separate: TlsFiles = {};
  const cert = envValue(env, 'MONGODB_CLIENT_CERT_PATH');
  const key = envValue(env, 'MONGODB_CLIENT_KEY_PATH');
  const ca = envValue(env, 'MONGODB_CA_CERT_PATH');
  if (cert) separate.certPath = cert;
  if (key) separate.keyPath = key;
  if (ca) separate.caPath = ca;
  if ((cert && !key) || (key && !cert)) {
    throw configError(
      cert ? 'MONGODB_CLIENT_KEY_PATH' : 'MONGODB_CLIENT_CERT_PATH',
      'a client certificate needs both MONGODB_CLIENT_CERT_PATH and MONGODB_CLIENT_KEY_PATH; set both, or only MONGODB_CA_CERT_PATH',
    );
  }
  if (cert || ca) return separate;
  if (deps.fileExists(join(LEGACY_MONGO_CERT_DIR, 'ca.crt'))) return certDir(LEGACY_MONGO_CERT_DIR);
  return undefined;
}

function certDir(dir: string): TlsFiles {
  return { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key'), caPath: join(dir, 'ca.crt') };
}
