import type { ViteUserConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared.js';

// Integration specs wait on a real change stream, database and API simulator: allow a loaded CI machine more time.
const config: ViteUserConfig = projectConfig(import.meta.dirname, '@nvsentinel/janitor', {
  test: { testTimeout: 90_000 },
});

// Vite's default server conditions start with `module`, which sends the AWS SDK (exports lists
// `module` before `node`) to its bundler-only dist-es build, whose extensionless imports Node
// cannot load. Without `module`, Node-style resolution picks the SDK's dist-cjs build.
for (const resolve of [config.resolve, config.ssr?.resolve]) {
  if (resolve?.conditions) resolve.conditions = resolve.conditions.filter((condition) => condition !== 'module');
}

export default config;
