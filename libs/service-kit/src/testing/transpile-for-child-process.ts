/**
 * Transpiles this package's sources (no type checking) into a throw-away folder under the
 * package's `tmp/`, so a plain `node` child process can import the library in tests that need a
 * real process: real signals, real exit codes. Living under the package keeps the npm
 * dependencies resolvable from the workspace's node_modules.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_ROOT = join(PACKAGE_ROOT, 'src');

export interface TranspiledPackage {
  /** Absolute path of the transpiled `index.js`. */
  entry: string;
  /** Folder for fixture scripts next to the build. */
  dir: string;
  remove(): void;
}

export function transpileForChildProcess(): TranspiledPackage {
  mkdirSync(join(PACKAGE_ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(PACKAGE_ROOT, 'tmp', 'child-'));
  for (const file of sourceFiles(SOURCE_ROOT)) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    }).outputText;
    const target = join(dir, 'lib', relative(SOURCE_ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return { entry: join(dir, 'lib', 'index.js'), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}
