/**
 * Providers register a factory under their name; `createDataStore` looks it up. Built-in providers
 * register themselves when `@nvsentinel/store-client` is imported, so callers never name a
 * provider's module — the configuration picks it.
 */
import type { DataStoreConfig } from './config/types.js';
import { DatastoreError } from './errors.js';
import type { DataStore } from './interfaces.js';

export type DataStoreFactory = (config: DataStoreConfig) => Promise<DataStore>;

const providers = new Map<string, DataStoreFactory>();

/** Registers (or replaces) the factory for `name`. */
export function registerProvider(name: string, factory: DataStoreFactory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new DatastoreError('configuration', `invalid provider name '${name}': use lowercase letters, digits and '-'`);
  }
  providers.set(name, factory);
}

export function registeredProviders(): string[] {
  return [...providers.keys()].sort();
}

/** Opens a datastore with the provider named in `config.provider`. */
export async function createDataStore(config: DataStoreConfig): Promise<DataStore> {
  const factory = providers.get(config.provider);
  if (!factory) {
    throw new DatastoreError(
      'provider_not_found',
      `unsupported datastore provider '${config.provider}'. Supported providers: ${registeredProviders().join(', ') || '(none registered)'}. ` +
        'Set DATASTORE_PROVIDER to one of them.',
    );
  }
  return factory(config);
}
