/**
 * Built-in providers, registered when the package is imported. Registration names a factory that
 * imports the provider's module (and its driver) on first use, so importing the package loads
 * none of pg, PGlite or the MongoDB driver (src/lazy-drivers.spec.ts checks it).
 */
import { registerProvider } from '../registry.js';
import { createEmbeddedDataStore, createPostgresDataStore } from './lazy.js';
import { registerMongoProvider } from './mongodb/register.js';
import { EMBEDDED_PROVIDER, POSTGRESQL_PROVIDER } from './names.js';

registerProvider(POSTGRESQL_PROVIDER, createPostgresDataStore);
registerProvider(EMBEDDED_PROVIDER, createEmbeddedDataStore);
// Services that want the resume-token recovery metric or a history-lost handler call
// registerMongoProvider(hooks) again with them.
registerMongoProvider();

export { createEmbeddedDataStore, createPostgresDataStore, EMBEDDED_PROVIDER, POSTGRESQL_PROVIDER };
