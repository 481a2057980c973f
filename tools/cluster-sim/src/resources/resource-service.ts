import { randomUUID } from 'node:crypto';
import type { SimClock } from '../clock.js';
import {
  STALE_OBJECT_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  type StatusCause,
} from '../errors.js';
import type { ObjectStore } from '../store/object-store.js';
import { cloneObject, deepEqual, isPlainObject, type KubeObject } from './kube-object.js';
import { apiVersionOf, storageKey, type ResourceType } from './resource-type.js';
import { metadataCauses } from './validation.js';
import { decodeContinue, encodeContinue, itemKey } from './continue-token.js';

/** Per-type behaviour plugged into the generic handlers; only types with real special logic have hooks. */
export interface ResourceHooks {
  /** Fill defaults before first store (e.g. pod phase); may throw a StatusError. */
  beforeCreate?(object: KubeObject): void;
  /** Extra validation on create and update; returned causes become a 422 Invalid. */
  validate?(object: KubeObject, previous: KubeObject | undefined): StatusCause[];
  /** Grace period a DELETE gets (pods: terminationGracePeriodSeconds); 0 or absent = immediate. */
  gracePeriodSeconds?(object: KubeObject, requested: number | undefined): number;
  /** Runs after the object started graceful deletion (deletionTimestamp set, grace > 0). */
  afterGracefulDelete?(object: KubeObject, graceSeconds: number): void;
  afterCreate?(object: KubeObject): void;
  afterUpdate?(object: KubeObject, previous: KubeObject): void;
  afterDelete?(object: KubeObject): void;
}

/** `dryRun` runs every check and returns the would-be result without storing it (`?dryRun=All`). */
export interface WriteOptions {
  dryRun?: boolean;
  /** Keep metadata.uid from the body (scenario loading only; the API always assigns a fresh one). */
  preserveUid?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  object: KubeObject;
  /** False when the object lingers (finalizers or grace period) — the API answers 202 then. */
  removed: boolean;
}

export interface ListOptions {
  namespace?: string;
  filter?: (object: KubeObject) => boolean;
  limit?: number;
  /** Opaque token from a previous page: the last key returned. */
  continueToken?: string;
}

export interface ListResult {
  /** The stored objects, deeply frozen: copy one (cloneObject) before changing it. */
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function specOf(object: KubeObject): unknown {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

function sameIgnoringResourceVersion(a: KubeObject, b: KubeObject): boolean {
  const strip = (object: KubeObject): KubeObject => ({
    ...object,
    metadata: { ...object.metadata, resourceVersion: '' },
  });
  return deepEqual(strip(a), strip(b));
}

/**
 * The generic API semantics shared by every resource: create/get/list/update/patch/delete with
 * resourceVersion preconditions, generation, uid, timestamps, finalizers and graceful deletion.
 * HTTP routing lives elsewhere; this class speaks objects and StatusErrors.
 */
export class ResourceService {
  readonly #store: ObjectStore;
  readonly #clock: SimClock;
  readonly #hooks = new Map<string, ResourceHooks>();
  readonly #namespaceCheck: (namespace: string) => boolean;

  constructor(store: ObjectStore, clock: SimClock, namespaceExists: (namespace: string) => boolean) {
    this.#store = store;
    this.#clock = clock;
    this.#namespaceCheck = namespaceExists;
  }

  get store(): ObjectStore {
    return this.#store;
  }

  /** The simulated clock's current time as a Kubernetes timestamp. */
  now(): string {
    return this.#clock.timestamp();
  }

  setHooks(type: Pick<ResourceType, 'group' | 'plural' | 'storedAs'>, hooks: ResourceHooks): void {
    this.#hooks.set(storageKey(type), hooks);
  }

  /**
   * A stored object as the client's type and version shows it: converted when the type is a view
   * of another storage shape, and with that version's apiVersion/kind.
   */
  present(object: KubeObject, type: ResourceType, version: string = type.versions[0]!): KubeObject {
    const converted = type.storedAs ? type.storedAs.fromStorage(object) : object;
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = converted;
    return { apiVersion: apiVersionOf(type.group, version), kind: type.kind, ...rest } as KubeObject;
  }

  /** The stored shape of an object sent through `type` (the inverse of present). */
  #toStored(object: KubeObject, type: ResourceType): KubeObject {
    return this.#withStorageHeader(type.storedAs ? type.storedAs.toStorage(object) : object, type);
  }

  /** Stored objects carry the storage's apiVersion/kind (the first version of their own type). */
  #withStorageHeader(object: KubeObject, type: ResourceType): KubeObject {
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
    const apiVersion = type.storedAs ? type.storedAs.apiVersion : apiVersionOf(type.group, type.versions[0]!);
    return { apiVersion, kind: type.storedAs ? type.storedAs.kind : type.kind, ...rest } as KubeObject;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.#store.get(storageKey(type), this.#scope(type, namespace), name);
    if (!object) throw notFound(type, name);
    return object;
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#store.get(storageKey(type), this.#scope(type, namespace), name);
  }

  list(type: ResourceType, options: ListOptions = {}): ListResult {
    const resourceVersion = String(this.#store.revision);
    let items = this.#store.list(storageKey(type), this.#scope(type, options.namespace), options.filter);
    if (options.continueToken) {
      const after = decodeContinue(options.continueToken);
      items = items.filter((item) => itemKey(item) > after);
    }
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const page = items.slice(0, options.limit);
      return {
        items: page,
        resourceVersion,
        continueToken: encodeContinue(itemKey(page[page.length - 1]!)),
        remainingItemCount: items.length - page.length,
      };
    }
    return { items, resourceVersion };
  }

  create(type: ResourceType, namespace: string | undefined, body: unknown, options: WriteOptions = {}): KubeObject {
    const object = this.#toStored(this.#requireObject(type, body), type);
    const metadata = object.metadata;
    if (type.namespaced) {
      if (!namespace)
        throw badRequest(`${type.kind} is namespaced: create it under /namespaces/{namespace}/${type.plural}`);
      if (metadata.namespace && metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (!this.#namespaceCheck(namespace)) {
        throw notFound({ group: '', plural: 'namespaces', kind: 'Namespace' }, namespace);
      }
      metadata.namespace = namespace;
    } else {
      delete metadata.namespace;
    }
    if (!metadata.name) {
      if (!metadata.generateName)
        throw invalid(type, '', [
          { field: 'metadata.name', reason: 'FieldValueRequired', message: 'name or generateName is required' },
        ]);
      metadata.name = this.#generateName(type, namespace, metadata.generateName);
    }
    if (this.find(type, namespace, metadata.name)) throw alreadyExists(type, metadata.name);
    if (!options.preserveUid || typeof metadata.uid !== 'string' || metadata.uid === '') metadata.uid = randomUUID();
    metadata.creationTimestamp = this.#clock.timestamp();
    delete metadata.resourceVersion;
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    if (type.tracksGeneration) metadata.generation = 1;
    else delete metadata.generation;
    if (type.custom && type.hasStatusSubresource) delete object.status;
    const hooks = this.#hooksFor(type);
    hooks.beforeCreate?.(object);
    this.#validate(type, object, undefined);
    if (options.dryRun) return object;
    const stored = this.#store.insert(storageKey(type), object);
    hooks.afterCreate?.(stored);
    return stored;
  }

  /**
   * PUT semantics. `subresource: 'status'` only takes the status; otherwise the status is kept
   * when the type has a status subresource. A resourceVersion in the body that is not the current
   * one is a 409 Conflict — the optimistic concurrency every controller relies on.
   */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource?: 'status',
    options: WriteOptions = {},
  ): KubeObject {
    const incoming = this.#toStored(this.#requireObject(type, body), type);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (type.namespaced && incoming.metadata.namespace !== undefined && incoming.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const current = this.get(type, namespace, name);
    const expected = incoming.metadata.resourceVersion;
    if (expected !== undefined && expected !== '' && expected !== current.metadata.resourceVersion) {
      throw conflict(type, name, STALE_OBJECT_MESSAGE);
    }
    if (
      incoming.metadata.uid !== undefined &&
      incoming.metadata.uid !== '' &&
      incoming.metadata.uid !== current.metadata.uid
    ) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${incoming.metadata.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...cloneObject(current), status: incoming.status };
      if (incoming.status === undefined) delete next.status;
    } else {
      next = { ...incoming, metadata: { ...incoming.metadata } };
      const keep = [
        'name',
        'namespace',
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ] as const;
      for (const field of keep) {
        if (current.metadata[field] === undefined) delete next.metadata[field];
        else (next.metadata as Record<string, unknown>)[field] = current.metadata[field];
      }
      if (type.hasStatusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
      }
    }
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    next = this.#withStorageHeader(next, type);
    if (type.tracksGeneration && !deepEqual(specOf(next), specOf(current))) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    if (
      next.metadata.deletionTimestamp &&
      (next.metadata.finalizers?.length ?? 0) > (current.metadata.finalizers?.length ?? 0)
    ) {
      throw invalid(type, name, [
        {
          field: 'metadata.finalizers',
          reason: 'FieldValueForbidden',
          message: 'no new finalizers can be added if the object is being deleted',
        },
      ]);
    }
    if (sameIgnoringResourceVersion(next, current)) return current;
    this.#validate(type, next, current);
    if (options.dryRun) return next;
    const stored = this.#store.replace(storageKey(type), next);
    this.#hooksFor(type).afterUpdate?.(stored, current);
    return this.#removeIfReleased(type, stored);
  }

  /**
   * DELETE semantics: preconditions, then either immediate removal or (finalizers / grace period)
   * a deletionTimestamp and removal later.
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): DeleteResult {
    const current = this.get(type, namespace, name);
    const preconditions = options.preconditions;
    if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (preconditions?.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in meta: ${current.metadata.resourceVersion}`,
      );
    }
    const hooks = this.#hooksFor(type);
    const grace = hooks.gracePeriodSeconds?.(current, options.gracePeriodSeconds) ?? 0;
    const hasFinalizers = (current.metadata.finalizers?.length ?? 0) > 0;
    if (options.dryRun) {
      if (grace === 0 && !hasFinalizers) return { object: current, removed: true };
      const preview = cloneObject(current);
      preview.metadata.deletionTimestamp ??= this.#clock.timestamp(grace);
      preview.metadata.deletionGracePeriodSeconds = grace;
      return { object: preview, removed: false };
    }
    if (current.metadata.deletionTimestamp) {
      // Already terminating: a shorter grace period may speed it up (kubectl delete --force does this).
      const remaining = current.metadata.deletionGracePeriodSeconds ?? 0;
      if (grace < remaining) return this.#beginGracefulDeletion(type, current, grace);
      return { object: current, removed: false };
    }
    if (grace > 0 || hasFinalizers) return this.#beginGracefulDeletion(type, current, grace);
    return { object: this.#remove(type, current), removed: true };
  }

  /** Ends a grace period: the object goes away now unless finalizers still hold it. */
  finishGracePeriod(type: ResourceType, namespace: string | undefined, name: string, uid: string | undefined): void {
    const current = this.find(type, namespace, name);
    // The uid check stops a stale timer from ending a newer object that reused the name.
    if (!current?.metadata.deletionTimestamp || current.metadata.uid !== uid) return;
    const next = cloneObject(current);
    next.metadata.deletionGracePeriodSeconds = 0;
    if ((next.metadata.finalizers?.length ?? 0) === 0) {
      this.#remove(type, current);
      return;
    }
    if (current.metadata.deletionGracePeriodSeconds !== 0) this.#store.replace(storageKey(type), next);
  }

  #beginGracefulDeletion(type: ResourceType, current: KubeObject, grace: number): DeleteResult {
    const next = cloneObject(current);
    next.metadata.deletionTimestamp = this.#clock.timestamp(grace);
    next.metadata.deletionGracePeriodSeconds = grace;
    if (grace === 0 && (next.metadata.finalizers?.length ?? 0) === 0) {
      return { object: this.#remove(type, current), removed: true };
    }
    if (type.tracksGeneration) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    const stored = this.#store.replace(storageKey(type), next);
    if (grace > 0) this.#hooksFor(type).afterGracefulDelete?.(stored, grace);
    return { object: stored, removed: false };
  }

  #removeIfReleased(type: ResourceType, object: KubeObject): KubeObject {
    const released =
      object.metadata.deletionTimestamp !== undefined &&
      (object.metadata.finalizers?.length ?? 0) === 0 &&
      (object.metadata.deletionGracePeriodSeconds ?? 0) === 0;
    return released ? this.#remove(type, object) : object;
  }

  #remove(type: ResourceType, object: KubeObject): KubeObject {
    const removed = this.#store.remove(storageKey(type), object.metadata.namespace, object.metadata.name!) ?? object;
    this.#hooksFor(type).afterDelete?.(removed);
    return removed;
  }

  #scope(type: ResourceType, namespace: string | undefined): string | undefined {
    return type.namespaced ? namespace : undefined;
  }

  #hooksFor(type: ResourceType): ResourceHooks {
    return this.#hooks.get(storageKey(type)) ?? {};
  }

  #requireObject(type: ResourceType, body: unknown): KubeObject {
    if (!isPlainObject(body)) throw badRequest(`the request body must be a ${type.kind} JSON object`);
    const object = cloneObject(body) as KubeObject;
    if (object.kind !== undefined && object.kind !== type.kind) {
      throw badRequest(
        `the body kind "${String(object.kind)}" does not match the resource ${type.plural} (kind ${type.kind})`,
      );
    }
    if (!isPlainObject(object.metadata)) object.metadata = {};
    return object;
  }

  #validate(type: ResourceType, object: KubeObject, previous: KubeObject | undefined): void {
    const causes: StatusCause[] = [];
    const name = object.metadata.name ?? '';
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      });
    }
    causes.push(...metadataCauses(object.metadata));
    causes.push(...(this.#hooksFor(type).validate?.(object, previous) ?? []));
    if (causes.length > 0) throw invalid(type, name, causes);
  }

  #generateName(type: ResourceType, namespace: string | undefined, prefix: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i += 1)
        suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
      const candidate = `${prefix}${suffix}`;
      if (!this.find(type, namespace, candidate)) return candidate;
    }
  }
}
