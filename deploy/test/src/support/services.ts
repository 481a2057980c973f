/** The seven services the chart deploys, and typed access to their rendered pods. */
import type { KubeObject } from './helm.js';

export interface ServiceInfo {
  /** app.kubernetes.io/name and the apps/<app> folder (janitor-provider lives in apps/janitor). */
  component: string;
  app: string;
  /** envFrom the datastore ConfigMap and the database client certificate. */
  datastore: boolean;
}

export const SERVICES: readonly ServiceInfo[] = [
  { component: 'platform-connectors', app: 'platform-connectors', datastore: true },
  { component: 'fault-quarantine', app: 'fault-quarantine', datastore: true },
  { component: 'node-drainer', app: 'node-drainer', datastore: true },
  { component: 'fault-remediation', app: 'fault-remediation', datastore: true },
  { component: 'health-events-analyzer', app: 'health-events-analyzer', datastore: true },
  { component: 'csp-health-monitor', app: 'csp-health-monitor', datastore: true },
  { component: 'janitor', app: 'janitor', datastore: false },
  { component: 'janitor-provider', app: 'janitor', datastore: false },
];

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  envFrom?: unknown[];
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  securityContext?: { readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[] } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  resources?: { limits?: { memory?: string } };
}

export interface PodSpec {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
  initContainers?: Container[];
  volumes: Array<{
    name: string;
    hostPath?: { path: string };
    secret?: { secretName: string };
    configMap?: { name: string };
  }>;
}

export function podSpec(workload: KubeObject): PodSpec {
  return (workload.spec as { template: { spec: PodSpec } }).template.spec;
}

export function workloadOf(objects: readonly KubeObject[], component: string): KubeObject {
  const found = objects.find(
    (o) => ['Deployment', 'DaemonSet'].includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/name'] === component,
  );
  if (!found) throw new Error(`no workload for ${component} in the rendered chart`);
  return found;
}

export function serviceContainer(workload: KubeObject, name: string): Container {
  const found = podSpec(workload).containers.find((c) => c.name === name);
  if (!found) throw new Error(`${workload.kind}/${workload.metadata.name} has no container ${name}`);
  return found;
}
