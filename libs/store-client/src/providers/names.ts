/**
 * Provider names, in a module of their own so that naming a provider (in the registry, in
 * migrate, in the public exports) never loads its driver.
 */
export const POSTGRESQL_PROVIDER = 'postgresql';
export const EMBEDDED_PROVIDER = 'embedded';
export const MONGODB_PROVIDER = 'mongodb';
