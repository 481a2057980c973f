import type { SimClock } from '../clock.js';
import type { ResourceHooks, ResourceService } from '../resources/resource-service.js';
import type { ResourceType } from '../resources/resource-type.js';
import { podNodeName } from './pod-lifecycle.js';

/** The pod garbage collector waits this long before removing pods of a vanished node. */
const ORPHAN_POD_QUARANTINE_SECONDS = 40;

/**
 * Stands in for the pod garbage collector: once a node is deleted (e.g. a terminated instance),
 * the pods still bound to it are force-deleted after the quarantine period, unless a node of
 * that name came back meanwhile.
 */
export function orphanPodCollector(
  service: ResourceService,
  nodes: ResourceType,
  pods: ResourceType,
  clock: SimClock,
): Pick<ResourceHooks, 'afterDelete'> {
  return {
    afterDelete(node) {
      const nodeName = node.metadata.name!;
      clock.after(ORPHAN_POD_QUARANTINE_SECONDS, () => {
        if (service.find(nodes, undefined, nodeName)) return;
        for (const pod of service.list(pods, { filter: (candidate) => podNodeName(candidate) === nodeName }).items) {
          if (service.find(pods, pod.metadata.namespace, pod.metadata.name!))
            service.delete(pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 });
        }
      });
    },
  };
}
