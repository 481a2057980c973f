// Node module hooks that run this repository's TypeScript sources directly (tests only): `.js`
// specifiers of relative imports resolve to the `.ts` file beside them, `.ts` files are
// transpiled with the TypeScript compiler, and every resolved module URL is appended to the file
// named by NVS_MODULE_LOG, so a test can see which packages an import really loaded.
import { appendFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const log = process.env.NVS_MODULE_LOG;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return record({ url: candidate.href, shortCircuit: true });
  }
  return record(await nextResolve(specifier, context));
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const { source } = await nextLoad(url, { ...context, format: 'module' });
  const output = ts.transpileModule(String(source), {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}

function record(result) {
  if (log) appendFileSync(log, `${result.url}\n`);
  return result;
}
