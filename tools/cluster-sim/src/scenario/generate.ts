import type { KubeObject } from '../resources/kube-object.js';
import { INITIAL_NAMESPACES } from '../behaviour/namespace-lifecycle.js';
import { SeededRandom } from './random.js';
import type { Scenario, ScenarioNode } from './scenario.js';

const DEFAULT_WORKLOAD_NAMESPACES = ['ml-training', 'inference', 'batch'];
const GPU_OPERATOR_NAMESPACE = 'gpu-operator';
const DAEMONSETS = ['nvidia-driver-daemonset', 'nvidia-dcgm-exporter'];

interface Workload {
  app: string;
  ownerKind: string;
  ownerName: string;
  gpus: number;
}

/** One recognisable workload per namespace; unknown namespaces get a generic one. */
function workloadFor(namespace: string): Workload {
  switch (namespace) {
    case 'ml-training':
      return { app: 'trainer', ownerKind: 'Job', ownerName: 'llm-pretrain', gpus: 8 };
    case 'inference':
      return { app: 'inference-server', ownerKind: 'ReplicaSet', ownerName: 'inference-server-6c9f7d', gpus: 1 };
    case 'batch':
      return { app: 'batch-worker', ownerKind: 'Job', ownerName: 'nightly-eval', gpus: 2 };
    default:
      return { app: `${namespace}-worker`, ownerKind: 'ReplicaSet', ownerName: `${namespace}-worker-5d8b9c`, gpus: 1 };
  }
}

function ownerApiVersion(kind: string): string {
  return kind === 'Job' ? 'batch/v1' : 'apps/v1';
}

function nodeManifest(
  spec: ScenarioNode,
  gpusPerNode: number,
  random: SeededRandom,
  index: number,
  now: string,
): KubeObject {
  const gpus = spec.gpus ?? gpusPerNode;
  const ready = spec.ready ?? true;
  const resources = {
    cpu: '192',
    memory: '2063731Mi',
    pods: '110',
    'ephemeral-storage': '7499362Mi',
    'nvidia.com/gpu': String(gpus),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'p5.48xlarge',
        'topology.kubernetes.io/zone': 'us-east-1a',
        'nvidia.com/gpu.present': 'true',
        'nvidia.com/gpu.count': String(gpus),
        'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
        ...(spec.labels ?? {}),
      },
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    },
    spec: {
      providerID: spec.providerID ?? `aws:///us-east-1a/i-0${random.hex(16)}`,
      ...(spec.unschedulable ? { unschedulable: true } : {}),
      ...(spec.taints ? { taints: spec.taints } : {}),
    },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'False',
          reason: 'KubeletHasSufficientMemory',
          message: 'kubelet has sufficient memory available',
        },
        {
          type: 'DiskPressure',
          status: 'False',
          reason: 'KubeletHasNoDiskPressure',
          message: 'kubelet has no disk pressure',
        },
        {
          type: 'PIDPressure',
          status: 'False',
          reason: 'KubeletHasSufficientPID',
          message: 'kubelet has sufficient PID available',
        },
        ready
          ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
          : {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'container runtime network not ready',
            },
      ].map((condition) => ({ ...condition, lastHeartbeatTime: now, lastTransitionTime: now })),
      addresses: [
        { type: 'InternalIP', address: `10.0.${Math.floor(index / 250)}.${(index % 250) + 2}` },
        { type: 'Hostname', address: spec.name },
      ],
      nodeInfo: {
        machineID: random.hex(32),
        systemUUID: random.uuid(),
        bootID: random.uuid(),
        kernelVersion: '6.8.0-1015-aws',
        osImage: 'Ubuntu 22.04.4 LTS',
        containerRuntimeVersion: 'containerd://1.7.20',
        kubeletVersion: 'v1.31.0',
        kubeProxyVersion: 'v1.31.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

function podManifest(
  name: string,
  namespace: string,
  nodeName: string,
  labels: Record<string, string>,
  owner: { apiVersion: string; kind: string; name: string; uid: string },
  gpus: number,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels,
      ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: labels.app ?? 'main',
          image: `registry.example.com/${labels.app ?? 'workload'}:1.0`,
          ...(gpus > 0
            ? {
                resources: { limits: { 'nvidia.com/gpu': String(gpus) }, requests: { 'nvidia.com/gpu': String(gpus) } },
              }
            : {}),
        },
      ],
      ...(owner.kind === 'DaemonSet' ? { tolerations: [{ operator: 'Exists' }] } : {}),
    },
  };
}

/** The DaemonSet object itself (no controller runs it; the status is what a settled one reports). */
function daemonSetManifest(name: string, uid: string, nodeCount: number): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: GPU_OPERATOR_NAMESPACE, uid, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name, image: `nvcr.io/nvidia/${name}:latest` }], tolerations: [{ operator: 'Exists' }] },
      },
    },
    status: {
      currentNumberScheduled: nodeCount,
      desiredNumberScheduled: nodeCount,
      numberAvailable: nodeCount,
      numberMisscheduled: 0,
      numberReady: nodeCount,
      observedGeneration: 1,
      updatedNumberScheduled: nodeCount,
    },
  };
}

/**
 * Builds the manifests of a scenario in creation order: namespaces, nodes, DaemonSet pods,
 * workload pods, PodDisruptionBudgets, then the scenario's own objects. `now` stamps conditions.
 */
export function generateManifests(scenario: Scenario, now: string): KubeObject[] {
  const random = new SeededRandom(scenario.seed ?? 1);
  const gpusPerNode = scenario.gpusPerNode ?? 8;
  const nodes: ScenarioNode[] = Array.isArray(scenario.nodes)
    ? scenario.nodes
    : Array.from({ length: scenario.nodes ?? 0 }, (_, index) => ({ name: `gpu-node-${index}` }));
  const workloadNamespaces = scenario.workloadNamespaces ?? DEFAULT_WORKLOAD_NAMESPACES;
  const daemonSets = scenario.daemonSets ?? true;
  const podsPerNode = scenario.podsPerNode ?? 2;
  const manifests: KubeObject[] = [];
  // Generated pod names must not collide (27^5 suffixes: at 1,000 nodes a repeat is likely).
  const usedPodNames = new Set<string>();
  const podName = (prefix: string): string => {
    let name: string;
    do name = `${prefix}-${random.suffix(5)}`;
    while (usedPodNames.has(name));
    usedPodNames.add(name);
    return name;
  };
  const namespaces = new Set<string>([
    ...(nodes.length > 0 ? workloadNamespaces : []),
    ...(daemonSets && nodes.length > 0 ? [GPU_OPERATOR_NAMESPACE] : []),
    ...(scenario.namespaces ?? []),
  ]);
  // The built-in namespaces exist from the start; asking for one of them is not an error.
  for (const name of namespaces)
    if (!INITIAL_NAMESPACES.includes(name)) manifests.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  nodes.forEach((node, index) => manifests.push(nodeManifest(node, gpusPerNode, random, index, now)));

  if (daemonSets && nodes.length > 0) {
    for (const daemonSet of DAEMONSETS) {
      const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: daemonSet, uid: random.uuid() };
      manifests.push(daemonSetManifest(daemonSet, owner.uid, nodes.length));
      for (const node of nodes) {
        manifests.push(
          podManifest(podName(daemonSet), GPU_OPERATOR_NAMESPACE, node.name, { app: daemonSet }, owner, 0),
        );
      }
    }
  }
  const ownerUids = new Map<string, string>();
  const usedNamespaces = new Set<string>();
  for (const node of nodes) {
    for (let i = 0; i < podsPerNode; i += 1) {
      const namespace = random.pick(workloadNamespaces);
      usedNamespaces.add(namespace);
      const workload = workloadFor(namespace);
      const ownerKey = `${namespace}/${workload.ownerName}`;
      if (!ownerUids.has(ownerKey)) ownerUids.set(ownerKey, random.uuid());
      const owner = {
        apiVersion: ownerApiVersion(workload.ownerKind),
        kind: workload.ownerKind,
        name: workload.ownerName,
        uid: ownerUids.get(ownerKey)!,
      };
      manifests.push(
        podManifest(podName(workload.ownerName), namespace, node.name, { app: workload.app }, owner, workload.gpus),
      );
    }
  }
  if (scenario.disruptionBudgets ?? true) {
    if (usedNamespaces.has('inference')) {
      manifests.push({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'inference-server', namespace: 'inference' },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'inference-server' } } },
      });
    }
    if (usedNamespaces.has('ml-training')) {
      manifests.push({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'trainer', namespace: 'ml-training' },
        spec: { minAvailable: '100%', selector: { matchLabels: { app: 'trainer' } } },
      });
    }
  }
  manifests.push(...(scenario.objects ?? []));
  return manifests;
}
