/**
 * Runs fault-quarantine in-process against a real datastore and the cluster simulator over real
 * HTTP, with helpers to insert events and read nodes back.
 */
import type { V1Node } from '@kubernetes/client-node';
import { startClusterSim, type ClusterSim, type ClusterSimOptions } from '@nvsentinel/cluster-sim';
import type { HealthEvent, HealthEventWithStatus } from '@nvsentinel/health-model';
import { type KubeClient, NodeOps, createKubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import { type DataStore, type DataStoreConfig, createDataStore } from '@nvsentinel/store-client';
import type { FaultQuarantineConfig } from '../config/config-types.js';
import { DEFAULT_CONFIG_PATH } from '../config/default-config.js';
import { loadConfigFile } from '../config/parse-config.js';
import { type FaultQuarantine, type FaultQuarantineOptions, createFaultQuarantine } from '../service.js';
import { fatalGpuEvent } from './events.js';
import { waitFor } from './wait-for.js';

export const NAMESPACE = 'nvsentinel';

export interface HarnessOptions {
  datastore: DataStoreConfig;
  sim?: ClusterSimOptions;
  config?: FaultQuarantineConfig;
  options?: Partial<FaultQuarantineOptions>;
  /** Leave fault-quarantine stopped (cold-start tests store events before its first start). */
  deferStart?: boolean;
}

export class Harness {
  readonly sim: ClusterSim;
  readonly kube: KubeClient;
  readonly nodeOps: NodeOps;
  readonly dataStore: DataStore;
  readonly config: FaultQuarantineConfig;
  #options: HarnessOptions;
  fq: FaultQuarantine | undefined;

  private constructor(sim: ClusterSim, dataStore: DataStore, options: HarnessOptions) {
    this.sim = sim;
    this.dataStore = dataStore;
    this.#options = options;
    this.config = options.config ?? loadConfigFile(DEFAULT_CONFIG_PATH);
    this.kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity });
    this.nodeOps = new NodeOps(this.kube);
  }

  static async start(options: HarnessOptions): Promise<Harness> {
    const sim = await startClusterSim({
      nodes: 4,
      podsPerNode: 0,
      daemonSets: false,
      disruptionBudgets: false,
      namespaces: [NAMESPACE],
      ...options.sim,
    });
    const dataStore = await createDataStore(options.datastore);
    const harness = new Harness(sim, dataStore, options);
    if (options.deferStart) return harness;
    await harness.startService();
    await harness.primeStream();
    return harness;
  }

  /**
   * A first start without a stored token begins "now" — the moment the stream first reads, which
   * is a little after start() returns. Probe events (for a node that does not exist, so FQ drops
   * them) are inserted until one is handled: from then on no test event can fall before the start.
   */
  async primeStream(): Promise<void> {
    const consumer = this.fq?.consumer;
    if (!consumer) throw new Error('fault-quarantine is not running');
    const before = consumer.stats().processed;
    await waitFor('the change stream to start', async () => {
      await this.insert(fatalGpuEvent('stream-probe', { checkName: 'StreamProbe' }));
      const deadline = Date.now() + 1000;
      while (Date.now() < deadline) {
        if (consumer.stats().processed > before) return true;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return false;
    });
  }

  /** Starts (or restarts) fault-quarantine on the same datastore and cluster. */
  async startService(overrides: Partial<FaultQuarantineOptions> = {}): Promise<FaultQuarantine> {
    this.fq = createFaultQuarantine({
      dataStore: this.dataStore,
      kube: this.kube,
      logger: createLogger({
        name: 'fault-quarantine-test',
        level: process.env['LOG_LEVEL'] ?? 'fatal',
        pretty: false,
      }),
      config: this.config,
      options: { namespace: NAMESPACE, backlogRefreshMs: 0, ...this.#options.options, ...overrides },
    });
    await this.fq.start();
    return this.fq;
  }

  async stopService(): Promise<void> {
    await this.fq?.stop();
    this.fq = undefined;
  }

  async insert(...events: HealthEvent[]): Promise<string[]> {
    return this.dataStore.healthEventStore().insertHealthEvents(...events.map((healthEvent) => ({ healthEvent })));
  }

  async record(id: string): Promise<HealthEventWithStatus> {
    const record = await this.dataStore.healthEventStore().findHealthEventById(id);
    if (!record) throw new Error(`event ${id} not found`);
    return record;
  }

  /** Waits until FQ wrote a quarantine status on the event, and returns it. */
  waitForStatus(id: string, expected?: string): Promise<string> {
    return waitFor(`quarantine status of event ${id}${expected ? ` = ${expected}` : ''}`, async () => {
      const status = (await this.record(id)).healthEventStatus.nodeQuarantined;
      if (!status) return undefined;
      return expected === undefined || status === expected ? status : undefined;
    });
  }

  node(name: string): Promise<V1Node> {
    return this.nodeOps.get(name);
  }

  waitForNode(name: string, what: string, predicate: (node: V1Node) => boolean): Promise<V1Node> {
    return waitFor(`node ${name}: ${what}`, async () => {
      const node = await this.node(name);
      return predicate(node) ? node : undefined;
    });
  }

  /** Waits until the consumer has nothing in flight (every pulled event settled). */
  async settle(): Promise<void> {
    await waitFor('the consumer to settle', () => this.fq?.consumer?.stats().inFlight === 0);
    await this.fq?.idle();
  }

  async close(): Promise<void> {
    await this.stopService();
    await this.dataStore.close();
    await this.sim.close();
  }
}
