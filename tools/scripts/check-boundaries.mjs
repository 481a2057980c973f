#!/usr/bin/env node
// Module-boundary check over the Nx project graph, in the spirit of
// @nx/enforce-module-boundaries. We do not use the ESLint rule because @nx/eslint
// pulls unrs-resolver, whose optional platform packages break `npm ci` on the package
// mirror this project builds against. Same idea, ~60 lines: each project's tags decide
// which other projects it may depend on; the graph comes from Nx itself, so imports in
// source files and package.json dependencies both count.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * For a project carrying `sourceTag`, every dependency must carry one of `allow`
 * (and, when `onlyProjects` is given, be one of those projects).
 */
const constraints = [
  // libs never import apps or tools; `type:testing` (the cluster simulator) is for tests only,
  // which the source scan below enforces
  { sourceTag: 'type:util', allow: ['type:util', 'type:testing'] },
  { sourceTag: 'type:data-access', allow: ['type:util', 'type:testing'] },
  { sourceTag: 'type:testing', allow: ['type:util'] },
  // service-kit: the service shape and entry point, built over the datastore and k8s libraries
  { sourceTag: 'type:runtime', allow: ['type:util', 'type:data-access', 'type:testing'] },
  // apps and tools may use any lib, never an app
  { sourceTag: 'type:app', allow: ['type:util', 'type:data-access', 'type:runtime', 'type:testing'] },
  { sourceTag: 'type:tool', allow: ['type:util', 'type:data-access', 'type:runtime', 'type:testing', 'type:tool'] },
  // the all-in-one local stack is the one composition root that starts apps in-process
  // benchmarks measure apps against the simulated cluster, like the tests do
  {
    sourceTag: 'type:bench',
    allow: ['type:app', 'type:util', 'type:data-access', 'type:runtime', 'type:testing', 'type:tool'],
  },
  {
    sourceTag: 'type:stack',
    allow: ['type:app', 'type:util', 'type:data-access', 'type:runtime', 'type:testing', 'type:tool'],
  },
];
/**
 * Narrower rules for single projects: store-client builds only on the data model (so any service
 * can use it without pulling Kubernetes or HTTP code), and the error base every catalogue extends
 * imports nothing.
 */
const projectRules = {
  'store-client': ['health-model', 'errors'],
  'health-model': ['errors'],
  errors: [],
};

const dir = mkdtempSync(join(tmpdir(), 'nx-graph-'));
const file = join(dir, 'graph.json');
try {
  execFileSync('npx', ['nx', 'graph', `--file=${file}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
  });
  const { graph } = JSON.parse(readFileSync(file, 'utf8'));
  const tagsOf = (name) => graph.nodes[name]?.data?.tags ?? [];
  const problems = [];
  for (const [source, deps] of Object.entries(graph.dependencies)) {
    if (!graph.nodes[source]) continue; // external (npm) nodes
    const ours = deps.map((d) => d.target).filter((t) => graph.nodes[t]);
    const tags = tagsOf(source);
    if (!tags.some((t) => t.startsWith('type:'))) {
      problems.push(`${source}: has no type:* tag; add one under "nx.tags" in its package.json`);
    }
    for (const target of ours) {
      for (const c of constraints.filter((c) => tags.includes(c.sourceTag))) {
        if (!tagsOf(target).some((t) => c.allow.includes(t))) {
          problems.push(
            `${source} (${c.sourceTag}) must not depend on ${target} (${tagsOf(target).join(', ') || 'untagged'})`,
          );
        }
      }
      const only = projectRules[source];
      if (only && !only.includes(target)) {
        problems.push(`${source} may depend only on [${only.join(', ')}], but depends on ${target}`);
      }
    }
  }
  // Projects tagged type:testing may be imported by tests only (*.spec.ts, src/testing/**).
  const testingPackages = Object.values(graph.nodes)
    .filter((n) => n.data.tags?.includes('type:testing'))
    .map((n) => `@nvsentinel/${n.name}`);
  for (const node of Object.values(graph.nodes)) {
    if (node.data.tags?.includes('type:testing') || node.data.tags?.includes('type:bench')) continue;
    for (const file of productionSources(join(node.data.root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const pkg of testingPackages) {
        if (text.includes(`'${pkg}'`) || text.includes(`"${pkg}"`)) {
          problems.push(`${file} imports ${pkg}, which is for tests only (use it from *.spec.ts or src/testing/)`);
        }
      }
    }
  }
  if (problems.length) {
    console.error(`Module boundary violations (${problems.length}):\n  ${problems.join('\n  ')}`);
    console.error('Fix: remove the import, or move the shared code into a lib the source may use.');
    process.exit(1);
  }
  console.log(`Module boundaries OK: ${Object.keys(graph.nodes).length} projects checked.`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Non-test TypeScript files under `dir`. */
function* productionSources(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testing' && e.name !== 'node_modules' && e.name !== 'gen') yield* productionSources(path);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.test.ts')) {
      yield path;
    }
  }
}
