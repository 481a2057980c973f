/**
 * The vitest settings every project shares. Each project's vitest.config.ts calls
 * `projectConfig(import.meta.dirname, name)`; keep per-project differences in `overrides`.
 *
 * Besides the console reporter, each run writes a JSON report to tmp/test-results/<project>.json
 * so `.ci/run` can print one workspace-wide "N passed, N failed, N skipped" line.
 */
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';
import { defaultServerConditions } from 'vite';
import { join } from 'node:path';

const conditions = ['@nvsentinel/source', ...defaultServerConditions];

export function projectConfig(root: string, name: string, overrides: ViteUserConfig = {}): ViteUserConfig {
  const reportFile = join(root, '../../tmp/test-results', `${name.replace(/^@nvsentinel\//, '')}.json`);
  return mergeConfig(
    defineConfig({
      root,
      resolve: { conditions },
      ssr: { resolve: { conditions } },
      test: {
        name,
        environment: 'node',
        include: ['src/**/*.spec.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
        reporters: ['default', ['json', { outputFile: reportFile }]],
      },
    }),
    overrides,
  );
}
