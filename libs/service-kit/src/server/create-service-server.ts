/**
 * The HTTP side every service shares, on one port like upstream (2112): `/healthz` (liveness),
 * `/readyz` (readiness) and `/metrics` (Prometheus). Services may add their own routes on `app`.
 */
import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createLogger, moduleLogger, type Logger } from '../logging/create-logger.js';
import { createMetricsRegistry } from './metrics.js';
import { Readiness, type ReadinessCheck, type ReadinessCheckOptions } from './readiness.js';

export const DEFAULT_METRICS_PORT = 2112;

export interface ServiceServerOptions {
  /** Service name; a logger is created under it when none is given. */
  name: string;
  /** Default 2112 (upstream `--metrics-port`); 0 picks a free port. */
  port?: number;
  /** Default `0.0.0.0` so the kubelet and Prometheus can reach it from outside the pod. */
  host?: string;
  logger?: Logger;
  /** Default: a fresh registry with the process metrics collected. */
  registry?: Registry;
  readinessChecks?: Record<string, ReadinessCheck | { check: ReadinessCheck; timeoutMs?: number }>;
}

export interface ServiceServer {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly readiness: Readiness;
  addReadinessCheck(name: string, check: ReadinessCheck, options?: ReadinessCheckOptions): void;
  /** Dependencies are up; `/readyz` now reflects the checks. */
  markStarted(): void;
  /** Shutdown began; `/readyz` answers 503 from now on. */
  markStopping(): void;
  /** Starts listening; resolves to the bound address, e.g. `http://0.0.0.0:2112`. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export function createServiceServer(options: ServiceServerOptions): ServiceServer {
  const logger = options.logger ?? createLogger({ name: options.name });
  const registry = options.registry ?? createMetricsRegistry();
  const readiness = new Readiness();
  for (const [name, entry] of Object.entries(options.readinessChecks ?? {})) {
    if (typeof entry === 'function') readiness.add(name, entry);
    else readiness.add(name, entry.check, { timeoutMs: entry.timeoutMs });
  }

  // Typed as fastify's base logger so `app` is the plain FastifyInstance apps and plugins expect.
  const httpLogger: FastifyBaseLogger = moduleLogger(logger, 'http');
  const app: FastifyInstance = fastify({ loggerInstance: httpLogger });

  // Probes arrive every few seconds; log them only when something goes wrong.
  const probe = { logLevel: 'warn' } as const;

  // Liveness must never depend on the datastore or the API server: a dependency outage would
  // otherwise restart every replica at once. Answering at all proves the event loop turns.
  app.get('/healthz', probe, async () => ({ status: 'ok' }));

  app.get('/readyz', probe, async (_request, reply) => {
    const report = await readiness.evaluate();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', ...report });
  });

  app.get('/metrics', probe, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(body);
  });

  return {
    app,
    registry,
    readiness,
    addReadinessCheck: (name, check, checkOptions) => readiness.add(name, check, checkOptions),
    markStarted: () => readiness.markStarted(),
    markStopping: () => readiness.markStopping(),
    listen: () => app.listen({ port: options.port ?? DEFAULT_METRICS_PORT, host: options.host ?? '0.0.0.0' }),
    close: () => app.close(),
  };
}
