import { type HttpLibrary, Observable, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import type { AgentPool } from './agent-pool.js';
import type { TokenBucket } from './token-bucket.js';
import { describeRequest, type RequestMetricsHooks } from './request-metrics.js';

/**
 * Wraps the generated client's `HttpLibrary` (the single place every typed API call goes through)
 * so that each request first takes a token from the shared bucket and then reports its outcome
 * to the metrics hooks (and uses a pooled keep-alive agent, see AgentPool). A middleware `pre` hook could wait for the token too, but it cannot see
 * the response status or time the round trip, so wrapping the transport is the simpler seam.
 */
export class RateLimitedHttpLibrary implements HttpLibrary {
  readonly #inner: HttpLibrary;
  readonly #limiter: TokenBucket;
  readonly #hooks: RequestMetricsHooks;
  readonly #agents: AgentPool;

  constructor(inner: HttpLibrary, limiter: TokenBucket, hooks: RequestMetricsHooks, agents: AgentPool) {
    this.#inner = inner;
    this.#limiter = limiter;
    this.#hooks = hooks;
    this.#agents = agents;
  }

  send(request: RequestContext): Observable<ResponseContext> {
    return new Observable(this.#send(request));
  }

  async #send(request: RequestContext): Promise<ResponseContext> {
    const throttledMs = await this.#limiter.acquire(request.getSignal());
    const agent = request.getAgent();
    if (agent) request.setAgent(this.#agents.resolve(agent));
    const started = performance.now();
    let statusCode: number | undefined;
    try {
      const response = await this.#inner.send(request).toPromise();
      statusCode = response.httpStatusCode;
      return response;
    } finally {
      this.#hooks.onRequest?.({
        ...describeRequest(request.getHttpMethod().toString(), request.getUrl()),
        statusCode,
        throttledMs,
        durationMs: performance.now() - started,
      });
    }
  }
}
