/**
 * Datastore configuration, shaped like upstream's `DataStoreConfig` so the same Helm values,
 * `DATASTORE_YAML` documents and environment variables work unchanged.
 */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface TlsFiles {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
}

export interface ConnectionConfig {
  host: string;
  port: number;
  database: string;
  username?: string;
  password?: string;
  /** PostgreSQL sslmode; MongoDB uses `tls` below. */
  sslmode?: SslMode;
  sslcert?: string;
  sslkey?: string;
  sslrootcert?: string;
  /** MongoDB client certificate files (from MONGODB_CLIENT_CERT_MOUNT_PATH or the separate variables). */
  tls?: TlsFiles;
  /** MongoDB connection string (legacy MONGODB_URI), when given. */
  uri?: string;
  /** Provider-specific extra connection parameters. */
  extraParams?: Record<string, string>;
}

export interface DataStoreOptions {
  maxConnections?: number;
  maxIdleConnections?: number;
  idleTimeoutMs?: number;
  connectionLifetimeMs?: number;
  connectTimeoutMs?: number;
  /** embedded only: where PGlite keeps its data; unset = in memory. */
  dataDir?: string;
  /** Changelog rows are kept at least this long after every consumer has passed them. */
  changelogRetentionMs?: number;
  /**
   * Changelog rows older than this are deleted even when a consumer has not processed them (it
   * then reports history lost, like MongoDB's oplog window). 0 = no maximum. Default 7 days, or
   * the retention window when that is longer. Must not be below `changelogRetentionMs`.
   */
  changelogMaxAgeMs?: number;
  /** How often the datastore runs changelog retention; 0 = never (call purgeChangelog). */
  changelogRetentionIntervalMs?: number;
  /** Fallback poll interval of PostgreSQL change streams (NOTIFY is only a wake-up hint). */
  changeStreamPollIntervalMs?: number;
  /** Changelog rows a PostgreSQL change stream reads per query. */
  changeStreamBatchSize?: number;
  /** SQL providers: migrate the schema at start-up (true) or refuse an old schema (false). */
  autoMigrate?: boolean;
  /** MongoDB TTL on createdAt (MONGODB_COLLECTION_EXPIRY_SECONDS). */
  collectionExpirySeconds?: number;
  /** Collection / table names (legacy MONGODB_*_COLLECTION_NAME variables). */
  healthEventsCollection?: string;
  maintenanceEventsCollection?: string;
  resumeTokensCollection?: string;
  /** MongoDB: how long a change stream keeps reopening after errors (MONGODB_CHANGE_STREAM_RETRY_DEADLINE_SECONDS). */
  changeStreamRetryDeadlineMs?: number;
  /** MongoDB: the longest wait between reopen attempts (MONGODB_CHANGE_STREAM_RETRY_INTERVAL_SECONDS). */
  changeStreamRetryIntervalMs?: number;
  /** MongoDB: server selection timeout (MONGODB_PING_TIMEOUT_TOTAL_SECONDS). */
  serverSelectionTimeoutMs?: number;
  /** Sent to the server as the application name. */
  appName?: string;
  /**
   * SQL providers: where warnings go (changelog history lost); a pino logger fits. Default: JSON
   * lines on stderr. Programmatic only (no variable or YAML key).
   */
  logger?: { warn(obj: Record<string, unknown>, msg: string): void };
  /**
   * A change stream restarted because its resume position was lost; services count it as
   * `change_stream_resume_token_recoveries_total{client,phase}` (upstream's metric). Programmatic only.
   */
  onResumeTokenRecovery?: (labels: { client: string; phase: 'initialization' | 'runtime' }) => void;
  [key: string]: unknown;
}

export interface DataStoreConfig {
  /** 'mongodb' | 'postgresql' | 'embedded' | a registered third-party provider. */
  provider: string;
  connection: ConnectionConfig;
  options: DataStoreOptions;
}
