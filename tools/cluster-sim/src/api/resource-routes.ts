import type { FastifyReply, FastifyRequest } from 'fastify';
import { evictPod } from '../behaviour/eviction.js';
import type { Cluster } from '../cluster.js';
import { methodNotAllowed, notFound } from '../errors.js';
import { isPlainObject, type KubeObject } from '../resources/kube-object.js';
import type { DeleteOptions } from '../resources/resource-service.js';
import { compileFieldSelector } from '../selectors/field-selector.js';
import { compileLabelSelector } from '../selectors/label-selector.js';
import { applyPatchRequest } from './patch-request.js';
import { buildTable, parseIncludeObject, wantsTable, type IncludeObject } from './table/table.js';
import { queryBoolean, queryDryRun, queryInteger, queryString, type Query } from './query.js';
import type { ResourceRequestPath } from './request-path.js';
import { parseWatchStart, startWatch, type OpenWatch } from './watch-stream.js';
import type { AdmissionOperation, ValidatingAdmission } from '../admission/validating-webhooks.js';

export interface ResourceRouteOptions {
  bookmarkIntervalMs: number;
  openWatches: Set<OpenWatch>;
  /** Validating admission webhooks, called before create/update/delete are stored. */
  admission?: ValidatingAdmission;
}

function selectorFilter(path: ResourceRequestPath, query: Query): (object: KubeObject) => boolean {
  const labels = compileLabelSelector(queryString(query, 'labelSelector'));
  const fields = compileFieldSelector(queryString(query, 'fieldSelector'), path.type.fieldSelectors, path.type.kind);
  // Field paths name the client's view of the object, which differs from storage for converted types.
  const view = path.type.storedAs ? path.type.storedAs.fromStorage : (object: KubeObject) => object;
  return (object) => labels(object.metadata.labels) && fields(view(object));
}

function deleteOptions(query: Query, body: unknown): DeleteOptions {
  const options: DeleteOptions = {};
  const fromBody = isPlainObject(body) ? body : {};
  const grace =
    queryInteger(query, 'gracePeriodSeconds') ??
    (typeof fromBody.gracePeriodSeconds === 'number' ? fromBody.gracePeriodSeconds : undefined);
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  if (isPlainObject(fromBody.preconditions))
    options.preconditions = fromBody.preconditions as DeleteOptions['preconditions'] & object;
  return options;
}

function dryRunRequested(query: Query, body: unknown): boolean {
  if (queryDryRun(query)) return true;
  return isPlainObject(body) && Array.isArray(body.dryRun) && body.dryRun.includes('All');
}

/** Everything one request's handlers share. */
interface RequestContext {
  cluster: Cluster;
  path: ResourceRequestPath;
  request: FastifyRequest;
  reply: FastifyReply;
  query: Query;
  options: ResourceRouteOptions;
  /** The stored object as this request's group/version shows it. */
  present(object: KubeObject): KubeObject;
  /** Set when the client asked for meta.k8s.io Table output (kubectl get). */
  include: IncludeObject | undefined;
}

/**
 * Serves every registered resource with the same handlers: list/watch/create/deletecollection on
 * collections; get/update/patch/delete on objects; the status subresource; pods/eviction.
 */
export async function handleResourceRequest(
  cluster: Cluster,
  path: ResourceRequestPath,
  request: FastifyRequest,
  reply: FastifyReply,
  options: ResourceRouteOptions,
): Promise<unknown> {
  const query = request.query as Query;
  const context: RequestContext = {
    cluster,
    path,
    request,
    reply,
    query,
    options,
    present: (object) => cluster.service.present(object, path.type, path.version),
    include: wantsTable(request.headers.accept) ? parseIncludeObject(queryString(query, 'includeObject')) : undefined,
  };
  if (path.name === undefined) return handleCollection(context);
  if (path.subresource === 'eviction' && path.type.group === '' && path.type.plural === 'pods')
    return handleEviction(context, path.name);
  return handleObject(context, path.name);
}

async function handleCollection(context: RequestContext): Promise<unknown> {
  const { cluster, path, request, reply, query, present } = context;
  const { type, namespace } = path;
  const service = cluster.service;
  const inNamespace = namespace !== undefined ? { namespace } : {};
  switch (request.method) {
    case 'GET':
      return path.legacyWatch || queryBoolean(query, 'watch') ? openWatch(context) : listCollection(context);
    case 'POST': {
      if (type.namespaced && namespace === undefined)
        throw methodNotAllowed(`create ${type.plural} under /namespaces/{namespace}/${type.plural}`);
      const dryRun = dryRunRequested(query, undefined);
      if (admissionActive(context)) {
        // The webhook sees the object as it would be stored (name generated, defaults applied).
        const candidate = service.create(type, namespace, request.body, { dryRun: true });
        await admit(context, 'CREATE', candidate.metadata.name, { object: present(candidate), dryRun });
      }
      const created = service.create(type, namespace, request.body, { dryRun });
      return reply.code(201).send(present(created));
    }
    case 'DELETE': {
      const options = { ...deleteOptions(query, request.body), dryRun: dryRunRequested(query, request.body) };
      const items = service.list(type, { ...inNamespace, filter: selectorFilter(path, query) }).items;
      if (admissionActive(context)) {
        for (const item of items)
          await admit(context, 'DELETE', item.metadata.name, {
            oldObject: present(item),
            dryRun: options.dryRun,
            namespace: item.metadata.namespace,
          });
      }
      const removed = items.map((item) =>
        present(service.delete(type, item.metadata.namespace, item.metadata.name!, options).object),
      );
      return {
        kind: type.listKind,
        apiVersion: present({ metadata: {} }).apiVersion,
        metadata: { resourceVersion: String(cluster.store.revision) },
        items: removed,
      };
    }
    default:
      throw methodNotAllowed(`${request.method} is not supported on the ${type.plural} collection`);
  }
}

function listCollection(context: RequestContext): unknown {
  const { cluster, path, query, present, include } = context;
  const { type, namespace } = path;
  const limit = queryInteger(query, 'limit');
  const continueToken = queryString(query, 'continue');
  const result = cluster.service.list(type, {
    ...(namespace !== undefined ? { namespace } : {}),
    filter: selectorFilter(path, query),
    ...(limit !== undefined ? { limit } : {}),
    ...(continueToken ? { continueToken } : {}),
  });
  const metadata = {
    resourceVersion: result.resourceVersion,
    ...(result.continueToken ? { continue: result.continueToken, remainingItemCount: result.remainingItemCount } : {}),
  };
  if (include)
    return {
      ...buildTable(type, result.items.map(present), result.resourceVersion, cluster.clock.now().getTime(), include),
      metadata,
    };
  return {
    kind: type.listKind,
    apiVersion: present({ metadata: {} }).apiVersion,
    metadata,
    // Like the real API, items of built-in lists omit apiVersion/kind; custom resources keep them.
    items: result.items.map((item) => {
      const shown = present(item);
      if (type.custom) return shown;
      const { apiVersion: _apiVersion, kind: _kind, ...rest } = shown;
      return rest;
    }),
  };
}

function openWatch(context: RequestContext): FastifyReply {
  const { cluster, path, query, reply, options, include } = context;
  const { type, version, namespace } = path;
  // Everything that can fail with a 400 runs before the response is committed.
  const matches = selectorFilter(path, query);
  const resourceVersion = queryString(query, 'resourceVersion');
  parseWatchStart(resourceVersion);
  const timeoutSeconds = queryInteger(query, 'timeoutSeconds');
  reply.hijack();
  const watch = startWatch(
    reply.raw,
    cluster.service,
    {
      type,
      version,
      ...(namespace !== undefined ? { namespace } : {}),
      matches,
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      allowBookmarks: queryBoolean(query, 'allowWatchBookmarks'),
      sendInitialEvents: queryBoolean(query, 'sendInitialEvents'),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      ...(include
        ? {
            render: (object: KubeObject) =>
              buildTable(type, [object], object.metadata.resourceVersion ?? '', cluster.clock.now().getTime(), include),
          }
        : {}),
    },
    () => options.openWatches.delete(watch),
  );
  options.openWatches.add(watch);
  return reply;
}

function handleEviction(context: RequestContext, name: string): unknown {
  const { cluster, path, request, reply, query } = context;
  if (request.method !== 'POST') throw methodNotAllowed('pods/eviction only supports POST (create)');
  const deleteOptionsBody = isPlainObject(request.body) ? request.body.deleteOptions : undefined;
  const status = evictPod(cluster.service, path.type, cluster.disruption, {
    namespace: path.namespace!,
    name,
    body: request.body,
    dryRun: dryRunRequested(query, deleteOptionsBody),
  });
  return reply.code(201).send(status);
}

async function handleObject(context: RequestContext, name: string): Promise<unknown> {
  const { cluster, path, request, reply, query, present, include } = context;
  const { type, namespace, subresource } = path;
  const service = cluster.service;
  if (subresource !== undefined && !(subresource === 'status' && type.hasStatusSubresource)) {
    throw notFound({ group: type.group, plural: `${type.plural}/${subresource}`, kind: type.kind }, name);
  }
  const statusOnly = subresource === 'status' ? 'status' : undefined;
  const dryRun = { dryRun: dryRunRequested(query, undefined) };
  switch (request.method) {
    case 'GET': {
      const object = service.get(type, namespace, name);
      return include
        ? buildTable(type, [present(object)], String(cluster.store.revision), cluster.clock.now().getTime(), include)
        : present(object);
    }
    case 'PUT':
      await admitUpdate(context, name, request.body, statusOnly);
      return present(service.update(type, namespace, name, request.body, statusOnly, dryRun));
    case 'PATCH': {
      // Like the API server's GuaranteedUpdate: when the object changed while a webhook was
      // deciding, the patch is applied again to the new version (and admitted again).
      for (let attempt = 0; ; attempt++) {
        const stored = service.get(type, namespace, name);
        const current = present(stored);
        const patched = applyPatchRequest(type, current, request.headers['content-type'], request.body);
        await admitUpdate(context, name, patched, statusOnly);
        if (
          attempt < 5 &&
          service.get(type, namespace, name).metadata.resourceVersion !== stored.metadata.resourceVersion
        )
          continue;
        return present(service.update(type, namespace, name, patched, statusOnly, dryRun));
      }
    }
    case 'DELETE': {
      if (statusOnly) throw methodNotAllowed('the status subresource cannot be deleted');
      const options = { ...deleteOptions(query, request.body), dryRun: dryRunRequested(query, request.body) };
      if (admissionActive(context))
        await admit(context, 'DELETE', name, {
          oldObject: present(service.get(type, namespace, name)),
          dryRun: options.dryRun,
        });
      const result = service.delete(type, namespace, name, options);
      return reply.code(result.removed ? 200 : 202).send(present(result.object));
    }
    default:
      throw methodNotAllowed(`${request.method} is not supported on ${type.plural}/${name}`);
  }
}

function admissionActive(context: RequestContext): boolean {
  return context.options.admission !== undefined && !context.options.admission.idle;
}

function admit(
  context: RequestContext,
  operation: AdmissionOperation,
  name: string | undefined,
  input: { object?: KubeObject; oldObject?: KubeObject; dryRun: boolean; subresource?: string; namespace?: string },
): Promise<void> {
  const { path } = context;
  return context.options.admission!.admit({
    type: path.type,
    version: path.version,
    namespace: input.namespace ?? path.namespace,
    name,
    operation,
    ...(input.subresource ? { subresource: input.subresource } : {}),
    ...(input.object ? { object: input.object } : {}),
    ...(input.oldObject ? { oldObject: input.oldObject } : {}),
    dryRun: input.dryRun,
  });
}

/** An update is admitted with the object as it would be stored (a dry run) and the current one. */
async function admitUpdate(
  context: RequestContext,
  name: string,
  body: unknown,
  statusOnly: 'status' | undefined,
): Promise<void> {
  if (!admissionActive(context)) return;
  const { cluster, path, present, query } = context;
  const current = cluster.service.get(path.type, path.namespace, name);
  const candidate = cluster.service.update(path.type, path.namespace, name, body, statusOnly, { dryRun: true });
  await admit(context, 'UPDATE', name, {
    object: present(candidate),
    oldObject: present(current),
    dryRun: dryRunRequested(query, undefined),
    ...(statusOnly ? { subresource: statusOnly } : {}),
  });
}
