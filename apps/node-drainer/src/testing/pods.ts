/** Pod manifests for the simulator, shaped like real workload pods. */
import type { KubeObject } from '@nvsentinel/cluster-sim';

export interface PodSpecInput {
  name: string;
  namespace: string;
  node: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  gpus?: number;
  ownerKind?: string;
  terminationGracePeriodSeconds?: number;
}

export function workloadPod(input: PodSpecInput): KubeObject {
  const ownerKind = input.ownerKind ?? 'ReplicaSet';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: input.labels ?? { app: input.name.replace(/-\d+$/, '') },
      ...(input.annotations ? { annotations: input.annotations } : {}),
      ownerReferences: [
        {
          apiVersion: ownerKind === 'Job' ? 'batch/v1' : 'apps/v1',
          kind: ownerKind,
          name: `${input.name}-owner`,
          uid: `uid-${input.name}-owner`,
          controller: true,
        },
      ],
    },
    spec: {
      nodeName: input.node,
      terminationGracePeriodSeconds: input.terminationGracePeriodSeconds ?? 30,
      containers: [
        {
          name: 'main',
          image: 'registry.example.com/workload:1.0',
          ...(input.gpus
            ? {
                resources: {
                  limits: { 'nvidia.com/gpu': String(input.gpus) },
                  requests: { 'nvidia.com/gpu': String(input.gpus) },
                },
              }
            : {}),
        },
      ],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}
