import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ResourceRegistry } from '../resources/registry.js';
import { parseRequestPath } from './request-path.js';

/**
 * One Kubernetes API request as an API server's audit log would describe it for RBAC: who asked
 * (the User-Agent, which our services set per service), the RBAC verb, API group, resource (with
 * subresource), namespace and name. Tests use it to check what a service calls against the
 * ClusterRole and Role a chart grants it.
 */
export interface ApiRequestRecord {
  userAgent: string;
  method: string;
  /** RBAC verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  /** API group, '' for the core group. */
  group: string;
  /** Plural resource, with `/subresource` when one is addressed (`pods/eviction`, `nodes/status`). */
  resource: string;
  namespace?: string;
  name?: string;
  /** HTTP status of the answer; undefined while a watch is still open. */
  code?: number;
}

/** Every /api and /apis request except discovery, in arrival order. */
export class RequestLog {
  readonly records: ApiRequestRecord[] = [];
  readonly #pending = new WeakMap<FastifyRequest, ApiRequestRecord>();

  constructor(private readonly registry: ResourceRegistry) {}

  clear(): void {
    this.records.length = 0;
  }

  /** Records of one client, by User-Agent. */
  of(userAgent: string): ApiRequestRecord[] {
    return this.records.filter((r) => r.userAgent === userAgent);
  }

  /** Registers the hooks; recorded before fault injection, so a refused request still shows who tried. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      const record = this.#describe(request.method, request.url, request.headers['user-agent'] ?? '');
      if (!record) return;
      this.records.push(record);
      this.#pending.set(request, record);
    });
    app.addHook('onResponse', async (request, reply) => {
      const record = this.#pending.get(request);
      if (record) record.code = reply.statusCode;
    });
  }

  #describe(method: string, url: string, userAgent: string): ApiRequestRecord | undefined {
    const [pathname = '', query = ''] = url.split('?');
    if (!pathname.startsWith('/api')) return undefined;
    let parsed;
    try {
      parsed = parseRequestPath(pathname, this.registry);
    } catch {
      return undefined;
    }
    const params = new URLSearchParams(query);
    const watchParam = params.get('watch') === 'true' || params.get('watch') === '1';
    let group: string;
    let resource: string;
    let namespace: string | undefined;
    let name: string | undefined;
    let watch = watchParam;
    if (parsed.kind === 'resource') {
      const r = parsed.request;
      group = r.type.group;
      resource = r.subresource ? `${r.type.plural}/${r.subresource}` : r.type.plural;
      namespace = r.namespace;
      name = r.name;
      watch ||= r.legacyWatch;
    } else if (parsed.kind === 'unknown') {
      // Routes served outside the registry (TokenReview): `/apis/<group>/<version>/<resource>`.
      const segments = pathname.split('/').filter(Boolean);
      if (segments[0] !== 'apis' || segments.length !== 4) return undefined;
      group = segments[1]!;
      resource = segments[3]!;
    } else {
      return undefined; // discovery: every authenticated client may read it (system:discovery)
    }
    return {
      userAgent,
      method,
      verb: rbacVerb(method, name, watch),
      group,
      resource,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
    };
  }
}

function rbacVerb(method: string, name: string | undefined, watch: boolean): string {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}
