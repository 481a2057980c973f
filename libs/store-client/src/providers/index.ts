/** Built-in providers, registered when the package is imported. */
import { registerProvider } from '../registry.js';
import { createEmbeddedDataStore, EMBEDDED_PROVIDER } from './embedded/embedded-datastore.js';
import { registerMongoProvider } from './mongodb/index.js';
import { createPostgresDataStore, POSTGRESQL_PROVIDER } from './postgresql/postgresql-datastore.js';

registerProvider(POSTGRESQL_PROVIDER, createPostgresDataStore);
registerProvider(EMBEDDED_PROVIDER, createEmbeddedDataStore);
// Services that want the resume-token recovery metric or a history-lost handler call
// registerMongoProvider(hooks) again with them.
registerMongoProvider();

export { createEmbeddedDataStore, createPostgresDataStore, EMBEDDED_PROVIDER, POSTGRESQL_PROVIDER };
