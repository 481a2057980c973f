/** Shapes shared by the stack's parts, the banner and the CLI. */

/** The services of the local stack, in start order (consumers before the ingest's producers' peers). */
export const STACK_SERVICES = [
  'platform-connectors',
  'fault-quarantine',
  'node-drainer',
  'fault-remediation',
  'janitor-provider',
  'janitor',
  'health-events-analyzer',
  'csp-health-monitor',
  'maintenance-notifier',
] as const;
export type StackServiceName = (typeof STACK_SERVICES)[number];

export interface StackPorts {
  /** HTTP ingest of platform-connectors (upstream has none; ours: POST /api/v1/health-events). */
  ingest: number;
  /** Each service's /healthz /readyz /metrics port (in a pod they all use 2112; here they share one host). */
  metrics: Record<StackServiceName, number>;
}

/** The ports `npm start` uses: the ingest on 8080, metrics from 2112 up in start order. */
export const DEFAULT_PORTS: StackPorts = {
  ingest: 8080,
  metrics: Object.fromEntries(STACK_SERVICES.map((name, i) => [name, 2112 + i])) as Record<StackServiceName, number>,
};

/** 0 everywhere picks free ports (tests). */
export const ANY_FREE_PORTS: StackPorts = {
  ingest: 0,
  metrics: Object.fromEntries(STACK_SERVICES.map((name) => [name, 0])) as Record<StackServiceName, number>,
};

export interface ServiceEndpoint {
  name: string;
  /** Base URL of the service's /healthz /readyz /metrics server. */
  metricsUrl: string;
  /** Process id when the service runs as its own process. */
  pid?: number;
}

/** What the running stack writes to `.nvsentinel/stack.json` for the CLI. */
export interface StackEndpoints {
  ingestUrl: string;
  socketPath: string;
  kubeconfigPath: string;
  kubernetesUrl: string;
  datastore: string;
  mode: 'in-process' | 'processes';
  services: ServiceEndpoint[];
  startedAt: string;
  pid: number;
}
