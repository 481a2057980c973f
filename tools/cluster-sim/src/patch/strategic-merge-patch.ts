import { badRequest } from '../errors.js';
import { cloneObject, isPlainObject } from '../resources/kube-object.js';

/**
 * How a list field merges under strategic merge patch. Real Kubernetes reads this from Go struct
 * tags (`patchStrategy`, `patchMergeKey`); we list the fields NVSentinel touches. Any list not named
 * here is replaced wholesale — which is also the real behaviour for `spec.taints` (no patch tags).
 */
type ListStrategy = { mergeKey: string } | { primitiveSet: true };

const COMMON: Record<string, ListStrategy> = {
  'metadata.finalizers': { primitiveSet: true },
  'metadata.ownerReferences': { mergeKey: 'uid' },
};

const CONTAINER_LISTS: Record<string, ListStrategy> = {
  'spec.containers': { mergeKey: 'name' },
  'spec.initContainers': { mergeKey: 'name' },
  'spec.containers[].env': { mergeKey: 'name' },
  'spec.containers[].ports': { mergeKey: 'containerPort' },
  'spec.containers[].volumeMounts': { mergeKey: 'mountPath' },
  'spec.volumes': { mergeKey: 'name' },
  'spec.imagePullSecrets': { mergeKey: 'name' },
};

const BY_KIND: Record<string, Record<string, ListStrategy>> = {
  Node: {
    'status.conditions': { mergeKey: 'type' },
    'status.addresses': { mergeKey: 'type' },
    'spec.podCIDRs': { primitiveSet: true },
  },
  Pod: {
    ...CONTAINER_LISTS,
    'status.conditions': { mergeKey: 'type' },
    'status.podIPs': { mergeKey: 'ip' },
  },
  Namespace: { 'status.conditions': { mergeKey: 'type' } },
  PodDisruptionBudget: { 'status.conditions': { mergeKey: 'type' } },
  CustomResourceDefinition: { 'status.conditions': { mergeKey: 'type' } },
};

/** Documented list of merge keys served, for the README and for error messages. */
function strategicListFields(kind: string): Record<string, ListStrategy> {
  return { ...COMMON, ...(BY_KIND[kind] ?? {}) };
}

const DIRECTIVE = '$patch';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const RETAIN_KEYS = '$retainKeys';

/** Marker for "remove this value" produced by a `$patch: delete` directive. */
const REMOVE = Symbol('remove');

function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (!isPlainObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (
      key === DIRECTIVE ||
      key === RETAIN_KEYS ||
      key.startsWith(DELETE_FROM_PRIMITIVE_LIST) ||
      key.startsWith(SET_ELEMENT_ORDER)
    )
      continue;
    result[key] = withoutDirectives(item);
  }
  return result;
}

function mergeKeyedList(
  target: unknown,
  patch: unknown[],
  mergeKey: string,
  path: string,
  fields: Record<string, ListStrategy>,
): unknown[] {
  if (patch.some((item) => isPlainObject(item) && item[DIRECTIVE] === 'replace')) {
    return patch.filter((item) => !(isPlainObject(item) && item[DIRECTIVE] === 'replace')).map(withoutDirectives);
  }
  const result = Array.isArray(target) ? cloneObject(target) : [];
  for (const item of patch) {
    if (!isPlainObject(item) || !(mergeKey in item)) {
      throw badRequest(`strategic merge patch: every item of ${path} must be an object with merge key "${mergeKey}"`);
    }
    const index = result.findIndex((existing) => isPlainObject(existing) && existing[mergeKey] === item[mergeKey]);
    if (item[DIRECTIVE] === 'delete') {
      if (index !== -1) result.splice(index, 1);
      continue;
    }
    if (index === -1) result.push(withoutDirectives(item));
    else result[index] = mergeValue(result[index], item, `${path}[]`, fields);
  }
  return result;
}

function mergePrimitiveSet(target: unknown, patch: unknown[]): unknown[] {
  const result = Array.isArray(target) ? [...target] : [];
  for (const item of patch) if (!result.includes(item)) result.push(item);
  return result;
}

function mergeValue(target: unknown, patch: unknown, path: string, fields: Record<string, ListStrategy>): unknown {
  if (!isPlainObject(patch)) return cloneObject(patch);
  if (patch[DIRECTIVE] === 'replace') return withoutDirectives(patch);
  if (patch[DIRECTIVE] === 'delete') return REMOVE;
  let result: Record<string, unknown> = isPlainObject(target) ? cloneObject(target) : {};
  const retain = patch[RETAIN_KEYS];
  if (Array.isArray(retain)) {
    result = Object.fromEntries(Object.entries(result).filter(([key]) => retain.includes(key) || key in patch));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value))
        result[field] = current.filter((item) => !value.includes(item));
      continue;
    }
    const childPath = path ? `${path}.${key}` : key;
    if (value === null) {
      delete result[key];
      continue;
    }
    if (Array.isArray(value)) {
      const strategy = fields[childPath];
      if (strategy && 'mergeKey' in strategy)
        result[key] = mergeKeyedList(result[key], value, strategy.mergeKey, childPath, fields);
      else if (strategy) result[key] = mergePrimitiveSet(result[key], value);
      else result[key] = withoutDirectives(value);
      continue;
    }
    const merged = mergeValue(result[key], value, childPath, fields);
    if (merged === REMOVE) delete result[key];
    else result[key] = merged;
  }
  return result;
}

/**
 * Strategic merge patch for the fields listed above; elsewhere it behaves like a JSON merge patch.
 * Supports `$patch: replace|delete`, `$retainKeys` and `$deleteFromPrimitiveList/<field>`;
 * `$setElementOrder/<field>` is accepted and ignored (item order is not preserved on request).
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: string): unknown {
  if (!isPlainObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  const merged = mergeValue(target, patch, '', strategicListFields(kind));
  if (merged === REMOVE) throw badRequest('a strategic merge patch cannot delete the whole object');
  return merged;
}
