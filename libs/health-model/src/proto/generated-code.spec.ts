import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { bufBinary } from '../../scripts/buf.mjs';

// src/gen is checked in so builds need no buf; this test keeps it honest by regenerating
// (buf ships its binary through npm, so this works offline) and comparing byte for byte.
const packageRoot = resolve(import.meta.dirname, '../..');
const buf: string | undefined = bufBinary();
// protoc-gen-es is found on PATH by buf
const env = {
  ...process.env,
  PATH: [resolve(packageRoot, '../../node_modules/.bin'), process.env.PATH ?? ''].join(delimiter),
};
const outDir = mkdtempSync(join(tmpdir(), 'health-model-gen-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

if (!buf)
  console.log(
    `generated-code check skipped: no buf binary for ${process.platform}-${process.arch} (see libs/health-model/scripts/buf.mjs)`,
  );

describe.skipIf(!buf)('generated proto code', () => {
  it('is up to date with proto/health_event.proto (run `npm run generate -w libs/health-model` if this fails)', () => {
    execFileSync(buf!, ['generate', '--output', outDir], { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const checkedIn = join(packageRoot, 'src/gen');
    const fresh = join(outDir, 'src/gen');
    expect(readdirSync(fresh).sort()).toStrictEqual(readdirSync(checkedIn).sort());
    for (const file of readdirSync(fresh)) {
      expect(readFileSync(join(checkedIn, file), 'utf8'), file).toBe(readFileSync(join(fresh, file), 'utf8'));
    }
  });

  it('passes buf lint', () => {
    execFileSync(buf!, ['lint'], { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  });
});
