import { projectConfig } from '../../vitest.shared.js';

// Integration specs wait on a real change stream, database and API simulator: allow a loaded CI machine more time.
export default projectConfig(import.meta.dirname, '@nvsentinel/health-events-analyzer', {
  test: { testTimeout: 90_000 },
});
