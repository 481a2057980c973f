import type { ViteUserConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared.js';

// Integration specs wait on a real datastore, API simulator and cloud fakes: allow a loaded CI machine more time.
const config: ViteUserConfig = projectConfig(import.meta.dirname, '@nvsentinel/csp-health-monitor', {
  test: { testTimeout: 90_000 },
});

// Vite's default server conditions start with `module`, which sends the AWS SDK (its exports list
// `module` before `node`) to the bundler-only dist-es build, whose extensionless imports Node cannot
// load. Without `module`, Node-style resolution picks the SDK's dist-cjs build (as in apps/janitor).
for (const resolve of [config.resolve, config.ssr?.resolve]) {
  if (resolve?.conditions) resolve.conditions = resolve.conditions.filter((condition) => condition !== 'module');
}

export default config;
