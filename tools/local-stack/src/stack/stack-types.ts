/** Shapes shared by the stack's parts, the banner and the CLI. */

export interface StackPorts {
  /** HTTP ingest of platform-connectors (upstream has none; ours: POST /api/v1/health-events). */
  ingest: number;
  platformConnectorsMetrics: number;
  faultQuarantineMetrics: number;
  nodeDrainerMetrics: number;
}

/** The ports `npm start` uses; 0 everywhere picks free ports (tests). */
export const DEFAULT_PORTS: StackPorts = {
  ingest: 8080,
  platformConnectorsMetrics: 2112,
  faultQuarantineMetrics: 2113,
  nodeDrainerMetrics: 2114,
};

export const ANY_FREE_PORTS: StackPorts = { ingest: 0, platformConnectorsMetrics: 0, faultQuarantineMetrics: 0, nodeDrainerMetrics: 0 };

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
