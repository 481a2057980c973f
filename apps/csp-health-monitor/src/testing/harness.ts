/**
 * What the csp-health-monitor tests need: a real datastore (a throw-away PostgreSQL database or
 * the embedded provider), the cluster simulator over real HTTP with GPU nodes that carry the
 * GCP annotation and AWS providerIDs, and the fakes of the cloud APIs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, type Logger } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore } from '@nvsentinel/store-client';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';
import { OAuth2Client } from 'google-auth-library';
import { parseCspConfig, type CspConfig } from '../config/csp-config.js';
import { GCP_INSTANCE_ID_ANNOTATION, ZONE_LABEL } from '../csp/node-mapper.js';
import { createCspHealthMonitor, type CspHealthMonitor, type CspHealthMonitorDeps } from '../monitor/service.js';
import {
  createMaintenanceNotifier,
  type MaintenanceNotifier,
  type MaintenanceNotifierDeps,
} from '../notifier/service.js';
import { FAKE_CREDENTIALS } from '../fakes/aws-health-fake.js';
import { FAKE_GCP_TOKEN } from '../fakes/gcp-logging-fake.js';

export type Provider = 'postgresql' | 'embedded';
export const PROVIDERS: Provider[] = ['postgresql', 'embedded'];
export const NAMESPACE = 'nvsentinel';

/** Node i: GCE instance id 100i, AWS instance i-000…i, zone us-central1-a. */
function testNode(i: number, ready = true) {
  return {
    name: `gpu-node-${i}`,
    ready,
    labels: { [ZONE_LABEL]: 'us-central1-a', 'nvidia.com/gpu.present': 'true' },
    annotations: { [GCP_INSTANCE_ID_ANNOTATION]: String(1000 + i) },
    providerID: `aws:///us-east-1a/${awsInstanceId(i)}`,
  };
}
export const awsInstanceId = (i: number): string => `i-${String(i).padStart(17, '0')}`;

export function testConfig(csp: 'aws' | 'gcp' | 'sim' | 'none', endpoint = '', extra = ''): CspConfig {
  return parseCspConfig(`
clusterName = "test-cluster"
maintenanceEventPollIntervalSeconds = 10
triggerQuarantineWorkflowTimeLimitMinutes = 30
postMaintenanceHealthyDelayMinutes = 15
nodeReadinessTimeoutMinutes = 60
${extra}
[gcp]
enabled = ${csp === 'gcp'}
targetProjectId = "my-project"
logFilter = 'protoPayload.methodName="compute.instances.upcomingMaintenance"'
endpointOverride = "${csp === 'gcp' ? endpoint : ''}"
[aws]
enabled = ${csp === 'aws'}
region = "us-east-1"
accountId = "123456789012"
endpointOverride = "${csp === 'aws' ? endpoint : ''}"
[sim]
enabled = ${csp === 'sim'}
pollingIntervalSeconds = 1
`);
}

export class Harness {
  readonly #services: Array<{ stop(): Promise<void> }> = [];

  private constructor(
    readonly provider: Provider,
    readonly sim: ClusterSim,
    readonly datastore: DataStore,
    readonly kube: KubeClient,
    readonly logger: Logger,
    readonly database: TestDatabase | undefined,
    readonly dir: string,
  ) {}

  static async start(provider: Provider, nodes = 4, datastoreOptions: Record<string, unknown> = {}): Promise<Harness> {
    const sim = await startClusterSim({
      nodes: Array.from({ length: nodes }, (_, i) => testNode(i)),
      podsPerNode: 0,
      daemonSets: false,
      disruptionBudgets: false,
      namespaces: [NAMESPACE],
    });
    const database = provider === 'postgresql' ? await createTestDatabase('csp') : undefined;
    const datastore = await createDataStore(
      database
        ? { ...database.config, options: { ...database.config.options, ...datastoreOptions } }
        : { provider: 'embedded', connection: { host: '', port: 0, database: 'nvsentinel' }, options: {} },
    );
    const kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1, userAgent: 'csp-test' });
    const logger = createLogger({ name: 'csp-health-monitor-test', level: process.env.LOG_LEVEL ?? 'fatal' });
    const dir = await mkdtemp(join(tmpdir(), 'csp-'));
    return new Harness(provider, sim, datastore, kube, logger, database, dir);
  }

  get store() {
    return this.datastore.maintenanceEventStore();
  }

  monitor(config: CspConfig, extra: Partial<CspHealthMonitorDeps> = {}): CspHealthMonitor {
    const monitor = createCspHealthMonitor({
      datastore: this.datastore,
      kube: this.kube,
      logger: this.logger,
      namespace: NAMESPACE,
      config,
      options: {
        aws: { credentials: FAKE_CREDENTIALS, maxAttempts: 3 },
        gcp: { authClient: gcpAuth() },
        pollIntervalMs: 3_600_000,
        ...extra.options,
      },
      ...(extra.now ? { now: extra.now } : {}),
    });
    this.#services.push(monitor);
    return monitor;
  }

  notifier(config: CspConfig, udsPath: string, extra: Partial<MaintenanceNotifierDeps> = {}): MaintenanceNotifier {
    const notifier = createMaintenanceNotifier({
      datastore: this.datastore,
      kube: this.kube,
      logger: this.logger,
      namespace: NAMESPACE,
      config,
      options: { udsPath, sendRetries: 2, sendRetryDelayMs: 20, pollIntervalMs: 3_600_000, ...extra.options },
      ...(extra.now ? { now: extra.now } : {}),
    });
    this.#services.push(notifier);
    return notifier;
  }

  async close(): Promise<void> {
    await Promise.all(this.#services.splice(0).map((s) => s.stop()));
    await this.datastore.close();
    await this.sim.close();
    await this.database?.drop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A real google-auth-library client holding a static token (what a workload-identity token looks like on the wire). */
export function gcpAuth(token = FAKE_GCP_TOKEN): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 24 * 3_600_000 });
  return client;
}

export async function metricValue(
  registry: { getSingleMetricAsString(name: string): Promise<string> },
  name: string,
  labels = '',
): Promise<number> {
  const text = await registry.getSingleMetricAsString(name);
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}
