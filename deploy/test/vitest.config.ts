import { projectConfig } from '../../vitest.shared.js';

// helm renders take a few seconds each on a loaded machine and the Dockerfile dry run installs,
// builds and starts a service; give them room without asserting on speed.
export default projectConfig(import.meta.dirname, '@nvsentinel/deploy-tests', {
  test: { testTimeout: 180_000, hookTimeout: 240_000 },
});
