import type { KubeObject } from './kube-object.js';

/**
 * A served resource: what the generic handlers need to route, store and describe it. Built-in types
 * and CRD-defined types are the same value, which is why one code path serves them all.
 */
export interface ResourceType {
  /** API group; '' for the legacy core group served under /api. */
  group: string;
  /** Versions served; objects are stored once per group+plural and shown in the requested version. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Whether `/status` is served; if so, writes to the main resource keep the stored status. */
  hasStatusSubresource: boolean;
  /** Whether metadata.generation is maintained (bumped on spec changes). */
  tracksGeneration: boolean;
  /** Field selectors accepted beyond metadata.name / metadata.namespace, as the real API lists them. */
  fieldSelectors: string[];
  /** Strategic merge patch needs Go struct tags; custom resources don't have them, so it's refused. */
  supportsStrategicMerge: boolean;
  /** Whether PUT/PATCH are served (events.k8s.io etc. all support it; reserved for read-only types). */
  verbs: string[];
  /** True for CRD-defined types; list items then carry apiVersion/kind as the real API does. */
  custom: boolean;
  /**
   * Set when this type is another API's view of objects stored in a different shape — as
   * events.k8s.io/v1 Events are core/v1 Events in etcd. Reads convert from, writes convert to it.
   */
  storedAs?: StoredAs;
}

export interface StoredAs {
  group: string;
  plural: string;
  apiVersion: string;
  kind: string;
  toStorage(object: KubeObject): KubeObject;
  fromStorage(object: KubeObject): KubeObject;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function groupResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

/** Identity of a served type: group + plural (all its versions are one type). */
export function typeKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return groupResource(type.group, type.plural);
}

/** Identity of a stored collection: shared by all versions of a type, and by types `storedAs` it. */
export function storageKey(type: Pick<ResourceType, 'group' | 'plural' | 'storedAs'>): string {
  return type.storedAs
    ? groupResource(type.storedAs.group, type.storedAs.plural)
    : groupResource(type.group, type.plural);
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
