import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { isPlainObject, type KubeObject } from '../resources/kube-object.js';

/** A node written out explicitly in a scenario instead of generated. */
export interface ScenarioNode {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  gpus?: number;
  ready?: boolean;
  unschedulable?: boolean;
  taints?: { key: string; value?: string; effect: string }[];
  providerID?: string;
}

/**
 * What the cluster looks like at start. Everything is optional; `{ nodes: 8 }` is a complete
 * scenario. The same seed builds the same names, uids and placements.
 */
export interface Scenario {
  seed?: number;
  /** Simulated seconds per real second (100 → a 30 s grace period takes 0.3 s). */
  timeScale?: number;
  /** A count of generated `gpu-node-<i>` nodes, or explicit nodes. Default 0. */
  nodes?: number | ScenarioNode[];
  gpusPerNode?: number;
  /** Workload pods per node, spread over the workload namespaces. Default 2. */
  podsPerNode?: number;
  /** Namespaces for generated workload pods. Default ml-training, inference, batch. */
  workloadNamespaces?: string[];
  /** Generate gpu-operator DaemonSet pods on every node. Default true. */
  daemonSets?: boolean;
  /** Generate the PodDisruptionBudgets described in the README. Default true. */
  disruptionBudgets?: boolean;
  /** Extra namespaces to create (empty). */
  namespaces?: string[];
  /** Arbitrary manifests created after the generated objects, in order (CRDs before their CRs). */
  objects?: KubeObject[];
}

const SCENARIO_KEYS = new Set([
  'seed',
  'timeScale',
  'nodes',
  'gpusPerNode',
  'podsPerNode',
  'workloadNamespaces',
  'daemonSets',
  'disruptionBudgets',
  'namespaces',
  'objects',
]);

/** Checks the shape of a parsed scenario and names the offending key when it's wrong. */
export function validateScenario(value: unknown, source: string): Scenario {
  if (!isPlainObject(value)) throw new Error(`cluster-sim scenario ${source}: expected a mapping at the top level`);
  for (const key of Object.keys(value)) {
    if (!SCENARIO_KEYS.has(key))
      throw new Error(`cluster-sim scenario ${source}: unknown key "${key}" (known: ${[...SCENARIO_KEYS].join(', ')})`);
  }
  const numberKeys = ['seed', 'timeScale', 'gpusPerNode', 'podsPerNode'] as const;
  for (const key of numberKeys) {
    if (value[key] !== undefined && typeof value[key] !== 'number')
      throw new Error(`cluster-sim scenario ${source}: "${key}" must be a number`);
  }
  if (value.nodes !== undefined && typeof value.nodes !== 'number' && !Array.isArray(value.nodes)) {
    throw new Error(`cluster-sim scenario ${source}: "nodes" must be a count or a list of nodes`);
  }
  if (Array.isArray(value.nodes)) {
    value.nodes.forEach((node, index) => {
      if (!isPlainObject(node) || typeof node.name !== 'string')
        throw new Error(`cluster-sim scenario ${source}: nodes[${index}] needs a "name"`);
    });
  }
  if (value.objects !== undefined) {
    if (!Array.isArray(value.objects))
      throw new Error(`cluster-sim scenario ${source}: "objects" must be a list of manifests`);
    value.objects.forEach((object, index) => {
      if (
        !isPlainObject(object) ||
        typeof object.apiVersion !== 'string' ||
        typeof object.kind !== 'string' ||
        !isPlainObject(object.metadata)
      ) {
        throw new Error(
          `cluster-sim scenario ${source}: objects[${index}] must be a manifest with apiVersion, kind and metadata`,
        );
      }
    });
  }
  return value as Scenario;
}

/** Reads a scenario file; YAML is a superset of JSON, so one parser handles both. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new Error(`cluster-sim scenario ${path}: not valid YAML/JSON: ${(error as Error).message}`, { cause: error });
  }
  return validateScenario(parsed ?? {}, path);
}
