/**
 * HTTP ingest for scripts, tests and monitors that prefer JSON, on its own port (default 8080;
 * /metrics and the probes stay on 2112). `POST /api/v1/health-events` takes upstream's proto3
 * JSON (`{ "events": [...] }`) and answers 200 only once the batch is stored; 400 lists every
 * problem; 503 carries Retry-After. `GET /api/v1/health-events?node=` shows what was stored;
 * `GET /api/v1/maintenance-events[?node=]` shows the stored CSP maintenance events (the
 * `nvsentinel maintenance list` command: the embedded datastore is only reachable through here).
 */
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { maintenanceEventFromDocument, toProtoJson, type HealthEventWithStatus } from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import {
  BodyInvalidError,
  InternalError,
  QueryInvalidError,
  isConnectorError,
  issuesOf,
  retryAfterOf,
} from '../errors.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';

interface StoredEventReader {
  findHealthEventsByNode(nodeName: string): Promise<HealthEventWithStatus[]>;
}

/** The maintenance-event store's read side (csp-health-monitor writes it). */
interface StoredMaintenanceReader {
  aggregate(pipeline: Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>>;
}

export interface HttpServerOptions {
  pipeline: IngestPipeline;
  reader: StoredEventReader;
  /** Serves GET MAINTENANCE_EVENTS_ROUTE when given. */
  maintenanceReader?: StoredMaintenanceReader;
  logger: Logger;
  port?: number;
  host?: string;
  /** Largest accepted body; default 16 MiB. */
  bodyLimitBytes?: number;
}

export const HEALTH_EVENTS_ROUTE = '/api/v1/health-events';
export const MAINTENANCE_EVENTS_ROUTE = '/api/v1/maintenance-events';
const DEFAULT_LIST_LIMIT = 100;

export class HttpIngestServer {
  readonly app: FastifyInstance;
  readonly #options: HttpServerOptions;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.app = fastify({
      loggerInstance: options.logger as FastifyBaseLogger,
      bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024,
    });
    // Body parsing failures (bad JSON, wrong content type, too large) get the same error shape
    // as validation failures, with a hint, instead of fastify's internal codes.
    this.app.setErrorHandler((error: { statusCode?: number; message: string; code?: string }, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) options.logger.error({ err: error }, 'unexpected HTTP ingest failure');
      const answer =
        status === 500
          ? new InternalError(error.message)
          : new BodyInvalidError(error.message, this.app.initialConfig.bodyLimit);
      return reply.code(status).send({
        code: answer.code,
        message: answer.message,
        ...(error.code ? { cause: error.code } : {}),
      });
    });
    // Per-request logs at 20k events/s would cost more than the ingest itself; failures still log.
    const quiet = { logLevel: 'warn' } as const;
    this.app.post(HEALTH_EVENTS_ROUTE, quiet, async (request, reply) => {
      try {
        const { ids } = await options.pipeline.ingestJson(request.body);
        return { stored: ids.length, ids };
      } catch (err) {
        return sendError(reply, err, options.logger);
      }
    });
    this.app.get<{ Querystring: { node?: string; limit?: string } }>(
      HEALTH_EVENTS_ROUTE,
      quiet,
      async (request, reply) => {
        const node = request.query.node?.trim();
        if (!node) {
          const err = new QueryInvalidError("query parameter 'node' is required, e.g. ?node=gpu-node-1");
          return reply.code(err.statusCode).send({ code: err.code, message: err.message });
        }
        const limit = Number(request.query.limit ?? DEFAULT_LIST_LIMIT);
        if (!Number.isInteger(limit) || limit < 1) {
          const err = new QueryInvalidError(`'limit' must be a positive integer, got '${request.query.limit}'`);
          return reply.code(err.statusCode).send({ code: err.code, message: err.message });
        }
        const stored = await options.reader.findHealthEventsByNode(node);
        stored.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
        return {
          node,
          total: stored.length,
          events: stored.slice(0, limit).map((e) => ({
            id: e.id,
            createdAt: e.createdAt.toISOString(),
            healthEvent: toProtoJson(e.healthEvent),
            healthEventStatus: e.healthEventStatus,
          })),
        };
      },
    );
    const maintenance = options.maintenanceReader;
    if (maintenance) {
      this.app.get<{ Querystring: { node?: string } }>(MAINTENANCE_EVENTS_ROUTE, quiet, async (request) => {
        const node = request.query.node?.trim();
        const docs = await maintenance.aggregate([
          { $match: node ? { nodeName: node } : {} },
          { $sort: { scheduledStartTime: 1, eventId: 1 } },
        ]);
        // Dates become ISO strings in the JSON answer.
        return { events: docs.map((doc) => maintenanceEventFromDocument(doc)) };
      });
    }
  }

  /** Listens; resolves to the bound address (port 0 picks a free port). */
  listen(): Promise<string> {
    return this.app.listen({ port: this.#options.port ?? 8080, host: this.#options.host ?? '0.0.0.0' });
  }

  /**
   * Stops accepting requests and lets running ones finish. Node closes idle keep-alive
   * connections only once, when closing starts; connections whose request finishes afterwards
   * would linger until the keep-alive timeout, so they are swept as they turn idle, and after
   * `graceMs` whatever is left is cut.
   */
  async close(graceMs = 5000): Promise<void> {
    const server = this.app.server;
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    try {
      await this.app.close();
    } finally {
      clearInterval(sweep);
      clearTimeout(force);
    }
  }
}

function sendError(reply: FastifyReply, err: unknown, logger: Logger): FastifyReply {
  if (!isConnectorError(err)) {
    logger.error({ err }, 'unexpected ingest failure');
    const internal = new InternalError(err instanceof Error ? err.message : String(err));
    return reply.code(internal.statusCode).send({ code: internal.code, message: internal.message });
  }
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  const issues = issuesOf(err);
  return reply.code(err.statusCode).send({
    code: err.code,
    message: err.message,
    retryable: err.retryable,
    ...(issues.length > 0 ? { issues } : {}),
  });
}
