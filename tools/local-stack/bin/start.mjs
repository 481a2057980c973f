#!/usr/bin/env node
// `npm start`: compile what changed, then start the stack in this process.
// `tsc --build` follows the project references of the stack's tsconfig (every lib and app it
// starts, and the cluster simulator), compiles only what is out of date, and costs about half a
// second when nothing changed — a fraction of an Nx run, whose project-graph start-up alone takes
// longer than the whole no-op compile. Node 20 cannot run the .ts sources directly.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('../tsconfig.lib.json', import.meta.url));
const began = performance.now();
process.stdout.write('Compiling the services (tsc --build: 10–40 s on a fresh clone, under a second after that) … ');
const result = spawnSync(process.execPath, [tsc, '--build', project], { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.status !== 0) {
  process.stderr.write('\nnpm start: compilation failed; the TypeScript errors above name the files to fix.\n');
  process.exit(result.status ?? 1);
}
console.log(`done in ${((performance.now() - began) / 1000).toFixed(1)} s`);
await import('../dist/main.js');
