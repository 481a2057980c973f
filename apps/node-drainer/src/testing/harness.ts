/**
 * Everything a drainer integration test needs: a real PostgreSQL database (or the embedded
 * provider), the cluster simulator over real HTTP, a kube client that counts its requests, and
 * helpers that play fault-quarantine's part (cordon, then write the quarantine status).
 */
import { startClusterSim, type ClusterSim, type ClusterSimOptions } from '@nvsentinel/cluster-sim';
import type { HealthEvent, HealthEventWithStatus } from '@nvsentinel/health-model';
import { NodeOps, RequestCounter, createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, type Logger } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore, type HealthEventStore } from '@nvsentinel/store-client';
import { parseDrainerConfig } from '../config/drainer-config.js';
import { NODE_STATE_LABEL } from '../drain/labels.js';
import { createNodeDrainer, type NodeDrainer, type NodeDrainerDeps } from '../service.js';
import { gpuFatalEvent } from './health-events.js';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';
import { eventually } from '@nvsentinel/service-kit/testing';

export interface HarnessOptions {
  scenario?: ClusterSimOptions;
  provider?: 'postgresql' | 'embedded';
}

export interface DrainerOptions {
  toml: string;
  options?: NodeDrainerDeps['options'];
  now?: () => Date;
  qps?: number;
  /** The drainer's logger; the harness's (silent unless LOG_LEVEL) by default. */
  logger?: Logger;
}

/** Fast timings so tests exercise every wait without sleeping for upstream's minutes. */
const FAST_TIMING = {
  verifyIntervalMs: 20,
  pollIntervalMs: 50,
  blockedBackoffBaseMs: 20,
  blockedBackoffMaxMs: 100,
};

export class Harness {
  readonly requests = new RequestCounter();
  readonly #drainers: NodeDrainer[] = [];

  private constructor(
    readonly sim: ClusterSim,
    readonly datastore: DataStore,
    readonly store: HealthEventStore,
    readonly admin: KubeClient,
    readonly logger: Logger,
    private readonly database: TestDatabase | undefined,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const sim = await startClusterSim({
      nodes: 3,
      podsPerNode: 0,
      disruptionBudgets: false,
      timeScale: 1000,
      ...options.scenario,
    });
    const database = options.provider === 'embedded' ? undefined : await createTestDatabase('nd');
    const datastore = await createDataStore(
      database
        ? { ...database.config, options: { changeStreamPollIntervalMs: 50 } }
        : { provider: 'embedded', connection: { host: '', port: 0, database: 'nvsentinel' }, options: {} },
    );
    const admin = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1, userAgent: 'test-admin' });
    const logger = createLogger({ name: 'node-drainer-test', level: process.env.LOG_LEVEL ?? 'fatal' });
    return new Harness(sim, datastore, datastore.healthEventStore(), admin, logger, database);
  }

  /** A drainer on its own kube client (counted in `requests`); stopped by `close()`. */
  async startDrainer(input: DrainerOptions): Promise<NodeDrainer> {
    const kube = createKubeClient({
      kubeconfig: this.sim.kubeconfig,
      qps: input.qps ?? Infinity,
      burst: 1,
      metrics: this.requests,
      userAgent: 'nvsentinel-node-drainer',
    });
    const drainer = createNodeDrainer({
      datastore: this.datastore,
      kube,
      logger: input.logger ?? this.logger,
      config: parseDrainerConfig(input.toml),
      now: input.now,
      options: {
        workers: 4,
        retryBaseMs: 20,
        retryMaxMs: 100,
        ...input.options,
        timing: { ...FAST_TIMING, ...input.options?.timing },
      },
    });
    this.#drainers.push(drainer);
    await drainer.start();
    return drainer;
  }

  /** Stores an unhealthy event for the node, as the platform connector would. */
  async insertEvent(node: string, overrides: Partial<HealthEvent> = {}, createdAt?: Date): Promise<string> {
    const [id] = await this.store.insertHealthEvents({
      healthEvent: gpuFatalEvent(node, overrides),
      ...(createdAt ? { createdAt } : {}),
    });
    return id!;
  }

  /** fault-quarantine's part: cordon, label, then write the quarantine status the drainer consumes. */
  async quarantine(node: string, overrides: Partial<HealthEvent> = {}, status = 'Quarantined'): Promise<string> {
    const id = await this.insertEvent(node, overrides);
    const nodes = new NodeOps(this.admin);
    await nodes.cordon(node);
    await nodes.setLabels(node, { [NODE_STATE_LABEL]: 'quarantined' });
    await this.store.updateNodeQuarantineStatus(id, status);
    return id;
  }

  async event(id: string): Promise<HealthEventWithStatus> {
    const event = await this.store.findHealthEventById(id);
    if (!event) throw new Error(`event ${id} vanished`);
    return event;
  }

  /** Waits (bounded polling, no timing assertion) until the event's eviction status is `status`. */
  async waitForStatus(id: string, status: string): Promise<HealthEventWithStatus> {
    return eventually(async () => {
      const event = await this.event(id);
      return event.healthEventStatus.userPodsEvictionStatus.status === status ? event : undefined;
    }, `eviction status ${status} on event ${id}`);
  }

  podNames(node: string): string[] {
    return this.sim.state
      .pods(node)
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
      .sort();
  }

  stateLabel(node: string): string | undefined {
    const found = this.sim.state.get('v1', 'Node', node);
    return (found?.metadata.labels as Record<string, string> | undefined)?.[NODE_STATE_LABEL];
  }

  /** core/v1 Events about the node with the reason. */
  nodeEvents(node: string, reason: string): Array<{ message: string; type: string; count: number }> {
    return this.sim.state
      .list('v1', 'Event', 'default')
      .map(
        (e) =>
          e as unknown as {
            involvedObject: { name: string };
            reason: string;
            message: string;
            type: string;
            count: number;
          },
      )
      .filter((e) => e.involvedObject.name === node && e.reason === reason);
  }

  async stopDrainers(): Promise<void> {
    await Promise.all(this.#drainers.splice(0).map((d) => d.stop()));
  }

  async close(): Promise<void> {
    await this.stopDrainers();
    await this.datastore.close();
    await this.sim.close();
    await this.database?.drop();
  }
}

export { eventually };

/** The value of one sample of a drainer metric (0 when absent); `labels` is a substring such as `node="n1"`. */
export async function metricValue(drainer: Pick<NodeDrainer, 'registry'>, name: string, labels = ''): Promise<number> {
  const text = await drainer.registry.getSingleMetricAsString(name);
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
