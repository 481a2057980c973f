import { badRequest } from '../errors.js';
import type { ResourceRegistry } from '../resources/registry.js';
import type { ResourceType } from '../resources/resource-type.js';

/** What a /api or /apis URL addresses once discovery paths are ruled out. */
export interface ResourceRequestPath {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The legacy `/watch/` path prefix (`/api/v1/watch/pods`) implies `?watch=true`. */
  legacyWatch: boolean;
}

export type ParsedPath =
  | { kind: 'discovery-root'; group: '' }
  | { kind: 'discovery-groups' }
  | { kind: 'discovery-group'; group: string }
  | { kind: 'discovery-resources'; group: string; version: string }
  | { kind: 'resource'; request: ResourceRequestPath }
  | { kind: 'unknown' };

/**
 * Parses the URL path (without query) into discovery or resource addressing. `/namespaces/{ns}/x`
 * is a namespaced collection when x is a namespaced type of the group-version; otherwise it's the
 * namespace object's subresource (e.g. `/api/v1/namespaces/foo/status`).
 */
export function parseRequestPath(pathname: string, registry: ResourceRegistry): ParsedPath {
  let segments: string[];
  try {
    segments = pathname
      .split('/')
      .filter((segment) => segment.length > 0)
      .map(decodeURIComponent);
  } catch {
    throw badRequest(`the request path "${pathname}" has a malformed %-escape`);
  }
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length === 1) return { kind: 'discovery-root', group: '' };
    group = '';
    version = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    if (segments.length === 1) return { kind: 'discovery-groups' };
    if (segments.length === 2) return { kind: 'discovery-group', group: segments[1]! };
    group = segments[1]!;
    version = segments[2];
    rest = segments.slice(3);
  } else {
    return { kind: 'unknown' };
  }
  if (version === undefined) return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'discovery-resources', group, version };
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = registry.lookup(group, version, rest[2]!);
    if (type?.namespaced && rest.length <= 5) {
      return {
        kind: 'resource',
        request: { type, version, namespace: rest[1]!, name: rest[3], subresource: rest[4], legacyWatch },
      };
    }
  }
  const type = registry.lookup(group, version, rest[0]!);
  if (!type || rest.length > 3) return { kind: 'unknown' };
  if (type.namespaced && rest.length > 1) return { kind: 'unknown' };
  return { kind: 'resource', request: { type, version, name: rest[1], subresource: rest[2], legacyWatch } };
}
