/**
 * Like fastify's errors-by-code test: docs/errors.md lists exactly the codes the catalogues
 * declare. The catalogues are read as text, not imported, because they live in every package
 * (apps too) and this library may depend on none of them; a catalogue is any `errors.ts` under a
 * package's `src/` or any file of a `src/errors/` folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../../..');

function catalogueFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string, inErrorsFolder: boolean): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path, entry.name === 'errors');
      } else if (
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.spec.ts') &&
        (entry.name === 'errors.ts' || inErrorsFolder)
      ) {
        found.push(path);
      }
    }
  };
  for (const group of ['libs', 'apps']) {
    for (const pkg of readdirSync(join(repo, group), { withFileTypes: true })) {
      if (pkg.isDirectory()) walk(join(repo, group, pkg.name, 'src'), false);
    }
  }
  return found;
}

/**
 * `NVS_ERR_*` literals (a name ending in `_`, as in the prose `NVS_ERR_PC_*`, is a family, not a
 * code) plus the values of `export const XErrorCode = { … } as const` objects, which is how
 * DatastoreError declares its provider-neutral codes.
 */
function codesIn(source: string): string[] {
  const codes = [...source.matchAll(/NVS_ERR_[A-Z0-9_]+/g)].map((m) => m[0]).filter((c) => !c.endsWith('_'));
  for (const block of source.matchAll(/export const \w+ErrorCode = \{([^}]*)\} as const/g)) {
    codes.push(...[...block[1]!.matchAll(/:\s*'([^']+)'/g)].map((m) => m[1]!));
  }
  return codes;
}

function documentedCodes(): string[] {
  const doc = readFileSync(join(repo, 'docs/errors.md'), 'utf8');
  return [...doc.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]!);
}

describe('docs/errors.md', () => {
  const files = catalogueFiles();
  const declared = new Map<string, string>();
  for (const file of files) {
    for (const code of codesIn(readFileSync(file, 'utf8'))) declared.set(code, relative(repo, file));
  }

  it('finds the catalogues of the libraries and the apps', () => {
    const packages = new Set(files.map((f) => relative(repo, f).split('/').slice(0, 2).join('/')));
    for (const expected of [
      'libs/service-kit',
      'libs/store-client',
      'libs/k8s',
      'libs/health-model',
      'apps/platform-connectors',
    ]) {
      expect(packages).toContain(expected);
    }
  });

  it('lists every code a catalogue declares', () => {
    const documented = new Set(documentedCodes());
    const missing = [...declared].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing, 'add a row for each to docs/errors.md').toEqual([]);
  });

  it('lists no code that no catalogue declares, and each only once', () => {
    const documented = documentedCodes();
    expect(
      documented.filter((code) => !declared.has(code)),
      'remove these rows from docs/errors.md',
    ).toEqual([]);
    expect(
      documented.filter((code, i) => documented.indexOf(code) !== i),
      'listed twice',
    ).toEqual([]);
  });
});
