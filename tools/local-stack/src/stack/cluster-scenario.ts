/**
 * The simulated cluster the local stack starts: 8 GPU nodes (gpu-node-0 … gpu-node-7) running
 * workload pods in three namespaces, the GPU operator's DaemonSet pods, and the `nvsentinel`
 * namespace for NVSentinel's ConfigMaps. It is a plain scenario object, so the same cluster can be
 * started in-process (tests) or by the simulator's own `serve` command (npm start). janitor's CRDs
 * are installed from the files the Helm chart installs, so fault-remediation can create its
 * maintenance CRs and janitor can act on them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { parse as parseYaml } from 'yaml';

export const LOCAL_NODE_COUNT = 8;

/** A manifest the simulator creates after its generated objects. */
export interface ScenarioObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface LocalScenario {
  nodes: number;
  podsPerNode: number;
  seed: number;
  namespaces: string[];
  disruptionBudgets: boolean;
  objects: ScenarioObject[];
}

export function localScenario(nodes = LOCAL_NODE_COUNT): LocalScenario {
  return {
    nodes,
    podsPerNode: 3,
    seed: 1,
    namespaces: ['nvsentinel'],
    // The simulator's default budgets include ml-training/trainer with minAvailable 100%, which
    // blocks every eviction forever; keep only the inference budget, which lets one pod go at a time.
    disruptionBudgets: false,
    objects: [
      ...janitorCrds(),
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'inference-server', namespace: 'inference' },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'inference-server' } } },
      },
    ],
  };
}

/** janitor's CustomResourceDefinitions (RebootNode, TerminateNode, GPUReset, ExternalRemediationRequest). */
export function janitorCrds(): ScenarioObject[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@nvsentinel/janitor/package.json')), 'crds');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => parseYaml(readFileSync(join(dir, file), 'utf8')) as ScenarioObject);
}
