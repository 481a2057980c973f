import { projectConfig } from '../../vitest.shared.js';

// Integration tests wait on change-stream delivery from a PostgreSQL server other suites share;
// the bound is generous so a busy server cannot fail them (it is not a speed assertion).
export default projectConfig(import.meta.dirname, '@nvsentinel/fault-quarantine', { test: { testTimeout: 180_000 } });
