import type { ResourceRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resource-service.js';
import { storageKey, type ResourceType } from '../resources/resource-type.js';

/**
 * Namespaces start Active. Deleting one removes everything in it at once — a simplification of the
 * namespace controller, which would honour each object's finalizers and grace period.
 */
export function installNamespaceLifecycle(
  service: ResourceService,
  namespaces: ResourceType,
  registry: ResourceRegistry,
): void {
  service.setHooks(namespaces, {
    beforeCreate(namespace) {
      namespace.spec = { finalizers: ['kubernetes'] };
      namespace.status = { phase: 'Active' };
    },
    afterDelete(namespace) {
      const name = namespace.metadata.name!;
      for (const type of registry.all()) {
        if (!type.namespaced) continue;
        for (const object of service.store.list(storageKey(type), name)) {
          service.store.remove(storageKey(type), name, object.metadata.name!);
        }
      }
    },
  });
}

export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
