/**
 * Request metrics hooks. The library does not depend on a metrics system: services pass hooks
 * that feed prom-client (or anything else); tests use `RequestCounter`.
 */
export interface RequestRecord {
  method: string;
  /** URL path without the query string, e.g. `/api/v1/nodes/gpu-1`. */
  path: string;
  /** Kubernetes verb derived from method + path: get, list, watch, create, update, patch, delete. */
  verb: string;
  /** Resource (with subresource), e.g. `nodes`, `nodes/status`, `pods/eviction`. */
  resource: string;
  /** HTTP status, or undefined when no response arrived (network failure, abort). */
  statusCode: number | undefined;
  /** Time spent waiting for the client-side rate limiter. */
  throttledMs: number;
  /** Time from sending the request to receiving the response headers. */
  durationMs: number;
}

export interface RequestMetricsHooks {
  /** Called once per request after it completes (successfully or not). Must not throw. */
  onRequest?(record: RequestRecord): void;
}

/** Parse a Kubernetes REST path into (resource, name) and derive the verb. */
export function describeRequest(
  method: string,
  url: string,
): Pick<RequestRecord, 'method' | 'path' | 'verb' | 'resource'> {
  const parsed = new URL(url, 'http://placeholder');
  const segments = parsed.pathname.split('/').filter(Boolean);
  // /api/<version>/… or /apis/<group>/<version>/…
  let rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : segments;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource = '', name, subresource] = rest;
  const upper = method.toUpperCase();
  const isWatch = parsed.searchParams.get('watch') === 'true' || parsed.searchParams.get('watch') === '1';
  let verb: string;
  switch (upper) {
    case 'GET':
      verb = isWatch ? 'watch' : name === undefined ? 'list' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      verb = upper.toLowerCase();
  }
  return {
    method: upper,
    path: parsed.pathname,
    verb,
    resource: subresource ? `${resource}/${subresource}` : resource,
  };
}

/** Counts requests by `verb resource` and status; handy in tests and for quick diagnostics. */
export class RequestCounter implements RequestMetricsHooks {
  readonly records: RequestRecord[] = [];

  onRequest(record: RequestRecord): void {
    this.records.push(record);
  }

  get total(): number {
    return this.records.length;
  }

  /** Number of requests matching verb (and resource, and status code, when given). */
  count(verb?: string, resource?: string, statusCode?: number): number {
    return this.records.filter(
      (r) =>
        (verb === undefined || r.verb === verb) &&
        (resource === undefined || r.resource === resource) &&
        (statusCode === undefined || r.statusCode === statusCode),
    ).length;
  }

  reset(): void {
    this.records.length = 0;
  }
}

/** Fan a record out to several hooks, isolating each hook's failures from the request path. */
export function combineHooks(hooks: ReadonlyArray<RequestMetricsHooks | undefined>): RequestMetricsHooks {
  const active = hooks.filter((h): h is RequestMetricsHooks => h?.onRequest !== undefined);
  return {
    onRequest(record) {
      for (const hook of active) {
        try {
          hook.onRequest!(record);
        } catch {
          // A broken metrics hook must never fail a cluster operation.
        }
      }
    },
  };
}
