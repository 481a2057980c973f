import { projectConfig } from '../../vitest.shared.js';

// The integration specs wait on a real change stream, database and API simulator; their polls are
// bounded at 20 s each, so a loaded CI machine needs more than the shared 30 s per test.
export default projectConfig(import.meta.dirname, '@nvsentinel/node-drainer', { test: { testTimeout: 90_000 } });
