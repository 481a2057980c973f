import { unsupportedMediaType } from '../errors.js';
import type { KubeObject } from '../resources/kube-object.js';
import type { ResourceType } from '../resources/resource-type.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

function accepted(type: ResourceType): string {
  const types: string[] = [PATCH_CONTENT_TYPES.json, PATCH_CONTENT_TYPES.merge];
  if (type.supportsStrategicMerge) types.push(PATCH_CONTENT_TYPES.strategic);
  return types.join(', ');
}

/** Applies a PATCH body to the current object according to its Content-Type. */
export function applyPatchRequest(
  type: ResourceType,
  current: KubeObject,
  contentType: string | undefined,
  patch: unknown,
): unknown {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (mediaType) {
    case PATCH_CONTENT_TYPES.json:
      return applyJsonPatch(current, patch);
    case PATCH_CONTENT_TYPES.merge:
      return applyMergePatch(current, patch);
    case PATCH_CONTENT_TYPES.strategic:
      if (type.supportsStrategicMerge) return applyStrategicMergePatch(current, patch, type.kind);
      break;
    case PATCH_CONTENT_TYPES.apply:
      throw unsupportedMediaType(
        `server-side apply (${PATCH_CONTENT_TYPES.apply}) is not supported by cluster-sim; use ${accepted(type)} (client-node: setHeaderOptions('Content-Type', PatchStrategy.MergePatch))`,
      );
  }
  throw unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: ${accepted(type)}`,
  );
}
