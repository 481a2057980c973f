#!/usr/bin/env node
// Runs the buf CLI from its platform package. We depend on the platform packages directly
// (root optionalDependencies) instead of `@bufbuild/buf`, because our registry mirror lacks
// some of the latter's optional platform packages and `npm ci` then refuses the lockfile.
// Usage: node scripts/buf.mjs generate | lint | …   (exit 127 when no binary fits this machine)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const arch = { x64: 'x64', arm64: 'aarch64' }[process.arch] ?? process.arch;
const pkg = `@bufbuild/buf-${process.platform}-${arch}`;

/** Path of the buf binary for this machine, or undefined. */
export function bufBinary() {
  try {
    const require = createRequire(import.meta.url);
    const bin = join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'buf');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bin = bufBinary();
  if (!bin) {
    console.error(
      `buf: no binary for ${process.platform}-${process.arch} (${pkg} is not installed). Install it with: npm i --no-save ${pkg}@1.75.0`,
    );
    process.exit(127);
  }
  const result = spawnSync(bin, process.argv.slice(2), { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
