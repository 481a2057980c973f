import { NvsError } from '@nvsentinel/errors';

/**
 * The datastore error catalogue. Every failure that leaves store-client is a `DatastoreError`
 * with a stable `code` (what kind of failure), the `provider` it came from, a message that says
 * what to do, and the underlying `cause`. Callers branch on `code` or on the helpers below,
 * never on message text — the same codes on every provider.
 */
export const DatastoreErrorCode = {
  connection: 'connection',
  authentication: 'authentication',
  certificate: 'certificate',
  timeout: 'timeout',
  query: 'query',
  insert: 'insert',
  update: 'update',
  delete: 'delete',
  transaction: 'transaction',
  not_found: 'not_found',
  conflict: 'conflict',
  validation: 'validation',
  serialization: 'serialization',
  configuration: 'configuration',
  provider_not_found: 'provider_not_found',
  unsupported_pipeline: 'unsupported_pipeline',
  change_stream: 'change_stream',
  resume_token: 'resume_token',
  schema_version: 'schema_version',
  closed: 'closed',
  unknown: 'unknown',
} as const;
export type DatastoreErrorCode = (typeof DatastoreErrorCode)[keyof typeof DatastoreErrorCode];

const RETRYABLE: ReadonlySet<DatastoreErrorCode> = new Set(['connection', 'timeout', 'change_stream']);
const CONNECTION: ReadonlySet<DatastoreErrorCode> = new Set(['connection', 'authentication', 'timeout', 'certificate']);

export interface DatastoreErrorOptions {
  provider?: string;
  cause?: unknown;
  /** Extra machine-readable context (ids, paths, stage index …). */
  details?: Record<string, unknown>;
}

export class DatastoreError extends NvsError {
  declare readonly code: DatastoreErrorCode;
  readonly provider: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: DatastoreErrorCode, message: string, options: DatastoreErrorOptions = {}) {
    super(
      code,
      options.provider ? `[${options.provider}:${code}] ${message}` : `[${code}] ${message}`,
      { name: 'DatastoreError', retryable: RETRYABLE.has(code) },
      { cause: options.cause },
    );
    this.provider = options.provider;
    this.details = options.details ?? {};
  }

  /** Worth retrying the same call later (the server or network may come back). */
  get isRetryable(): boolean {
    return this.retryable;
  }

  /** The datastore could not be reached or would not let us in. */
  get isConnectionError(): boolean {
    return CONNECTION.has(this.code);
  }

  get isNotFound(): boolean {
    return this.code === 'not_found';
  }
}

export function isDatastoreError(err: unknown, code?: DatastoreErrorCode): err is DatastoreError {
  return err instanceof DatastoreError && (code === undefined || err.code === code);
}
