/**
 * Which GPUs a pod uses. NVIDIA's device plugin stack records the allocated devices in the pod
 * annotation `dgxc.nvidia.com/devices`; its value lists GPU UUIDs (`GPU-<hex groups>`). We read the
 * UUIDs out of the value wherever they appear, so a JSON map, a JSON list or a comma-separated
 * list all work.
 */
import type { V1Pod } from '@kubernetes/client-node';

export const DEVICES_ANNOTATION = 'dgxc.nvidia.com/devices';
/** Resources that put a GPU into a pod (upstream's partial-drain resource names). */
const GPU_RESOURCES = ['nvidia.com/gpu', 'nvidia.com/pgpu'] as const;
/** Entity types that name the GPU a COMPONENT_RESET is about. */
export const GPU_ENTITY_TYPES = ['GPU_UUID'] as const;

const GPU_UUID_PATTERN = /GPU-[0-9a-f]+(?:-[0-9a-f]+)*/gi;

export function hasDevicesAnnotation(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[DEVICES_ANNOTATION] !== undefined;
}

/** GPU UUIDs named by the device annotation, lower-cased; undefined when the pod has no annotation. */
function annotatedGpuUuids(pod: V1Pod): Set<string> | undefined {
  const value = pod.metadata?.annotations?.[DEVICES_ANNOTATION];
  if (value === undefined) return undefined;
  return new Set([...value.matchAll(GPU_UUID_PATTERN)].map((m) => m[0].toLowerCase()));
}

/** True when some container requests or limits a GPU resource. */
function requestsGpu(pod: V1Pod): boolean {
  return (pod.spec?.containers ?? []).some((container) =>
    GPU_RESOURCES.some((resource) => {
      const amount = container.resources?.requests?.[resource] ?? container.resources?.limits?.[resource];
      return amount !== undefined && String(amount) !== '0';
    }),
  );
}

/**
 * Whether a partial drain for `gpuUuid` must take this pod. The annotation decides when present.
 * A pod that requests GPUs but carries no annotation could be on any GPU of the node, so it is
 * drained too: a reset of the GPU it may be using would break it anyway.
 */
export function podUsesGpu(pod: V1Pod, gpuUuid: string): boolean {
  const uuids = annotatedGpuUuids(pod);
  if (uuids !== undefined) return uuids.has(gpuUuid.toLowerCase());
  return requestsGpu(pod);
}
