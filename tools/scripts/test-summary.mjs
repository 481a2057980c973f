#!/usr/bin/env node
// Sums the per-project vitest JSON reports (tmp/test-results/*.json, written by vitest.shared.ts)
// into one workspace-wide line, `Tests: N passed, N failed, N skipped`, plus a line per project.
// Failed tests are listed by name with the first lines of their error, so that a CI log which only
// keeps its tail still says what failed. Exits non-zero when a report records a failure or when no
// report exists (no test ran).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '../../tmp/test-results');
let files = [];
try {
  files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
} catch {
  // no directory: reported below
}
const total = { passed: 0, failed: 0, skipped: 0, suitesFailed: 0 };
const failures = [];
const firstLines = (text) =>
  String(text ?? '')
    .split('\n')
    .slice(0, 3)
    .map((l) => `      ${l}`)
    .join('\n');
for (const file of files) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  total.passed += r.numPassedTests ?? 0;
  total.failed += r.numFailedTests ?? 0;
  total.skipped += skipped;
  total.suitesFailed += r.numFailedTestSuites ?? 0;
  const project = file.replace(/\.json$/, '');
  for (const suite of r.testResults ?? []) {
    const where = `${project} › ${String(suite.name).replace(/^.*?\/(src|test)\//, '$1/')}`;
    const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failedTests) failures.push(`  ✗ ${where} › ${t.fullName}\n${firstLines(t.failureMessages?.[0])}`);
    if (suite.status === 'failed' && failedTests.length === 0)
      failures.push(`  ✗ ${where} (suite failed)\n${firstLines(suite.message)}`);
  }
  console.log(
    `  ${file.replace(/\.json$/, '').padEnd(20)} ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped (${r.testResults?.length ?? 0} files)`,
  );
}
if (files.length === 0) {
  console.error(`No test reports in ${dir}: did the tests run?`);
  process.exit(1);
}
if (failures.length > 0) console.log(`Failed:\n${failures.join('\n')}`);
console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || total.suitesFailed > 0 ? 1 : 0);
