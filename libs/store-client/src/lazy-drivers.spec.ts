/**
 * Importing @nvsentinel/store-client must not load a datastore driver: a service loads pg,
 * PGlite (and its WASM) or the MongoDB driver only when it opens a datastore of that provider.
 * Checked in a fresh Node process (this test process has loaded drivers already), running the
 * sources through small module hooks that log every module they resolve.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const hooks = pathToFileURL(join(import.meta.dirname, 'testing/ts-source-hooks.mjs')).href;
const entry = pathToFileURL(join(import.meta.dirname, 'index.ts')).href;
// A fresh Node process transpiling the sources (and PGlite compiling its WASM) takes tens of
// seconds on a loaded 2-core machine; the budget only bounds a hang.
const CHILD_BUDGET_MS = 180_000;
const DRIVERS = ['/node_modules/pg/', '/node_modules/mongodb/', '/node_modules/@electric-sql/pglite/'];

/** Runs `script` (an ES module body) after importing the package; returns the module URLs loaded. */
async function modulesLoadedBy(script: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nvs-lazy-drivers-'));
  const log = join(dir, 'modules.log');
  try {
    const register = `import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;
    await run(
      process.execPath,
      [
        '--conditions=@nvsentinel/source',
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        '--input-type=module',
        '-e',
        `const storeClient = await import(${JSON.stringify(entry)});\n${script}`,
      ],
      { env: { ...process.env, NVS_MODULE_LOG: log }, cwd: import.meta.dirname },
    );
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const driversIn = (urls: string[]): string[] => DRIVERS.filter((d) => urls.some((u) => u.includes(d)));

describe('datastore drivers load lazily', () => {
  it(
    'importing the package loads no driver, though every built-in provider is registered',
    async () => {
      const urls = await modulesLoadedBy(
        "if (storeClient.registeredProviders().join() !== 'embedded,mongodb,postgresql') process.exit(3);",
      );
      // the hooks saw the package itself, so an empty driver list is not an empty log
      expect(urls.some((u) => u.endsWith('/store-client/src/registry.ts'))).toBe(true);
      expect(driversIn(urls)).toEqual([]);
    },
    CHILD_BUDGET_MS,
  );

  it(
    'opening an embedded datastore loads PGlite and nothing else',
    async () => {
      const urls = await modulesLoadedBy(`
      const dataDir = ${JSON.stringify(join(tmpdir(), `nvs-lazy-embedded-${process.pid}`))};
      const ds = await storeClient.createDataStore({
        provider: 'embedded',
        connection: { host: '', port: 0, database: 'nvsentinel' },
        options: { dataDir },
      });
      await ds.close();
      (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
    `);
      expect(driversIn(urls)).toEqual(['/node_modules/@electric-sql/pglite/']);
    },
    CHILD_BUDGET_MS,
  );
});
