// The generated ObjectSerializer is not re-exported from the package root, but the typed API
// calls use it for every response. Watch streams bypass it and deliver raw JSON (timestamps as
// strings), so caches that mix list results and watch events would hold two shapes of the same
// type. We deserialize watch objects with the same serializer to keep one shape.
// client-node ships no "exports" map, so this deep path is part of its published layout (1.x).
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';

/** Convert raw API JSON into the generated model `typeName` (e.g. "V1Node"): Date fields become Dates. */
export function deserializeAs<T>(raw: unknown, typeName: string): T {
  return ObjectSerializer.deserialize(raw, typeName, '') as T;
}

/** Convert a generated model back to API JSON (Dates become RFC 3339 strings). */
export function serializeAs(value: unknown, typeName: string): unknown {
  return ObjectSerializer.serialize(value, typeName, '');
}
