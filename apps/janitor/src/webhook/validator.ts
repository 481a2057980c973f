/**
 * The admission rules of upstream's `pkg/webhook/v1alpha1/janitor_webhook.go`: a maintenance CR
 * is refused when its controller is disabled, its node does not exist or is excluded, another CR
 * of the same kind is still active for the node (GPUReset: for the same GPUs), or an update
 * changes `nodeName` (GPUReset: `uuids`). Deletes are always allowed.
 *
 * The duplicate check reads janitor's watch cache, so two CRs created within the same instant may
 * both pass; the node lock still serialises them (the second waits for the first).
 */
import type { V1Node } from '@kubernetes/client-node';
import type { CustomObject } from '@nvsentinel/k8s';
import type { ControllerConfig, JanitorConfig } from '../config/janitor-config.js';
import { anySelectorMatches, describeSelector } from '../config/label-selector.js';
import { type GpuReset, KINDS, nodeNameOf } from '../controllers/api.js';

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  resource?: { group?: string; version?: string; resource?: string };
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  name?: string;
  object?: CustomObject<unknown, unknown> | null;
  oldObject?: CustomObject<unknown, unknown> | null;
}

export type AdmissionDecision = { allowed: true } | { allowed: false; reason: string };

export interface ValidatorDeps {
  config: JanitorConfig;
  /** The node, or undefined when it does not exist. */
  nodes: { get(name: string): V1Node | undefined };
  /** Fallback read for nodes not (yet) in the cache. */
  readNode?(name: string): Promise<V1Node | undefined>;
  /** CRs of a kind as janitor's cache has them. */
  active(kind: string): CustomObject<unknown, unknown>[];
}

const KIND_BY_PLURAL: Record<string, string> = KINDS;

function controllerFor(
  config: JanitorConfig,
  kind: string,
): { enabled: boolean; exclusions: ControllerConfig['exclusions'] } | undefined {
  switch (kind) {
    case KINDS.rebootnodes:
      return config.rebootNode;
    case KINDS.terminatenodes:
      return config.terminateNode;
    case KINDS.gpuresets:
      return config.gpuReset;
    case KINDS.externalremediationrequests:
      return { enabled: config.externalRemediation.enabled, exclusions: [] };
    default:
      return undefined;
  }
}

function isActive(object: CustomObject<unknown, unknown>): boolean {
  const status = object.status as { completionTime?: string } | undefined;
  return !status?.completionTime && !object.metadata?.deletionTimestamp;
}

function uuidsOf(object: CustomObject<unknown, unknown>): string[] {
  return [...((object as GpuReset).spec?.selector?.uuids ?? [])].sort();
}

/** Two GPU selections overlap when they share a GPU; an empty list means every GPU of the node. */
function overlaps(a: string[], b: string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return a.some((uuid) => b.includes(uuid));
}

export class JanitorValidator {
  readonly #deps: ValidatorDeps;

  constructor(deps: ValidatorDeps) {
    this.#deps = deps;
  }

  async validate(request: AdmissionRequest): Promise<AdmissionDecision> {
    const kind = request.kind?.kind ?? KIND_BY_PLURAL[request.resource?.resource ?? ''] ?? '';
    if (request.operation === 'DELETE' || request.operation === 'CONNECT') return { allowed: true };
    const controller = controllerFor(this.#deps.config, kind);
    if (!controller) return { allowed: true };
    const object = request.object;
    if (!object) return { allowed: false, reason: `the ${request.operation} request carries no object` };
    if (!controller.enabled) {
      return {
        allowed: false,
        reason: `the ${kind} controller is disabled in janitor's configuration; enable it or use another remediation`,
      };
    }
    const nodeName = nodeNameOf(object);
    if (!nodeName)
      return { allowed: false, reason: `${kind} ${object.metadata?.name ?? ''} has no node name (spec.nodeName)` };
    if (request.operation === 'UPDATE') return this.#validateUpdate(kind, object, request.oldObject ?? undefined);

    const node = this.#deps.nodes.get(nodeName) ?? (await this.#deps.readNode?.(nodeName));
    if (!node) return { allowed: false, reason: `node ${nodeName} does not exist` };
    const exclusion = controller.exclusions.find((selector) => anySelectorMatches([selector], node.metadata?.labels));
    if (exclusion) {
      return {
        allowed: false,
        reason: `node ${nodeName} is excluded from janitor actions by the selector ${describeSelector(exclusion)}`,
      };
    }
    const name = object.metadata?.name;
    const duplicate = this.#deps.active(kind).find((other) => {
      if (other.metadata?.name === name || nodeNameOf(other) !== nodeName || !isActive(other)) return false;
      return kind !== KINDS.gpuresets || overlaps(uuidsOf(other), uuidsOf(object));
    });
    if (duplicate) {
      const gpus = kind === KINDS.gpuresets ? ' for the same GPUs' : '';
      return {
        allowed: false,
        reason: `${kind} ${duplicate.metadata?.name} is already active for node ${nodeName}${gpus}; wait for it to complete`,
      };
    }
    return { allowed: true };
  }

  #validateUpdate(
    kind: string,
    object: CustomObject<unknown, unknown>,
    old: CustomObject<unknown, unknown> | undefined,
  ): AdmissionDecision {
    if (!old) return { allowed: true };
    if (nodeNameOf(old) !== nodeNameOf(object)) {
      return {
        allowed: false,
        reason: `spec.nodeName cannot be changed (from ${nodeNameOf(old)} to ${nodeNameOf(object)}); create a new ${kind}`,
      };
    }
    if (kind === KINDS.gpuresets && JSON.stringify(uuidsOf(old)) !== JSON.stringify(uuidsOf(object))) {
      return { allowed: false, reason: 'spec.selector.uuids cannot be changed; create a new GPUReset' };
    }
    return { allowed: true };
  }
}
