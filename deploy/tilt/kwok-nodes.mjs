#!/usr/bin/env node
// Fake GPU nodes for `tilt up`, from tools/cluster-sim's scenario generator: the same labels,
// capacity, conditions and providerIDs the simulator gives its nodes, plus what KWOK needs to
// manage them (the kwok.x-k8s.io/node annotation and a NoSchedule taint so real pods stay off).
//
//   node deploy/tilt/kwok-nodes.mjs [--nodes 50] [--seed 1] [--prefix kwok-gpu-node]  → YAML on stdout
//
// Needs tools/cluster-sim built (the Tiltfile runs `npx nx build cluster-sim` first).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generateManifests } from '@nvsentinel/cluster-sim';
import { stringify } from 'yaml';

export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

/** Node manifests ready for `kubectl apply` on a cluster running KWOK. */
export function kwokNodes({ nodes = 50, seed = 1, prefix = 'kwok-gpu-node', now = new Date().toISOString() } = {}) {
  const scenario = {
    seed,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      name: `${prefix}-${i}`,
      annotations: { [KWOK_ANNOTATION]: 'fake' },
      taints: [{ key: KWOK_ANNOTATION, value: 'fake', effect: 'NoSchedule' }],
      labels: { type: 'kwok' },
    })),
    podsPerNode: 0,
    daemonSets: false,
    disruptionBudgets: false,
  };
  return generateManifests(scenario, now)
    .filter((o) => o.kind === 'Node')
    .map((node) => {
      // the API server owns these; KWOK fills in status once the node is registered
      const { uid, resourceVersion, creationTimestamp, ...metadata } = node.metadata;
      void uid;
      void resourceVersion;
      void creationTimestamp;
      return { ...node, metadata };
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { nodes: { type: 'string' }, seed: { type: 'string' }, prefix: { type: 'string' } },
  });
  const nodes = kwokNodes({
    ...(values.nodes ? { nodes: Number(values.nodes) } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    ...(values.prefix ? { prefix: values.prefix } : {}),
  });
  process.stdout.write(nodes.map((n) => stringify(n, { aliasDuplicateObjects: false })).join('---\n'));
}
