/**
 * Everything a fault-remediation integration test needs: a real PostgreSQL database (or the
 * embedded provider), the cluster simulator over real HTTP with the janitor CRDs loaded, a kube
 * client that counts its requests, and helpers that play fault-quarantine's and node-drainer's
 * part (quarantine status, then the drain result) and janitor's part (CR conditions).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClusterSim, type ClusterSim, type ClusterSimOptions } from '@nvsentinel/cluster-sim';

type Manifest = NonNullable<ClusterSimOptions['objects']>[number];
import type { HealthEvent, HealthEventWithStatus } from '@nvsentinel/health-model';
import { sampleHealthEvent } from '@nvsentinel/health-model';
import { RequestCounter, createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, type Logger } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import { createDataStore, type DataStore, type HealthEventStore } from '@nvsentinel/store-client';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';
import { parseAllDocuments } from 'yaml';
import { parseRemediationConfig } from '../config/remediation-config.js';
import { REMEDIATION_STATE_ANNOTATION } from '../remediation/annotation.js';
import { NODE_STATE_LABEL } from '../remediation/node-metadata.js';
import { createFaultRemediation, type FaultRemediationOptions, type FaultRemediationService } from '../service.js';

const APP_ROOT = join(import.meta.dirname, '../..');
export const CONFIG_DIR = join(APP_ROOT, 'config');
const TEMPLATES_DIR = join(CONFIG_DIR, 'templates');
export const DEFAULT_TOML = readFileSync(join(CONFIG_DIR, 'config.toml'), 'utf8');
export const GPU_RESET_TOML = readFileSync(join(CONFIG_DIR, 'config-gpu-reset.toml'), 'utf8');
export const NAMESPACE = 'nvsentinel';
const JANITOR_GROUP = 'janitor.dgxc.nvidia.com';

/** Reads templates from the repository's config/templates instead of the chart's mount path. */
export const readRepoTemplate = (path: string): string | undefined => {
  const file = join(TEMPLATES_DIR, path.split('/').at(-1)!);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

export const parseConfig = (toml: string) =>
  parseRemediationConfig(toml, 'test.toml', { readTemplate: readRepoTemplate });

/**
 * The janitor CRDs: the janitor app's files when present (apps/janitor/crds), otherwise minimal
 * definitions with the same group, kinds, plurals, scope and status subresource.
 */
function janitorCrds(): Manifest[] {
  const dir = join(APP_ROOT, '../janitor/crds');
  const wanted = ['rebootnodes', 'terminatenodes', 'gpuresets'];
  const found = new Map<string, Manifest>();
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const crd = doc.toJSON() as { kind?: string; spec?: { group?: string; names?: { plural?: string } } } | null;
        const plural = crd?.spec?.names?.plural;
        if (
          crd?.kind === 'CustomResourceDefinition' &&
          crd.spec?.group === JANITOR_GROUP &&
          plural &&
          wanted.includes(plural)
        ) {
          found.set(plural, crd as unknown as Manifest);
        }
      }
    }
  }
  for (const [kind, plural] of [
    ['RebootNode', 'rebootnodes'],
    ['TerminateNode', 'terminatenodes'],
    ['GPUReset', 'gpuresets'],
  ] as const) {
    if (!found.has(plural)) found.set(plural, minimalCrd(JANITOR_GROUP, 'v1alpha1', kind, plural, 'Cluster'));
  }
  return [...found.values()];
}

function minimalCrd(
  group: string,
  version: string,
  kind: string,
  plural: string,
  scope: 'Cluster' | 'Namespaced',
): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

export interface HarnessOptions {
  scenario?: ClusterSimOptions;
  provider?: 'postgresql' | 'embedded';
}

export interface StartOptions {
  toml?: string;
  options?: Partial<FaultRemediationOptions>;
  qps?: number;
  logger?: Logger;
  /** Start it but do not remember it for `stopServices()` (tests that stop it themselves). */
  untracked?: boolean;
}

export class Harness {
  readonly requests = new RequestCounter();
  readonly #services: FaultRemediationService[] = [];

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
      nodes: 6,
      podsPerNode: 0,
      daemonSets: false,
      disruptionBudgets: false,
      namespaces: [NAMESPACE],
      ...options.scenario,
      objects: [...janitorCrds(), ...(options.scenario?.objects ?? [])],
    });
    const database = options.provider === 'embedded' ? undefined : await createTestDatabase('fr');
    const datastore = await createDataStore(
      database
        ? { ...database.config, options: { changeStreamPollIntervalMs: 50 } }
        : { provider: 'embedded', connection: { host: '', port: 0, database: 'nvsentinel' }, options: {} },
    );
    const admin = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1, userAgent: 'test-admin' });
    const logger = createLogger({ name: 'fault-remediation-test', level: process.env.LOG_LEVEL ?? 'fatal' });
    return new Harness(sim, datastore, datastore.healthEventStore(), admin, logger, database);
  }

  kubeClient(qps = Infinity, userAgent = 'nvsentinel-fault-remediation'): KubeClient {
    return createKubeClient({
      kubeconfig: this.sim.kubeconfig,
      qps,
      burst: Number.isFinite(qps) ? Math.max(1, Math.ceil(qps * 2)) : 1,
      metrics: this.requests,
      userAgent,
    });
  }

  /** A fault-remediation service on its own kube client (counted in `requests`). */
  async startService(input: StartOptions = {}): Promise<FaultRemediationService> {
    const service = createFaultRemediation({
      datastore: this.datastore,
      kube: this.kubeClient(input.qps),
      logger: input.logger ?? this.logger,
      namespace: NAMESPACE,
      config: parseConfig(input.toml ?? DEFAULT_TOML),
      options: { inProgressRequeueMs: 100, retryBaseMs: 20, retryMaxMs: 200, stopTimeoutMs: 2_000, ...input.options },
    });
    if (!input.untracked) this.#services.push(service);
    await service.start();
    return service;
  }

  /** Stores an unhealthy event for the node, as the platform connector would. */
  async insertEvent(node: string, overrides: Partial<HealthEvent> = {}): Promise<string> {
    const [id] = await this.store.insertHealthEvents({
      healthEvent: sampleHealthEvent({ nodeName: node, recommendedAction: 15, ...overrides }),
    });
    return id!;
  }

  /** fault-quarantine's and node-drainer's part for an event already stored. */
  async drain(id: string, quarantine = 'Quarantined', eviction = 'Succeeded'): Promise<void> {
    await this.store.updateNodeQuarantineStatus(id, quarantine);
    await this.store.updatePodEvictionStatus(id, { status: eviction, message: '' });
  }

  /** Insert, quarantine and drain: the event is remediation-ready. */
  async drained(node: string, overrides: Partial<HealthEvent> = {}, quarantine = 'Quarantined'): Promise<string> {
    const id = await this.insertEvent(node, overrides);
    await this.drain(id, quarantine);
    return id;
  }

  async event(id: string): Promise<HealthEventWithStatus> {
    const event = await this.store.findHealthEventById(id);
    if (!event) throw new Error(`event ${id} vanished`);
    return event;
  }

  /** Waits (bounded polling, no timing assertion) until `faultremediated` is `value`. */
  async waitForRemediated(id: string, value: boolean): Promise<HealthEventWithStatus> {
    return eventually(async () => {
      const event = await this.event(id);
      return event.healthEventStatus.faultRemediated === value ? event : undefined;
    }, `faultremediated=${value} on event ${id}`);
  }

  crs(plural: 'rebootnodes' | 'terminatenodes' | 'gpuresets', node?: string): Array<Record<string, any>> {
    const kind = { rebootnodes: 'RebootNode', terminatenodes: 'TerminateNode', gpuresets: 'GPUReset' }[plural];
    return this.sim.state
      .list(`${JANITOR_GROUP}/v1alpha1`, kind)
      .map((o) => o as unknown as Record<string, any>)
      .filter((o) => node === undefined || o.spec?.nodeName === node);
  }

  /** janitor's part: set the CR's condition. */
  setCondition(kind: string, name: string, type: string, status: 'True' | 'False' | 'Unknown'): void {
    this.sim.state.updateStatus(`${JANITOR_GROUP}/v1alpha1`, kind, name, undefined, {
      conditions: [{ type, status, reason: 'Test', message: '', lastTransitionTime: new Date().toISOString() }],
    });
  }

  node(name: string): Record<string, any> {
    const node = this.sim.state.get('v1', 'Node', name);
    if (!node) throw new Error(`node ${name} missing`);
    return node as unknown as Record<string, any>;
  }

  stateLabel(node: string): string | undefined {
    return this.node(node).metadata.labels?.[NODE_STATE_LABEL];
  }

  remediationState(node: string): Record<string, any> | undefined {
    const value = this.node(node).metadata.annotations?.[REMEDIATION_STATE_ANNOTATION];
    return value === undefined ? undefined : (JSON.parse(value) as Record<string, any>);
  }

  async stopServices(): Promise<void> {
    await Promise.all(this.#services.splice(0).map((s) => s.stop()));
  }

  async close(): Promise<void> {
    await this.stopServices();
    await this.datastore.close();
    await this.sim.close();
    await this.database?.drop();
  }
}

export { eventually };

/** The value of one sample of a metric (0 when absent); `labels` is a substring such as `node_name="n1"`. */
export async function metricValue(
  service: Pick<FaultRemediationService, 'registry'>,
  name: string,
  labels = '',
): Promise<number> {
  const family = name.replace(/_(count|sum|bucket)$/, '');
  if (!service.registry.getSingleMetric(family)) return 0;
  const text = await service.registry.getSingleMetricAsString(family);
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
