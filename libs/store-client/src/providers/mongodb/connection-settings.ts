/**
 * DataStoreConfig → everything needed to construct a `MongoClient`: the URI, the driver options
 * (TLS material, X.509 or SCRAM credentials, pool and timeout settings), the database and
 * collection names. Pure apart from reading the certificate files through an injectable reader,
 * so every branch is unit-tested without a server.
 */
import type { MongoClientOptions } from 'mongodb';

import type { DataStoreConfig } from '../../config/types.js';
import { DatastoreError } from '../../errors.js';
import { MONGO_DEFAULTS, PROVIDER_NAME, type MongoCollectionNames } from './defaults.js';
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './reconnect-policy.js';
import { hasClientCertificate, readTlsMaterial, type ReadFile } from './tls-material.js';
import { parseMongoUri, redactMongoUri, type MongoUriFacts } from './uri.js';

export interface MongoConnectionSettings {
  /** Passed to `new MongoClient(uri, clientOptions)` unchanged. */
  uri: string;
  clientOptions: MongoClientOptions;
  uriFacts: MongoUriFacts;
  databaseName: string;
  collections: MongoCollectionNames;
  collectionExpirySeconds: number;
  /** Change-stream reconnect bounds (upstream's MONGODB_CHANGE_STREAM_RETRY_* settings). */
  changeStreamPolicy: ReconnectPolicy;
  /** How the client authenticates, for the start-up log line. */
  authentication: 'x509' | 'scram' | 'uri' | 'none';
}

export async function resolveMongoConnection(
  config: DataStoreConfig,
  readFile?: ReadFile,
): Promise<MongoConnectionSettings> {
  const { connection, options } = config;
  const uri = connection.uri?.trim() || uriFromHostAndPort(config);
  const uriFacts = parseMongoUri(uri);

  const tlsFiles = connection.tls ?? {
    certPath: connection.sslcert,
    keyPath: connection.sslkey,
    caPath: connection.sslrootcert,
  };
  const tls = await readTlsMaterial(tlsFiles, readFile);

  const clientOptions: MongoClientOptions = {};
  if (tls.cert || tls.ca || wantsTls(connection.sslmode)) clientOptions.tls = true;
  if (tls.cert) clientOptions.cert = tls.cert;
  if (tls.key) clientOptions.key = tls.key;
  if (tls.ca) clientOptions.ca = tls.ca;
  // verify-ca: trust the chain but not the hostname (libpq's meaning, kept for DATASTORE_SSLMODE).
  if (connection.sslmode === 'verify-ca') clientOptions.tlsAllowInvalidHostnames = true;

  let authentication: MongoConnectionSettings['authentication'] = uriFacts.username ? 'uri' : 'none';
  const mechanismInUri = uriFacts.options.has('authmechanism');
  if (!uriFacts.username && connection.username) {
    // Passed as an option, not spliced into the URI, so passwords need no percent-encoding.
    clientOptions.auth = { username: connection.username, password: connection.password };
    authentication = 'scram';
  } else if (!uriFacts.username && hasClientCertificate(tls) && !mechanismInUri) {
    // A client certificate and no username: authenticate as the certificate's subject, like
    // upstream's cert-manager issued `mongo-user-client` user in `$external`.
    clientOptions.authMechanism = 'MONGODB-X509';
    clientOptions.authSource = '$external';
    authentication = 'x509';
  }

  if (options.appName) clientOptions.appName = options.appName;
  setPositive(clientOptions, 'maxPoolSize', options.maxConnections, 'DATASTORE_MAX_CONNECTIONS');
  setPositive(clientOptions, 'maxIdleTimeMS', options.idleTimeoutMs, 'options.idleTimeoutMs');
  setPositive(clientOptions, 'connectTimeoutMS', options.connectTimeoutMs, 'options.connectTimeoutMs');
  setPositive(
    clientOptions,
    'serverSelectionTimeoutMS',
    options.serverSelectionTimeoutMs,
    'options.serverSelectionTimeoutMs',
  );

  return {
    uri,
    clientOptions,
    uriFacts,
    databaseName: connection.database?.trim() || uriFacts.database || MONGO_DEFAULTS.databaseName,
    collections: {
      healthEvents: options.healthEventsCollection || MONGO_DEFAULTS.healthEventsCollection,
      maintenanceEvents: options.maintenanceEventsCollection || MONGO_DEFAULTS.maintenanceEventsCollection,
      resumeTokens: options.resumeTokensCollection || MONGO_DEFAULTS.resumeTokensCollection,
    },
    collectionExpirySeconds: expirySeconds(options.collectionExpirySeconds),
    changeStreamPolicy: reconnectPolicy(options.changeStreamRetryDeadlineMs, options.changeStreamRetryIntervalMs),
    authentication,
  };
}

/** One safe log line: no password, no key material. */
export function describeMongoConnection(settings: MongoConnectionSettings): string {
  const tls = settings.clientOptions.tls ? 'tls' : 'no tls';
  return `${redactMongoUri(settings.uri)} db=${settings.databaseName} auth=${settings.authentication} ${tls}`;
}

function uriFromHostAndPort(config: DataStoreConfig): string {
  const { host, port, extraParams } = config.connection;
  if (!host) {
    throw new DatastoreError(
      'configuration',
      'MongoDB needs a connection string or a host: set MONGODB_URI (or DATASTORE_HOST / connection.host).',
      { provider: PROVIDER_NAME },
    );
  }
  const hostPart = host.includes(':') && !host.startsWith('[') && !host.includes(',') ? `[${host}]` : host;
  const portPart = host.includes(',') ? '' : `:${port || MONGO_DEFAULTS.port}`;
  const query = new URLSearchParams(extraParams ?? {}).toString();
  return `mongodb://${hostPart}${portPart}/${query ? `?${query}` : ''}`;
}

/**
 * `changeStreamRetryDeadlineMs` (MONGODB_CHANGE_STREAM_RETRY_DEADLINE_SECONDS × 1000) bounds an
 * outage; `changeStreamRetryIntervalMs` (…_RETRY_INTERVAL_SECONDS × 1000) caps the backoff.
 */
function reconnectPolicy(deadline: unknown, interval: unknown): ReconnectPolicy {
  const policy = { ...DEFAULT_RECONNECT_POLICY };
  const deadlineMs = positiveNumber(deadline, 'options.changeStreamRetryDeadlineMs');
  const intervalMs = positiveNumber(interval, 'options.changeStreamRetryIntervalMs');
  if (deadlineMs !== undefined) policy.deadlineMs = deadlineMs;
  if (intervalMs !== undefined) {
    policy.maxDelayMs = intervalMs;
    policy.initialDelayMs = Math.min(policy.initialDelayMs, intervalMs);
  }
  if (policy.maxDelayMs >= policy.deadlineMs) {
    throw new DatastoreError(
      'configuration',
      `the change-stream retry interval (${policy.maxDelayMs} ms) must be less than the retry deadline (${policy.deadlineMs} ms); ` +
        'check MONGODB_CHANGE_STREAM_RETRY_INTERVAL_SECONDS and MONGODB_CHANGE_STREAM_RETRY_DEADLINE_SECONDS.',
      { provider: PROVIDER_NAME },
    );
  }
  return policy;
}

function wantsTls(sslmode: string | undefined): boolean {
  return sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full';
}

function expirySeconds(value: unknown): number {
  if (value === undefined || value === null || value === '') return MONGO_DEFAULTS.collectionExpirySeconds;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new DatastoreError(
      'configuration',
      `MONGODB_COLLECTION_EXPIRY_SECONDS must be a positive whole number of seconds, got '${String(value)}' ` +
        `(default ${MONGO_DEFAULTS.collectionExpirySeconds} = 30 days).`,
      { provider: PROVIDER_NAME },
    );
  }
  return n;
}

function setPositive(
  target: MongoClientOptions,
  key: 'maxPoolSize' | 'maxIdleTimeMS' | 'connectTimeoutMS' | 'serverSelectionTimeoutMS',
  value: unknown,
  source: string,
): void {
  const n = positiveNumber(value, source);
  if (n !== undefined) target[key] = n;
}

function positiveNumber(value: unknown, source: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new DatastoreError('configuration', `${source} must be a positive number, got '${String(value)}'.`, {
      provider: PROVIDER_NAME,
    });
  }
  return n;
}
