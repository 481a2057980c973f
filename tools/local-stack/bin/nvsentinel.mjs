#!/usr/bin/env node
// Launcher for the `nvsentinel` CLI. npm links workspace bins at `npm ci` time, before anything is
// built, so the bin is this committed file (executable from the start) and the CLI itself is the
// compiled dist/cli/main.js, built by `npm start` or `npx nx run local-stack:build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'nvsentinel: the CLI is not built yet. Run `npm start` (builds and starts the stack) or `npx nx run local-stack:build`.\n',
  );
  process.exit(1);
}
await import(cli.href);
