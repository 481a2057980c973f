import type { KubeObject } from '../../resources/kube-object.js';
import type { ResourceType } from '../../resources/resource-type.js';
import { columnsFor } from './columns.js';

/** True when the Accept header asks for meta.k8s.io Table output (kubectl get does). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /;\s*as=Table/.test(accept);
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/**
 * A meta.k8s.io/v1 Table of `objects`. `includeObject` chooses what each row carries, like the
 * API server's `includeObject` parameter (default Metadata: a PartialObjectMetadata).
 */
export function buildTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  nowMs: number,
  includeObject: IncludeObject = 'Metadata',
): Record<string, unknown> {
  const columns = columnsFor(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map(({ name, type: columnType, format, description, priority }) => ({
      name,
      type: columnType,
      format: format ?? '',
      description,
      priority,
    })),
    rows: objects.map((object) => ({
      cells: columns.map((column) => column.cell(object, nowMs)),
      ...(includeObject === 'Object' ? { object } : {}),
      ...(includeObject === 'Metadata'
        ? { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata } }
        : {}),
    })),
  };
}

export function parseIncludeObject(value: string | undefined): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}
