import { typeKey, type ResourceType } from './resource-type.js';

/**
 * The set of served resource types, indexed for routing (group+version+plural) and for manifests
 * (apiVersion+kind). CRD registration adds and removes entries at runtime.
 */
export class ResourceRegistry {
  readonly #types = new Map<string, ResourceType>();

  register(type: ResourceType): void {
    this.#types.set(typeKey(type), type);
  }

  unregister(group: string, plural: string): void {
    this.#types.delete(typeKey({ group, plural }));
  }

  /** The type served at /{group}/{version}/{plural}, or undefined when that path is not served. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    const type = this.#types.get(typeKey({ group, plural }));
    return type && type.versions.includes(version) ? type : undefined;
  }

  lookupKind(apiVersion: string, kind: string): { type: ResourceType; version: string } | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash === -1 ? '' : apiVersion.slice(0, slash);
    const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
    for (const type of this.#types.values()) {
      if (type.group === group && type.kind === kind && type.versions.includes(version)) return { type, version };
    }
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.#types.values()];
  }

  /** Group → versions served, in registration order (the first version is the preferred one). */
  groupVersions(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const type of this.#types.values()) {
      const versions = groups.get(type.group) ?? [];
      for (const version of type.versions) if (!versions.includes(version)) versions.push(version);
      groups.set(type.group, versions);
    }
    return groups;
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all().filter((type) => type.group === group && type.versions.includes(version));
  }
}
