import {
  type KubernetesListObject,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import { K8sErrorCode, toK8sError } from '../errors.js';
import type { BackoffPolicy } from '../internal/backoff.js';
import type { Clock } from '../internal/clock.js';
import type { K8sError } from '../errors.js';
import { type ObjectChange, ResilientInformer } from '../informers/resilient-informer.js';
import { type ConflictRetryOptions, retryOnConflict } from '../retry/retry-on-conflict.js';

/** Where a custom resource lives. Omit `namespace` for cluster-scoped kinds (janitor's RebootNode). */
export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
}

/** A custom object as the API returns it; `spec`/`status` shapes belong to the caller. */
export interface CustomObject<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
> extends KubernetesObject {
  spec?: Spec;
  status?: Status;
}

export interface CreateResult<T> {
  object: T;
  /** False when an object of that name already existed and was returned instead (idempotent create). */
  created: boolean;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const label = (ref: CustomResourceRef, name?: string): string =>
  `${ref.plural}.${ref.group}${ref.namespace ? ` in ${ref.namespace}` : ''}${name ? ` ${name}` : ''}`;

/** Create, read and update custom objects (maintenance CRs, custom drain CRs). */
export class CustomObjectOps {
  readonly #client: KubeClient;
  readonly #conflictRetry: ConflictRetryOptions | undefined;

  constructor(client: KubeClient, options: { conflictRetry?: ConflictRetryOptions } = {}) {
    this.#client = client;
    this.#conflictRetry = options.conflictRetry;
  }

  /**
   * Create `body`. With `ifExists: 'return'` (the default) an AlreadyExists answer returns the
   * existing object, so replays after a restart are harmless (upstream treats it as success too).
   */
  async create<T extends CustomObject<unknown, unknown>>(
    ref: CustomResourceRef,
    body: T,
    options: { ifExists?: 'return' | 'throw'; dryRun?: boolean } = {},
  ): Promise<CreateResult<T>> {
    const api = this.#client.customObjects;
    const common = {
      group: ref.group,
      version: ref.version,
      plural: ref.plural,
      body,
      dryRun: options.dryRun ? 'All' : undefined,
    };
    try {
      const object = ref.namespace
        ? await api.createNamespacedCustomObject({ ...common, namespace: ref.namespace })
        : await api.createClusterCustomObject(common);
      return { object: object as T, created: true };
    } catch (err) {
      const error = toK8sError(err, `create ${label(ref, body.metadata?.name)}`);
      if (error.code !== K8sErrorCode.ALREADY_EXISTS || options.ifExists === 'throw' || !body.metadata?.name)
        throw error;
      const existing = await this.get<T>(ref, body.metadata.name);
      if (!existing) throw error;
      return { object: existing, created: false };
    }
  }

  /** The object, or undefined when it does not exist. */
  async get<T extends CustomObject<unknown, unknown>>(ref: CustomResourceRef, name: string): Promise<T | undefined> {
    const api = this.#client.customObjects;
    try {
      const object = ref.namespace
        ? await api.getNamespacedCustomObject({
            group: ref.group,
            version: ref.version,
            plural: ref.plural,
            namespace: ref.namespace,
            name,
          })
        : await api.getClusterCustomObject({ group: ref.group, version: ref.version, plural: ref.plural, name });
      return object as T;
    } catch (err) {
      const error = toK8sError(err, `get ${label(ref, name)}`);
      if (error.code === K8sErrorCode.NOT_FOUND) return undefined;
      throw error;
    }
  }

  async list<T extends CustomObject<unknown, unknown>>(
    ref: CustomResourceRef,
    options: { labelSelector?: string } = {},
  ): Promise<KubernetesListObject<T>> {
    const api = this.#client.customObjects;
    const params = { group: ref.group, version: ref.version, plural: ref.plural, labelSelector: options.labelSelector };
    try {
      const list = ref.namespace
        ? await api.listNamespacedCustomObject({ ...params, namespace: ref.namespace })
        : await api.listClusterCustomObject(params);
      return list as KubernetesListObject<T>;
    } catch (err) {
      throw toK8sError(err, `list ${label(ref)}`);
    }
  }

  /** Delete; false when it was already gone. */
  async delete(ref: CustomResourceRef, name: string): Promise<boolean> {
    const api = this.#client.customObjects;
    try {
      if (ref.namespace) {
        await api.deleteNamespacedCustomObject({
          group: ref.group,
          version: ref.version,
          plural: ref.plural,
          namespace: ref.namespace,
          name,
        });
      } else {
        await api.deleteClusterCustomObject({ group: ref.group, version: ref.version, plural: ref.plural, name });
      }
      return true;
    } catch (err) {
      const error = toK8sError(err, `delete ${label(ref, name)}`);
      if (error.code === K8sErrorCode.NOT_FOUND) return false;
      throw error;
    }
  }

  /** Merge-patch the object (metadata, spec); lists in the patch replace the stored ones. */
  async patch<T extends CustomObject<unknown, unknown>>(
    ref: CustomResourceRef,
    name: string,
    body: Record<string, unknown>,
  ): Promise<T> {
    const api = this.#client.customObjects;
    try {
      const object = ref.namespace
        ? await api.patchNamespacedCustomObject(
            { group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespace, name, body },
            mergePatch,
          )
        : await api.patchClusterCustomObject(
            { group: ref.group, version: ref.version, plural: ref.plural, name, body },
            mergePatch,
          );
      return object as T;
    } catch (err) {
      throw toK8sError(err, `patch ${label(ref, name)}`);
    }
  }

  /**
   * Merge-patch the status subresource. Without `expectedResourceVersion` the patch is applied
   * atomically to whatever is current (fields not named are kept). With it, the write fails with
   * `NVS_ERR_K8S_CONFLICT` if the object changed since that version — use `updateStatus` to retry.
   */
  async patchStatus<T extends CustomObject<unknown, unknown>>(
    ref: CustomResourceRef,
    name: string,
    status: Record<string, unknown>,
    expectedResourceVersion?: string,
  ): Promise<T> {
    const api = this.#client.customObjects;
    const body: Record<string, unknown> = { status };
    if (expectedResourceVersion) body.metadata = { resourceVersion: expectedResourceVersion };
    try {
      const object = ref.namespace
        ? await api.patchNamespacedCustomObjectStatus(
            { group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespace, name, body },
            mergePatch,
          )
        : await api.patchClusterCustomObjectStatus(
            { group: ref.group, version: ref.version, plural: ref.plural, name, body },
            mergePatch,
          );
      return object as T;
    } catch (err) {
      throw toK8sError(err, `patch status of ${label(ref, name)}`);
    }
  }

  /**
   * Read-modify-write of the status with conflict retry: `mutate` gets the current object and
   * returns the new status (or undefined to leave it). Use it when the new status depends on the
   * old one, e.g. appending a condition.
   */
  async updateStatus<T extends CustomObject<unknown, unknown>>(
    ref: CustomResourceRef,
    name: string,
    mutate: (current: T) => Record<string, unknown> | undefined,
  ): Promise<T> {
    return retryOnConflict(
      `update status of ${label(ref, name)}`,
      async () => {
        const current = await this.get<T>(ref, name);
        if (!current)
          throw toK8sError({ statusCode: 404, message: 'not found' }, `update status of ${label(ref, name)}`);
        const status = mutate(current);
        if (status === undefined) return current;
        return this.patchStatus<T>(ref, name, status, current.metadata?.resourceVersion);
      },
      this.#conflictRetry,
    );
  }
}

export interface WatchCustomObjectsOptions {
  labelSelector?: string;
  backoff?: BackoffPolicy;
  clock?: Clock;
  onError?(err: K8sError, restartInMs: number): void;
}

export interface CustomObjectWatch<T> {
  /** Resolves once the initial list has been delivered as `add` changes. */
  waitForSync(signal?: AbortSignal): Promise<void>;
  /** Current cached objects. */
  list(): T[];
  get(name: string, namespace?: string): T | undefined;
  stop(): Promise<void>;
}

/**
 * Watch custom objects: the callback sees every object once as `add` (initial list), then
 * changes. Restarts on error with backoff, resumes from the last resourceVersion, re-lists on
 * 410 Gone and reports objects deleted meanwhile as `delete`.
 */
export function watchCustomObjects<T extends CustomObject<unknown, unknown> = CustomObject>(
  client: KubeClient,
  ref: CustomResourceRef,
  callback: (change: ObjectChange<T>) => void,
  options: WatchCustomObjectsOptions = {},
): CustomObjectWatch<T> {
  const ops = new CustomObjectOps(client);
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const path = ref.namespace ? `${base}/namespaces/${ref.namespace}/${ref.plural}` : `${base}/${ref.plural}`;
  const informer = new ResilientInformer<T>({
    client,
    path,
    list: () => ops.list<T>(ref, { labelSelector: options.labelSelector }),
    labelSelector: options.labelSelector,
    backoff: options.backoff,
    clock: options.clock,
    onError: options.onError,
  });
  informer.onChange(callback);
  informer.start();
  return {
    waitForSync: (signal) => informer.waitForSync(signal),
    list: () => informer.list(),
    get: (name, namespace) => informer.get(name, namespace),
    stop: () => informer.stop(),
  };
}
