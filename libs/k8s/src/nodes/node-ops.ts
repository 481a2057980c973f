import { PatchStrategy, type V1Node, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import { deserializeAs, serializeAs } from '../client/serializer.js';
import { toK8sError } from '../errors.js';
import { diffMergePatch } from '../internal/merge-patch.js';
import { type ConflictRetryOptions, retryOnConflict } from '../retry/retry-on-conflict.js';
import { type NodeConditionInput, mergeNodeCondition, withoutNodeCondition } from './conditions.js';
import { type AddTaintsResult, type RemoveTaintsResult, type TaintSpec, mergeTaints, withoutTaints } from './taints.js';

/** `null` deletes the key; keys not mentioned are never touched. */
export type KeyValuePatch = Readonly<Record<string, string | null>>;

export interface NodeOpsOptions {
  conflictRetry?: Omit<ConflictRetryOptions, 'signal'>;
  /**
   * Start read-modify-writes from this cache instead of a GET, saving one request per write. The
   * cached resourceVersion guards the patch, so a stale cache costs a 409 and a normal retry. A
   * cached node that already looks right is re-checked with a GET before we skip the write, so a
   * stale cache can never suppress a needed change.
   */
  readFrom?: { get(name: string): V1Node | undefined };
  /** Time source for condition timestamps and NoExecute `timeAdded` (tests pin it). */
  now?: () => Date;
}

export interface ModifyResult<R> {
  node: V1Node;
  /** False when the node already had the desired state and nothing was written. */
  changed: boolean;
  result: R;
}

/** A read-modify-write step: mutate the freshly read node in place and say whether it changed. */
export type NodeMutation<R> = (node: V1Node) => { changed: boolean; result: R };

export interface CordonResult {
  changed: boolean;
  /** The node was unschedulable before this call (fault-quarantine's CordonPreExisting). */
  wasCordoned: boolean;
}

export interface ConditionResult {
  changed: boolean;
  transitioned: boolean;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Node writes every service shares. Each operation is idempotent (it reads first and writes only
 * when the node differs). Read-modify-write operations send a merge patch of just the fields they
 * changed plus the resourceVersion they read, so a concurrent writer makes the API answer 409 and
 * we re-read and re-apply instead of overwriting.
 */
export class NodeOps {
  readonly #client: KubeClient;
  readonly #options: NodeOpsOptions;

  constructor(client: KubeClient, options: NodeOpsOptions = {}) {
    this.#client = client;
    this.#options = options;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  async get(name: string): Promise<V1Node> {
    try {
      return await this.#client.core.readNode({ name });
    } catch (err) {
      throw toK8sError(err, `get node ${name}`);
    }
  }

  /**
   * Generic read-modify-write with conflict retry, for callers that change several things at once
   * (fault-quarantine applies taints, cordon, labels and annotations in one write). `mutate` runs
   * again on every retry against the newly read node; only the fields it changed are sent.
   */
  modify<R>(name: string, mutate: NodeMutation<R>, what = `update node ${name}`): Promise<ModifyResult<R>> {
    return this.#readModifyWrite(name, mutate, what, false);
  }

  /** Like `modify`, but writes the status subresource (conditions, addresses …). */
  modifyStatus<R>(
    name: string,
    mutate: NodeMutation<R>,
    what = `update status of node ${name}`,
  ): Promise<ModifyResult<R>> {
    return this.#readModifyWrite(name, mutate, what, true);
  }

  async cordon(name: string): Promise<CordonResult> {
    const { changed, result } = await this.modify(
      name,
      (node) => {
        const wasCordoned = node.spec?.unschedulable === true;
        if (!wasCordoned) node.spec = { ...node.spec, unschedulable: true };
        return { changed: !wasCordoned, result: wasCordoned };
      },
      `cordon node ${name}`,
    );
    return { changed, wasCordoned: result };
  }

  async uncordon(name: string): Promise<CordonResult> {
    const { changed, result } = await this.modify(
      name,
      (node) => {
        const wasCordoned = node.spec?.unschedulable === true;
        if (wasCordoned) node.spec = { ...node.spec, unschedulable: false };
        return { changed: wasCordoned, result: wasCordoned };
      },
      `uncordon node ${name}`,
    );
    return { changed, wasCordoned: result };
  }

  /** Add taints; the result says which were already present (so un-quarantine leaves them). */
  async addTaints(name: string, taints: readonly TaintSpec[]): Promise<AddTaintsResult> {
    const { result } = await this.modify(
      name,
      (node) => {
        const merged = mergeTaints(node.spec?.taints ?? [], taints, this.#now());
        if (merged.result.added.length > 0) node.spec = { ...node.spec, taints: merged.taints };
        return { changed: merged.result.added.length > 0, result: merged.result };
      },
      `add taints to node ${name}`,
    );
    return result;
  }

  async removeTaints(name: string, taints: readonly TaintSpec[]): Promise<RemoveTaintsResult> {
    const { result } = await this.modify(
      name,
      (node) => {
        const pruned = withoutTaints(node.spec?.taints ?? [], taints);
        if (pruned.result.removed.length > 0) node.spec = { ...node.spec, taints: pruned.taints };
        return { changed: pruned.result.removed.length > 0, result: pruned.result };
      },
      `remove taints from node ${name}`,
    );
    return result;
  }

  /**
   * Set or delete labels with a JSON merge patch that names only these keys, so labels written by
   * anyone else survive (upstream bug #1854 replaced the whole map). Without a resourceVersion in
   * the patch the server applies it atomically, so it cannot conflict.
   */
  setLabels(name: string, labels: KeyValuePatch): Promise<V1Node | undefined> {
    return this.#patchMetadata(name, 'labels', labels);
  }

  /** Same contract as `setLabels`, for annotations. */
  setAnnotations(name: string, annotations: KeyValuePatch): Promise<V1Node | undefined> {
    return this.#patchMetadata(name, 'annotations', annotations);
  }

  /**
   * Merge a condition by type on the status subresource. lastTransitionTime moves only when the
   * status flips; lastHeartbeatTime takes the observation time. Repeating a call is a no-op write.
   */
  async setNodeCondition(name: string, condition: NodeConditionInput): Promise<ConditionResult> {
    const { changed, result } = await this.modifyStatus(
      name,
      (node) => {
        const merged = mergeNodeCondition(node.status?.conditions ?? [], condition, this.#now());
        if (merged.changed) node.status = { ...node.status, conditions: merged.conditions };
        return { changed: merged.changed, result: merged.transitioned };
      },
      `set condition ${condition.type} on node ${name}`,
    );
    return { changed, transitioned: changed && result };
  }

  /** Remove a condition by type; `false` when the node had none. */
  async removeNodeCondition(name: string, type: string): Promise<boolean> {
    const { changed } = await this.modifyStatus(
      name,
      (node) => {
        const pruned = withoutNodeCondition(node.status?.conditions ?? [], type);
        if (pruned.removed) node.status = { ...node.status, conditions: pruned.conditions };
        return { changed: pruned.removed, result: undefined };
      },
      `remove condition ${type} from node ${name}`,
    );
    return changed;
  }

  async #patchMetadata(
    name: string,
    field: 'labels' | 'annotations',
    values: KeyValuePatch,
  ): Promise<V1Node | undefined> {
    if (Object.keys(values).length === 0) return undefined;
    const what = `set ${field} on node ${name}`;
    return retryOnConflict(
      what,
      () => this.#client.core.patchNode({ name, body: { metadata: { [field]: { ...values } } } }, mergePatch),
      this.#options.conflictRetry,
    );
  }

  #readModifyWrite<R>(name: string, mutate: NodeMutation<R>, what: string, status: boolean): Promise<ModifyResult<R>> {
    const core = this.#client.core;
    let useCache = this.#options.readFrom !== undefined;
    return retryOnConflict(
      what,
      async () => {
        const cached = useCache ? this.#options.readFrom?.get(name) : undefined;
        useCache = false; // only the first attempt may trust the cache
        if (cached) {
          // Mutate a private copy: cached objects are shared with every other reader.
          const copy = deserializeAs<V1Node>(serializeAs(cached, 'V1Node'), 'V1Node');
          const attempt = await this.#writeIfChanged(name, copy, mutate, status);
          if (attempt.changed) return attempt;
        }
        return this.#writeIfChanged(name, await core.readNode({ name }), mutate, status);
      },
      this.#options.conflictRetry,
    );
  }

  async #writeIfChanged<R>(
    name: string,
    node: V1Node,
    mutate: NodeMutation<R>,
    status: boolean,
  ): Promise<ModifyResult<R>> {
    const core = this.#client.core;
    const before = serializeAs(node, 'V1Node');
    const { changed, result } = mutate(node);
    const patch = changed ? diffMergePatch(before, serializeAs(node, 'V1Node')) : undefined;
    if (!patch) return { node, changed: false, result };
    // The resourceVersion we read turns the patch into a compare-and-swap: if anyone wrote the
    // node since, the API answers 409 and we start over from a fresh read. A patch (rather than
    // a PUT of the whole object) never drops fields our generated model does not know.
    const metadata = (patch.metadata ?? {}) as Record<string, unknown>;
    patch.metadata = { ...metadata, resourceVersion: node.metadata?.resourceVersion };
    const written = status
      ? await core.patchNodeStatus({ name, body: patch }, mergePatch)
      : await core.patchNode({ name, body: patch }, mergePatch);
    return { node: written, changed: true, result };
  }
}
