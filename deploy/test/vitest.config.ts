import type { ViteUserConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared.js';

// helm renders take a few seconds each on a loaded machine and the Dockerfile dry run installs,
// builds and starts a service; give them room without asserting on speed.
const config: ViteUserConfig = projectConfig(import.meta.dirname, '@nvsentinel/deploy-tests', {
  test: { testTimeout: 180_000, hookTimeout: 240_000 },
});

// The recorded RBAC run loads csp-health-monitor, which loads the AWS SDK: Vite's default `module`
// condition would send it to the bundler-only dist-es build that Node cannot load (see
// apps/csp-health-monitor/vitest.config.ts); without it, Node-style resolution picks dist-cjs.
for (const resolve of [config.resolve, config.ssr?.resolve]) {
  if (resolve?.conditions) resolve.conditions = resolve.conditions.filter((condition) => condition !== 'module');
}

export default config;
