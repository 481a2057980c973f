import { gone } from '../errors.js';
import { cloneObject, deepFreeze, type KubeObject } from '../resources/kube-object.js';

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `previous` lets watchers with selectors turn edges into ADDED/DELETED. */
export interface StoreEvent {
  type: WatchEventType;
  resourceVersion: number;
  /** storageKey() of the collection the object lives in. */
  storage: string;
  object: Readonly<KubeObject>;
  previous?: Readonly<KubeObject>;
}

export type StoreListener = (event: StoreEvent) => void;

export interface ObjectStoreOptions {
  /** How many past changes stay available for watch resume; older resourceVersions get 410 Gone. */
  historySize: number;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/**
 * The in-memory "etcd": collections of objects, one global, strictly increasing resourceVersion
 * (as etcd's revision), and a bounded change history for watch resume. All mutations are
 * synchronous, so each one is atomic with respect to every HTTP request and watcher.
 */
export class ObjectStore {
  readonly #collections = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoreEvent[] = [];
  readonly #listeners = new Set<StoreListener>();
  readonly #dropListeners = new Set<(storage: string) => void>();
  readonly #historySize: number;
  #revision = 0;
  /** Every change with resourceVersion > compactedRevision is still in #history. */
  #compactedRevision = 0;

  constructor(options: ObjectStoreOptions) {
    if (!Number.isInteger(options.historySize) || options.historySize < 1) {
      throw new Error(`cluster-sim: historySize must be a positive integer, got ${options.historySize}`);
    }
    this.#historySize = options.historySize;
  }

  get revision(): number {
    return this.#revision;
  }

  /** The oldest resourceVersion a watch may resume from. */
  get compactedRevision(): number {
    return this.#compactedRevision;
  }

  get(storage: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#collections.get(storage)?.get(objectKey(namespace, name));
    return found ? cloneObject(found) : undefined;
  }

  /**
   * Objects of a collection (optionally one namespace, optionally filtered), sorted by namespace
   * then name like etcd keys. Unlike get(), these are the stored objects themselves — deeply frozen,
   * so listing costs no copies; copy one (cloneObject) before changing it.
   */
  list(storage: string, namespace?: string, filter?: (object: Readonly<KubeObject>) => boolean): KubeObject[] {
    const collection = this.#collections.get(storage);
    if (!collection) return [];
    const keys = [...collection.keys()].sort();
    const result: KubeObject[] = [];
    for (const key of keys) {
      const object = collection.get(key)!;
      if (namespace !== undefined && object.metadata.namespace !== namespace) continue;
      if (filter && !filter(object)) continue;
      result.push(object);
    }
    return result;
  }

  /** Stores a new object, stamping the next resourceVersion, and returns the stored copy. */
  insert(storage: string, object: KubeObject): KubeObject {
    const stored = this.#stamp(object);
    this.#collection(storage).set(objectKey(stored.metadata.namespace, stored.metadata.name!), stored);
    this.#commit({ type: 'ADDED', storage, object: stored });
    return cloneObject(stored);
  }

  replace(storage: string, object: KubeObject): KubeObject {
    const key = objectKey(object.metadata.namespace, object.metadata.name!);
    const collection = this.#collection(storage);
    const previous = collection.get(key);
    if (!previous) throw new Error(`cluster-sim internal: replace of missing ${storage} ${key}`);
    const stored = this.#stamp(object);
    collection.set(key, stored);
    this.#commit({ type: 'MODIFIED', storage, object: stored, previous });
    return cloneObject(stored);
  }

  /** Removes an object; like etcd, the deletion itself gets a new resourceVersion. */
  remove(storage: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(namespace, name);
    const collection = this.#collections.get(storage);
    const previous = collection?.get(key);
    if (!collection || !previous) return undefined;
    collection.delete(key);
    const tombstone = this.#stamp(previous);
    this.#commit({ type: 'DELETED', storage, object: tombstone, previous });
    return cloneObject(tombstone);
  }

  /**
   * Drops a whole collection (a CRD went away after its objects were deleted) and tells drop
   * listeners, so open watches on it end as they do when the real API stops serving a resource.
   */
  dropCollection(storage: string): void {
    this.#collections.delete(storage);
    for (const listener of [...this.#dropListeners]) listener(storage);
  }

  subscribeDrops(listener: (storage: string) => void): () => void {
    this.#dropListeners.add(listener);
    return () => this.#dropListeners.delete(listener);
  }

  /**
   * Changes after `resourceVersion`, oldest first. Throws 410 Gone when some of them were already
   * compacted away, which tells the client to re-list.
   */
  changesSince(resourceVersion: number): StoreEvent[] {
    if (resourceVersion < this.#compactedRevision) {
      throw gone(`too old resource version: ${resourceVersion} (${this.#compactedRevision})`);
    }
    // A version from the future means the client saw another store (a restarted simulator). The
    // real API answers "Too large resource version" after a wait; 410 makes every client re-list.
    if (resourceVersion > this.#revision) {
      throw gone(
        `too large resource version: ${resourceVersion} (current ${this.#revision}); re-list to get a current one`,
      );
    }
    return this.#history.filter((event) => event.resourceVersion > resourceVersion);
  }

  /** Forgets the whole change history, as an etcd compaction would: every older watch resume gets 410. */
  compact(): void {
    this.#history.length = 0;
    this.#compactedRevision = this.#revision;
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #collection(storage: string): Map<string, KubeObject> {
    let collection = this.#collections.get(storage);
    if (!collection) {
      collection = new Map();
      this.#collections.set(storage, collection);
    }
    return collection;
  }

  #stamp(object: KubeObject): KubeObject {
    this.#revision += 1;
    const stored = cloneObject(object);
    stored.metadata.resourceVersion = String(this.#revision);
    return deepFreeze(stored);
  }

  #commit(event: Omit<StoreEvent, 'resourceVersion'>): void {
    const full: StoreEvent = { ...event, resourceVersion: this.#revision };
    this.#history.push(full);
    if (this.#history.length > this.#historySize) {
      const dropped = this.#history.shift()!;
      this.#compactedRevision = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(full);
  }
}
