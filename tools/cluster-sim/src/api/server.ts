import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Cluster } from '../cluster.js';
import { StatusError, badRequest } from '../errors.js';
import { SIMULATED_VERSION, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { PATCH_CONTENT_TYPES } from './patch-request.js';
import { parseRequestPath } from './request-path.js';
import { handleResourceRequest } from './resource-routes.js';
import type { OpenWatch } from './watch-stream.js';
import type { ValidatingAdmission } from '../admission/validating-webhooks.js';

export interface ApiServerOptions {
  bookmarkIntervalMs: number;
  /** Extra routes (simulation controls) and hooks (fault injection) registered before the API routes. */
  extraRoutes?: (app: FastifyInstance) => void;
  logger?: boolean;
  /** Validating admission webhooks (ValidatingWebhookConfiguration objects). */
  admission?: ValidatingAdmission;
}

export interface ApiServer {
  app: FastifyInstance;
  openWatches: Set<OpenWatch>;
}

const FRAMEWORK_REASONS: Record<number, string> = {
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  404: 'NotFound',
  405: 'MethodNotAllowed',
};

const JSON_BODY_TYPES = [
  'application/json',
  PATCH_CONTENT_TYPES.json,
  PATCH_CONTENT_TYPES.merge,
  PATCH_CONTENT_TYPES.strategic,
];

function parseJsonBody(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** The fastify app: JSON bodies of every patch flavour, Status-shaped errors, discovery, resources. */
export function buildApiServer(cluster: Cluster, options: ApiServerOptions): ApiServer {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 3 * 1024 * 1024, forceCloseConnections: true });
  const openWatches = new Set<OpenWatch>();

  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(JSON_BODY_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Anything else (apply-patch YAML, protobuf) is kept raw so the handler can answer 415 clearly.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError | StatusError, _request, reply) => {
    if (error instanceof StatusError) return reply.code(error.code).send(error.toStatus());
    // Failures fastify itself detects (body too large, unparsable content type) keep their code.
    const code = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    const status = new StatusError(
      code,
      FRAMEWORK_REASONS[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'),
      error.message,
    );
    return reply.code(code).send(status.toStatus());
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(
        new StatusError(
          404,
          'NotFound',
          `the server could not find the requested resource (${request.method} ${request.url})`,
        ).toStatus(),
      );
  });

  for (const probe of ['/healthz', '/readyz', '/livez'])
    app.get(probe, async (_request, reply) => reply.type('text/plain').send('ok'));
  app.get('/version', async () => SIMULATED_VERSION);
  options.extraRoutes?.(app);

  const serve = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const pathname = request.url.split('?')[0]!;
    const parsed = parseRequestPath(pathname, cluster.registry);
    switch (parsed.kind) {
      case 'discovery-root':
        return apiVersions(request.host);
      case 'discovery-groups':
        return apiGroupList(cluster.registry);
      case 'discovery-group':
        return apiGroup(cluster.registry, parsed.group);
      case 'discovery-resources':
        return apiResourceList(cluster.registry, parsed.group, parsed.version);
      case 'resource':
        return handleResourceRequest(cluster, parsed.request, request, reply, {
          bookmarkIntervalMs: options.bookmarkIntervalMs,
          openWatches,
          ...(options.admission ? { admission: options.admission } : {}),
        });
      case 'unknown':
        throw new StatusError(
          404,
          'NotFound',
          `the server could not find the requested resource (${request.method} ${pathname})`,
        );
    }
  };
  for (const prefix of ['/api', '/api/*', '/apis', '/apis/*']) app.all(prefix, serve);
  return { app, openWatches };
}
