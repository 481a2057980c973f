/**
 * Everything a janitor integration test needs: the cluster simulator over real HTTP with
 * janitor's CRDs (read from apps/janitor/crds, the files the Helm chart installs), an admin
 * client, a provider that counts signals, and janitors started on their own clients.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Node } from '@kubernetes/client-node';
import { startClusterSim, type ClusterSim, type ClusterSimOptions, type KubeObject } from '@nvsentinel/cluster-sim';
import {
  type CustomObject,
  CustomObjectOps,
  type CustomResourceRef,
  RequestCounter,
  createKubeClient,
  type KubeClient,
} from '@nvsentinel/k8s';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@nvsentinel/service-kit';
import { parse as parseYaml } from 'yaml';
import { type JanitorConfig, parseJanitorConfig } from '../config/janitor-config.js';
import { type Condition, findCondition } from '../controllers/api.js';
import type { ControllerTiming } from '../controllers/context.js';
import type { CspProvider } from '../providers/provider.js';
import { SimProvider } from '../providers/sim/sim-provider.js';
import { type Janitor, type JanitorDeps, createJanitor } from '../service.js';
import { eventually } from '@nvsentinel/service-kit/testing';

export const NAMESPACE = 'nvsentinel';

const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

/** janitor's CRD manifests, as the Helm chart installs them. */
function janitorCrds(): KubeObject[] {
  return readdirSync(CRD_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => parseYaml(readFileSync(join(CRD_DIR, file), 'utf8')) as KubeObject);
}

/** Short delays so tests exercise every wait without upstream's seconds and minutes. */
const FAST_TIMING: ControllerTiming = {
  lockRetryMs: 50,
  afterSignalMs: 200,
  signalRetryMs: 50,
  readinessRetryMs: 50,
  readinessPollMs: 200,
  terminatePollMs: 100,
  gpuResetPollMs: 50,
  signalInFlightMs: 500,
};

/**
 * Wraps a provider: counts every call per node and lets a test fail the next calls. The counts are
 * what "never signals twice" is asserted on.
 */
export class CountingProvider implements CspProvider {
  readonly name: string;
  readonly reboots = new Map<string, number>();
  readonly terminates = new Map<string, number>();
  readonly #inner: CspProvider;
  #failures: Array<{ call: 'reboot' | 'terminate' | 'ready'; error: Error }> = [];

  constructor(inner: CspProvider) {
    this.#inner = inner;
    this.name = inner.name;
  }

  /** The next `call` throws `error` (once per queued failure). */
  failNext(call: 'reboot' | 'terminate' | 'ready', error: Error): void {
    this.#failures.push({ call, error });
  }

  #failure(call: 'reboot' | 'terminate' | 'ready'): void {
    const index = this.#failures.findIndex((f) => f.call === call);
    if (index === -1) return;
    const [failure] = this.#failures.splice(index, 1);
    throw failure!.error;
  }

  rebootCount(node: string): number {
    return this.reboots.get(node) ?? 0;
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const name = node.metadata!.name!;
    this.reboots.set(name, this.rebootCount(name) + 1);
    this.#failure('reboot');
    return this.#inner.sendRebootSignal(node);
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    this.#failure('ready');
    return this.#inner.isNodeReady(node, requestRef);
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const name = node.metadata!.name!;
    this.terminates.set(name, (this.terminates.get(name) ?? 0) + 1);
    this.#failure('terminate');
    return this.#inner.sendTerminateSignal(node);
  }
}

export interface HarnessOptions {
  scenario?: ClusterSimOptions;
  /** Simulated downtime of a reboot (the simulator runs at real speed here). */
  rebootDownSeconds?: number;
}

export interface StartJanitorOptions {
  yaml?: string;
  config?: JanitorConfig;
  options?: JanitorDeps['options'];
  provider?: CspProvider;
  registry?: Registry;
  now?: () => Date;
}

export class Harness {
  readonly requests = new RequestCounter();
  readonly #janitors: Janitor[] = [];
  readonly objects: CustomObjectOps;

  private constructor(
    readonly sim: ClusterSim,
    readonly admin: KubeClient,
    readonly provider: CountingProvider,
    readonly logger: Logger,
  ) {
    this.objects = new CustomObjectOps(admin);
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const scenario = options.scenario ?? {};
    const sim = await startClusterSim({
      nodes: 3,
      podsPerNode: 0,
      disruptionBudgets: false,
      ...scenario,
      namespaces: [NAMESPACE, ...(scenario.namespaces ?? [])],
      objects: [...janitorCrds(), ...(scenario.objects ?? [])],
    });
    const admin = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1, userAgent: 'test-admin' });
    const logger = createLogger({ name: 'janitor-test', level: process.env.LOG_LEVEL ?? 'fatal' });
    const provider = new CountingProvider(
      new SimProvider({ kube: admin, rebootDownSeconds: options.rebootDownSeconds ?? 1 }),
    );
    return new Harness(sim, admin, provider, logger);
  }

  /** A janitor on its own kube client (counted in `requests`); stopped by `close()`. */
  async startJanitor(input: StartJanitorOptions = {}): Promise<Janitor> {
    const kube = createKubeClient({
      kubeconfig: this.sim.kubeconfig,
      qps: Infinity,
      burst: 1,
      metrics: this.requests,
      userAgent: 'nvsentinel-janitor',
    });
    const janitor = createJanitor({
      kube,
      logger: this.logger,
      namespace: NAMESPACE,
      config: input.config ?? parseJanitorConfig(input.yaml ?? ''),
      provider: input.provider ?? this.provider,
      registry: input.registry ?? createMetricsRegistry(),
      ...(input.now ? { now: input.now } : {}),
      options: {
        ...input.options,
        timing: { ...FAST_TIMING, ...input.options?.timing },
        ttl: { enabled: false, ...input.options?.ttl },
      },
    });
    this.#janitors.push(janitor);
    await janitor.start();
    return janitor;
  }

  async createCr<T extends CustomObject<unknown, unknown>>(
    ref: CustomResourceRef,
    kind: string,
    name: string,
    spec: Record<string, unknown>,
    metadata: Record<string, unknown> = {},
  ): Promise<T> {
    const body = { apiVersion: `${ref.group}/${ref.version}`, kind, metadata: { name, ...metadata }, spec };
    return (await this.objects.create(ref, body as CustomObject, { ifExists: 'throw' })).object as T;
  }

  async get<T extends CustomObject<unknown, unknown>>(ref: CustomResourceRef, name: string): Promise<T | undefined> {
    return this.objects.get<T>(ref, name);
  }

  /** Waits until the CR's condition of `type` has `status` (and returns the CR). */
  async waitForCondition<T extends CustomObject<unknown, { conditions?: Condition[] }>>(
    ref: CustomResourceRef,
    name: string,
    type: string,
    status: Condition['status'],
    timeoutMs = 60_000,
  ): Promise<T> {
    return eventually(
      async () => {
        const object = await this.get<T>(ref, name);
        return findCondition(object?.status?.conditions, type)?.status === status ? object : undefined;
      },
      `${ref.plural}/${name} ${type}=${status}`,
      { timeoutMs },
    );
  }

  node(name: string): KubeObject {
    const node = this.sim.state.get('v1', 'Node', name);
    if (!node) throw new Error(`node ${name} does not exist`);
    return node;
  }

  bootId(name: string): string {
    return String((this.node(name).status as { nodeInfo?: { bootID?: string } }).nodeInfo?.bootID ?? '');
  }

  /** Leases in janitor's namespace (the node locks and the leader Lease). */
  leases(): string[] {
    return this.sim.state.list('coordination.k8s.io/v1', 'Lease', NAMESPACE).map((lease) => lease.metadata.name!);
  }

  async close(): Promise<void> {
    for (const janitor of this.#janitors) await janitor.stop();
    this.admin.close();
    await this.sim.close();
  }
}

export { eventually };
