import type { SimClock } from '../clock.js';
import type { StatusCause } from '../errors.js';
import { isPlainObject, type KubeObject } from '../resources/kube-object.js';
import type { ResourceRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resource-service.js';
import { ALL_VERBS, storageKey, type ResourceType } from '../resources/resource-type.js';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: unknown; scale?: unknown };
  selectableFields?: { jsonPath: string }[];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: {
    plural: string;
    singular?: string;
    kind: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  versions: CrdVersion[];
}

function specOf(crd: KubeObject): Partial<CrdSpec> {
  return (isPlainObject(crd.spec) ? crd.spec : {}) as Partial<CrdSpec>;
}

function validateCrd(crd: KubeObject): StatusCause[] {
  const spec = specOf(crd);
  const causes: StatusCause[] = [];
  if (!spec.group || !spec.group.includes('.'))
    causes.push({ field: 'spec.group', message: 'should be a domain with at least one dot' });
  if (!spec.names?.plural)
    causes.push({ field: 'spec.names.plural', reason: 'FieldValueRequired', message: 'Required value' });
  if (!spec.names?.kind)
    causes.push({ field: 'spec.names.kind', reason: 'FieldValueRequired', message: 'Required value' });
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    causes.push({
      field: 'spec.scope',
      reason: 'FieldValueNotSupported',
      message: 'supported values: "Cluster", "Namespaced"',
    });
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    causes.push({ field: 'spec.versions', reason: 'FieldValueRequired', message: 'must have at least one version' });
  if (versions.filter((version) => version.storage).length !== 1)
    causes.push({ field: 'spec.versions', message: 'must have exactly one version marked as storage version' });
  if (spec.names?.plural && spec.group && crd.metadata.name !== `${spec.names.plural}.${spec.group}`) {
    causes.push({
      field: 'metadata.name',
      message: `must be spec.names.plural+"."+spec.group ("${spec.names.plural}.${spec.group}")`,
    });
  }
  return causes;
}

/** The served type of a CRD. The storage version is listed first so stored objects carry it. */
function typeFromCrd(crd: KubeObject): ResourceType {
  const spec = specOf(crd) as CrdSpec;
  const served = spec.versions.filter((version) => version.served);
  const ordered = [...served.filter((version) => version.storage), ...served.filter((version) => !version.storage)];
  return {
    group: spec.group,
    versions: ordered.map((version) => version.name),
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    kind: spec.names.kind,
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    namespaced: spec.scope === 'Namespaced',
    ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
    ...(spec.names.categories ? { categories: spec.names.categories } : {}),
    hasStatusSubresource: served.some((version) => version.subresources?.status !== undefined),
    tracksGeneration: true,
    fieldSelectors: served.flatMap((version) =>
      (version.selectableFields ?? []).map((field) => field.jsonPath.replace(/^\./, '')),
    ),
    supportsStrategicMerge: false,
    verbs: ALL_VERBS,
    custom: true,
  };
}

/**
 * CRDs become served types the moment they are stored (status Established=True right away), and
 * deleting a CRD deletes all its objects first, as the apiextensions cleanup finalizer would.
 */
export function installCrdController(
  service: ResourceService,
  crds: ResourceType,
  registry: ResourceRegistry,
  clock: SimClock,
): void {
  service.setHooks(crds, {
    validate: (crd) => validateCrd(crd),
    beforeCreate(crd) {
      const spec = specOf(crd) as CrdSpec;
      const now = clock.timestamp();
      crd.status = {
        conditions: [
          {
            type: 'NamesAccepted',
            status: 'True',
            reason: 'NoConflicts',
            message: 'no conflicts found',
            lastTransitionTime: now,
          },
          {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
            lastTransitionTime: now,
          },
        ],
        acceptedNames: spec.names,
        storedVersions: (spec.versions ?? []).filter((version) => version.storage).map((version) => version.name),
      };
    },
    afterCreate: (crd) => registry.register(typeFromCrd(crd)),
    afterUpdate: (crd) => registry.register(typeFromCrd(crd)),
    afterDelete(crd) {
      const type = typeFromCrd(crd);
      const storage = storageKey(type);
      for (const object of service.store.list(storage))
        service.store.remove(storage, object.metadata.namespace, object.metadata.name!);
      registry.unregister(type.group, type.plural);
      service.store.dropCollection(storage);
    },
  });
}
