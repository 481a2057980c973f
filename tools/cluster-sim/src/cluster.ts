import { installCrdController } from './behaviour/crd-controller.js';
import { DisruptionController } from './behaviour/disruption.js';
import { INITIAL_NAMESPACES, installNamespaceLifecycle } from './behaviour/namespace-lifecycle.js';
import { installPodLifecycle } from './behaviour/pod-lifecycle.js';
import { orphanPodCollector } from './behaviour/pod-gc.js';
import { SimClock } from './clock.js';
import { badRequest } from './errors.js';
import { builtinResourceTypes } from './resources/builtin-types.js';
import type { KubeObject } from './resources/kube-object.js';
import { ResourceRegistry } from './resources/registry.js';
import { ResourceService } from './resources/resource-service.js';
import type { ResourceType } from './resources/resource-type.js';
import { ObjectStore } from './store/object-store.js';
import { taintCauses } from './resources/validation.js';

export interface ClusterOptions {
  timeScale?: number;
  historySize?: number;
}

/** The built-in types the behaviours need by name. */
export interface CoreTypes {
  namespaces: ResourceType;
  nodes: ResourceType;
  pods: ResourceType;
  configmaps: ResourceType;
  events: ResourceType;
  leases: ResourceType;
  poddisruptionbudgets: ResourceType;
  customresourcedefinitions: ResourceType;
}

function pick(registry: ResourceRegistry, group: string, version: string, plural: string): ResourceType {
  const type = registry.lookup(group, version, plural);
  if (!type) throw new Error(`cluster-sim internal: built-in ${plural} missing`);
  return type;
}

/**
 * Everything behind the HTTP API: the store, the served types, the generic semantics and the
 * controllers that stand in for kubelet, the disruption controller and apiextensions.
 */
export class Cluster {
  readonly clock: SimClock;
  readonly store: ObjectStore;
  readonly registry = new ResourceRegistry();
  readonly service: ResourceService;
  readonly types: CoreTypes;
  readonly disruption: DisruptionController;

  constructor(options: ClusterOptions = {}) {
    this.clock = new SimClock(options.timeScale ?? 1);
    this.store = new ObjectStore({ historySize: options.historySize ?? 10_000 });
    for (const type of builtinResourceTypes()) this.registry.register(type);
    this.types = {
      namespaces: pick(this.registry, '', 'v1', 'namespaces'),
      nodes: pick(this.registry, '', 'v1', 'nodes'),
      pods: pick(this.registry, '', 'v1', 'pods'),
      configmaps: pick(this.registry, '', 'v1', 'configmaps'),
      events: pick(this.registry, '', 'v1', 'events'),
      leases: pick(this.registry, 'coordination.k8s.io', 'v1', 'leases'),
      poddisruptionbudgets: pick(this.registry, 'policy', 'v1', 'poddisruptionbudgets'),
      customresourcedefinitions: pick(this.registry, 'apiextensions.k8s.io', 'v1', 'customresourcedefinitions'),
    };
    this.service = new ResourceService(
      this.store,
      this.clock,
      (namespace) => this.service.find(this.types.namespaces, undefined, namespace) !== undefined,
    );
    installPodLifecycle(this.service, this.types.pods, this.clock);
    this.service.setHooks(this.types.nodes, {
      validate: (node) => taintCauses(node.spec),
      ...orphanPodCollector(this.service, this.types.nodes, this.types.pods, this.clock),
    });
    installNamespaceLifecycle(this.service, this.types.namespaces, this.registry);
    installCrdController(this.service, this.types.customresourcedefinitions, this.registry, this.clock);
    this.disruption = new DisruptionController(
      this.service,
      this.types.pods,
      this.types.poddisruptionbudgets,
      this.clock,
    );
    this.disruption.start();
    for (const name of INITIAL_NAMESPACES)
      this.service.create(this.types.namespaces, undefined, { metadata: { name } });
  }

  /** The type a manifest's apiVersion+kind names; a clear error if it isn't served. */
  typeOfManifest(manifest: KubeObject): { type: ResourceType; version: string } {
    const found = this.registry.lookupKind(String(manifest.apiVersion ?? ''), String(manifest.kind ?? ''));
    if (!found) {
      throw badRequest(
        `cluster-sim does not serve apiVersion "${String(manifest.apiVersion)}" kind "${String(manifest.kind)}" (create its CRD first, or see README for the served types)`,
      );
    }
    return found;
  }

  /**
   * Creates a manifest of any served kind, as `kubectl create -f` would. `preserveUid` keeps a
   * seeded uid so generated ownerReferences point at the generated owners.
   */
  createManifest(manifest: KubeObject, options: { preserveUid?: boolean } = {}): KubeObject {
    const { type, version } = this.typeOfManifest(manifest);
    const created = this.service.create(
      type,
      manifest.metadata?.namespace ?? (type.namespaced ? 'default' : undefined),
      manifest,
      options,
    );
    return this.service.present(created, type, version);
  }

  dispose(): void {
    this.disruption.stop();
    this.clock.dispose();
  }
}
