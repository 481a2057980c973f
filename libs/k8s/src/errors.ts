/**
 * The Kubernetes error catalogue. Every failure that leaves @nvsentinel/k8s is a `K8sError` with a
 * stable `NVS_ERR_K8S_*` code derived from the API server's `Status` (HTTP code + reason), so
 * callers branch on `code` or on the `isX` helpers, never on message text.
 */
import { ApiException } from '@kubernetes/client-node';
import { NvsError } from '@nvsentinel/errors';

export const K8sErrorCode = {
  BAD_REQUEST: 'NVS_ERR_K8S_BAD_REQUEST',
  UNAUTHORIZED: 'NVS_ERR_K8S_UNAUTHORIZED',
  FORBIDDEN: 'NVS_ERR_K8S_FORBIDDEN',
  NOT_FOUND: 'NVS_ERR_K8S_NOT_FOUND',
  CONFLICT: 'NVS_ERR_K8S_CONFLICT',
  ALREADY_EXISTS: 'NVS_ERR_K8S_ALREADY_EXISTS',
  GONE: 'NVS_ERR_K8S_GONE',
  INVALID: 'NVS_ERR_K8S_INVALID',
  TOO_MANY_REQUESTS: 'NVS_ERR_K8S_TOO_MANY_REQUESTS',
  SERVER_TIMEOUT: 'NVS_ERR_K8S_SERVER_TIMEOUT',
  SERVICE_UNAVAILABLE: 'NVS_ERR_K8S_SERVICE_UNAVAILABLE',
  INTERNAL: 'NVS_ERR_K8S_INTERNAL',
  NETWORK: 'NVS_ERR_K8S_NETWORK',
  ABORTED: 'NVS_ERR_K8S_ABORTED',
  CONFIG: 'NVS_ERR_K8S_CONFIG',
  CONFLICT_RETRIES_EXHAUSTED: 'NVS_ERR_K8S_CONFLICT_RETRIES_EXHAUSTED',
  QUEUE_SHUT_DOWN: 'NVS_ERR_K8S_QUEUE_SHUT_DOWN',
  UNKNOWN: 'NVS_ERR_K8S_UNKNOWN',
} as const;
export type K8sErrorCode = (typeof K8sErrorCode)[keyof typeof K8sErrorCode];

/** What to do about each failure; appended to the message so logs carry the fix. */
const HINTS: Record<K8sErrorCode, string> = {
  NVS_ERR_K8S_BAD_REQUEST: 'the request was malformed; check the object or patch being sent',
  NVS_ERR_K8S_UNAUTHORIZED: 'the credentials were rejected; check the kubeconfig user or the service-account token',
  NVS_ERR_K8S_FORBIDDEN: 'RBAC denies this verb; grant it in the ClusterRole of this service',
  NVS_ERR_K8S_NOT_FOUND: 'the object does not exist (or was deleted meanwhile)',
  NVS_ERR_K8S_CONFLICT: 'the object changed since it was read; re-read it and re-apply the change',
  NVS_ERR_K8S_ALREADY_EXISTS: 'an object with this name exists; get it instead of creating it',
  NVS_ERR_K8S_GONE: 'the resourceVersion is too old; re-list and watch from the new version',
  NVS_ERR_K8S_INVALID: 'the API server rejected a field value; see causes in the status details',
  NVS_ERR_K8S_TOO_MANY_REQUESTS: 'throttled (or an eviction blocked by a PodDisruptionBudget); retry after a backoff',
  NVS_ERR_K8S_SERVER_TIMEOUT: 'the API server timed out; retry later',
  NVS_ERR_K8S_SERVICE_UNAVAILABLE: 'the API server is unavailable; retry later',
  NVS_ERR_K8S_INTERNAL: 'the API server failed; retry later and check its logs if it persists',
  NVS_ERR_K8S_NETWORK: 'the API server could not be reached; check the cluster URL in the kubeconfig and the network',
  NVS_ERR_K8S_ABORTED: 'the caller cancelled the operation',
  NVS_ERR_K8S_CONFIG: 'fix the client options (kubeconfig, qps, burst)',
  NVS_ERR_K8S_CONFLICT_RETRIES_EXHAUSTED:
    'another writer kept changing the object; raise the retry budget or find the competing writer',
  NVS_ERR_K8S_QUEUE_SHUT_DOWN: 'the work queue was shut down; stop adding work to it',
  NVS_ERR_K8S_UNKNOWN: 'unexpected failure; see the cause',
};

/** Failures worth retrying unchanged later (the server or network may recover). */
const TRANSIENT: ReadonlySet<K8sErrorCode> = new Set([
  K8sErrorCode.TOO_MANY_REQUESTS,
  K8sErrorCode.SERVER_TIMEOUT,
  K8sErrorCode.SERVICE_UNAVAILABLE,
  K8sErrorCode.INTERNAL,
  K8sErrorCode.NETWORK,
]);

/** The subset of a Kubernetes `meta/v1 Status` we read. */
export interface K8sStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
    retryAfterSeconds?: number;
  };
}

export interface K8sErrorOptions {
  statusCode?: number;
  status?: K8sStatus;
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class K8sError extends NvsError {
  declare readonly code: K8sErrorCode;
  /** `Status.reason` (Conflict, NotFound, TooManyRequests …), when the server sent one. */
  readonly reason: string | undefined;
  readonly status: K8sStatus | undefined;
  /** Server's hint (Retry-After header or `details.retryAfterSeconds`). */
  readonly retryAfterSeconds: number | undefined;

  /** `statusCode` (from the base) is the HTTP status of the response, when there was one. */
  constructor(code: K8sErrorCode, message: string, options: K8sErrorOptions = {}) {
    super(
      code,
      `${code}: ${message} (${HINTS[code]})`,
      { name: 'K8sError', status: options.statusCode, retryable: TRANSIENT.has(code), fix: HINTS[code] },
      { cause: options.cause },
    );
    this.status = options.status;
    this.reason = options.status?.reason;
    this.retryAfterSeconds = options.retryAfterSeconds ?? options.status?.details?.retryAfterSeconds;
  }
}

/** Map (HTTP code, Status.reason) to our code, reason first, like apimachinery's `errors.ReasonForError`. */
export function codeForStatus(statusCode: number | undefined, reason: string | undefined): K8sErrorCode {
  switch (reason) {
    case 'Conflict':
      return K8sErrorCode.CONFLICT;
    case 'AlreadyExists':
      return K8sErrorCode.ALREADY_EXISTS;
    case 'NotFound':
      return K8sErrorCode.NOT_FOUND;
    case 'Gone':
    case 'Expired':
      return K8sErrorCode.GONE;
    case 'Invalid':
      return K8sErrorCode.INVALID;
    case 'TooManyRequests':
      return K8sErrorCode.TOO_MANY_REQUESTS;
    case 'Timeout':
    case 'ServerTimeout':
      return K8sErrorCode.SERVER_TIMEOUT;
    case 'Unauthorized':
      return K8sErrorCode.UNAUTHORIZED;
    case 'Forbidden':
      return K8sErrorCode.FORBIDDEN;
    case 'BadRequest':
      return K8sErrorCode.BAD_REQUEST;
    case 'ServiceUnavailable':
      return K8sErrorCode.SERVICE_UNAVAILABLE;
    case 'InternalError':
      return K8sErrorCode.INTERNAL;
    default:
      break;
  }
  switch (statusCode) {
    case 400:
      return K8sErrorCode.BAD_REQUEST;
    case 401:
      return K8sErrorCode.UNAUTHORIZED;
    case 403:
      return K8sErrorCode.FORBIDDEN;
    case 404:
      return K8sErrorCode.NOT_FOUND;
    case 409:
      return K8sErrorCode.CONFLICT;
    case 410:
      return K8sErrorCode.GONE;
    case 422:
      return K8sErrorCode.INVALID;
    case 429:
      return K8sErrorCode.TOO_MANY_REQUESTS;
    case 503:
      return K8sErrorCode.SERVICE_UNAVAILABLE;
    case 504:
      return K8sErrorCode.SERVER_TIMEOUT;
    default:
      return statusCode !== undefined && statusCode >= 500 ? K8sErrorCode.INTERNAL : K8sErrorCode.UNKNOWN;
  }
}

/** The generated client puts the raw body (usually a JSON string) into `ApiException.body`. */
function parseStatus(body: unknown): K8sStatus | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (value && typeof value === 'object' && (value as K8sStatus).kind === 'Status') return value as K8sStatus;
  return undefined;
}

function retryAfterHeader(headers: Record<string, string> | undefined): number | undefined {
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const seconds = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(seconds) ? seconds : undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Normalise anything thrown by @kubernetes/client-node (ApiException, node-fetch FetchError,
 * AbortError, a watch error carrying `statusCode`) into a `K8sError`. `what` names the operation
 * ("patch node gpu-1") so the message says what failed.
 */
export function toK8sError(err: unknown, what?: string): K8sError {
  if (err instanceof K8sError) return err;
  const prefix = what ? `${what}: ` : '';
  if (err instanceof ApiException) {
    const status = parseStatus(err.body);
    const code = codeForStatus(err.code, status?.reason);
    const detail = status?.message ?? `HTTP ${err.code}`;
    return new K8sError(code, `${prefix}${detail}`, {
      statusCode: err.code,
      status,
      retryAfterSeconds: retryAfterHeader(err.headers) ?? status?.details?.retryAfterSeconds,
      cause: err,
    });
  }
  if (err && typeof err === 'object') {
    const e = err as { name?: string; code?: unknown; statusCode?: unknown; message?: string };
    if (e.name === 'AbortError') {
      return new K8sError(K8sErrorCode.ABORTED, `${prefix}aborted`, { cause: err });
    }
    // Watch failures carry the HTTP code on `statusCode`; watch ERROR events carry a Status object.
    const httpCode = typeof e.statusCode === 'number' ? e.statusCode : typeof e.code === 'number' ? e.code : undefined;
    if (httpCode !== undefined) {
      const status = parseStatus(err);
      return new K8sError(codeForStatus(httpCode, status?.reason), `${prefix}${e.message ?? `HTTP ${httpCode}`}`, {
        statusCode: httpCode,
        status,
        cause: err,
      });
    }
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
      return new K8sError(K8sErrorCode.NETWORK, `${prefix}${e.message ?? e.code}`, { cause: err });
    }
    if (e.name === 'FetchError') {
      return new K8sError(K8sErrorCode.NETWORK, `${prefix}${e.message ?? 'fetch failed'}`, { cause: err });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new K8sError(K8sErrorCode.UNKNOWN, `${prefix}${message}`, { cause: err });
}

function hasCode(err: unknown, code: K8sErrorCode): boolean {
  return err !== undefined && err !== null && toK8sError(err).code === code;
}

export const isConflict = (err: unknown): boolean => hasCode(err, K8sErrorCode.CONFLICT);
export const isNotFound = (err: unknown): boolean => hasCode(err, K8sErrorCode.NOT_FOUND);
export const isAlreadyExists = (err: unknown): boolean => hasCode(err, K8sErrorCode.ALREADY_EXISTS);
export const isGone = (err: unknown): boolean => hasCode(err, K8sErrorCode.GONE);
export const isTooManyRequests = (err: unknown): boolean => hasCode(err, K8sErrorCode.TOO_MANY_REQUESTS);
export const isForbidden = (err: unknown): boolean => hasCode(err, K8sErrorCode.FORBIDDEN);
export const isInvalid = (err: unknown): boolean => hasCode(err, K8sErrorCode.INVALID);

/** Worth retrying the same request later without changing it. */
export const isTransient = (err: unknown): boolean => toK8sError(err).retryable;
