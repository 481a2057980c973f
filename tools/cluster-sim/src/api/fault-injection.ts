import type { FastifyInstance } from 'fastify';
import { StatusError } from '../errors.js';

/**
 * A scripted failure: the next `times` requests matching `method` and `path` are answered with
 * `status` instead of being served. Lets client tests exercise retry paths (429, 500, 503, 409)
 * without contriving cluster state.
 */
export interface FaultRule {
  /** HTTP method to match (GET, PATCH, …); any when omitted. */
  method?: string;
  /** Substring of, or pattern for, the request path+query; any when omitted. */
  path?: string | RegExp;
  status: number;
  /** Status reason; defaults from the HTTP status (TooManyRequests, InternalError, …). */
  reason?: string;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Sent as Retry-After and details.retryAfterSeconds (429/503 style). */
  retryAfterSeconds?: number;
}

const DEFAULT_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  readonly #rules: ActiveRule[] = [];

  /** Adds a rule; the returned function removes it early. */
  add(rule: FaultRule): () => void {
    if (!Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599) {
      throw new Error(`cluster-sim: a fault needs an HTTP error status (400-599), got ${rule.status}`);
    }
    const active: ActiveRule = { rule, remaining: rule.times ?? 1 };
    this.#rules.push(active);
    return () => this.#drop(active);
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Registers the hook that fails matching requests before any route runs. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      const active = this.#rules.find(({ rule }) => matches(rule, request.method, request.url));
      if (!active) return;
      active.remaining -= 1;
      if (active.remaining <= 0) this.#drop(active);
      const { rule } = active;
      const reason = rule.reason ?? DEFAULT_REASONS[rule.status] ?? 'InternalError';
      const error = new StatusError(rule.status, reason, rule.message ?? `injected fault (cluster-sim): ${reason}`, {
        ...(rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : {}),
      });
      if (rule.retryAfterSeconds !== undefined) reply.header('Retry-After', String(rule.retryAfterSeconds));
      return reply.code(rule.status).send(error.toStatus());
    });
  }

  #drop(active: ActiveRule): void {
    const index = this.#rules.indexOf(active);
    if (index !== -1) this.#rules.splice(index, 1);
  }
}

function matches(rule: FaultRule, method: string, url: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? url.includes(rule.path) : rule.path.test(url);
}
