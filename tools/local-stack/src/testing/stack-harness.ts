/**
 * The end-to-end test's view of a running stack: the simulator in-process (so the test can set
 * pod phases), the stack started exactly as `npm start` starts it, and observers that record what
 * the services did with timestamps — node changes from a watch, event-document changes from a
 * change stream of the test's own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Node } from '@kubernetes/client-node';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import type { HandleOutcome } from '@nvsentinel/fault-quarantine';
import { NodeCache, createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import type { ChangeEvent, ChangeStream, DataStoreConfig } from '@nvsentinel/store-client';
import { JANITOR_GROUP, JANITOR_VERSION, MAINTENANCE_KINDS } from '../progress/remediation-progress.js';
import { localScenario } from '../stack/cluster-scenario.js';
import { chooseDatastore } from '../stack/datastore-choice.js';
import { startLocalStack, type LocalStack } from '../stack/local-stack.js';
import { ANY_FREE_PORTS, STACK_SERVICES, type StackPorts, type StackServiceName } from '../stack/stack-types.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export type Provider = 'embedded' | 'postgresql';

/** Simulated downtime of a node janitor reboots in the tests. */
export const REBOOT_SECONDS = 5;

export interface MaintenanceCr {
  metadata: {
    name: string;
    ownerReferences?: Array<{ kind: string; name: string }>;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: { nodeName: string };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}

export interface NodeObservation {
  at: number;
  node: V1Node;
}

export interface HarnessOptions {
  /** Replaces the stack's node-drainer configuration (namespace modes). */
  drainerToml?: string;
  /** Replaces the stack's csp-health-monitor / maintenance-notifier configuration. */
  cspHealthMonitorToml?: string;
  /** 'processes': one process per service (PostgreSQL only); `outcome()` is then unavailable. */
  mode?: 'in-process' | 'processes';
  /** Simulated GPU nodes (default the stack's 8). */
  nodes?: number;
  /** The scenario's inference PodDisruptionBudget (default on; off lets parallel drains go at once). */
  inferenceBudget?: boolean;
  /** Log lines of the service processes (default: the last 500 in `serviceLog`; `LOG_LEVEL` sets their level). */
  writeServiceLog?: (line: string) => void;
}

export class StackHarness {
  readonly nodeHistory = new Map<string, NodeObservation[]>();
  readonly changes: Array<{ receivedAt: number; change: ChangeEvent }> = [];
  #observer: Promise<void> | undefined;

  private constructor(
    readonly provider: Provider,
    readonly sim: ClusterSim,
    readonly stack: LocalStack,
    readonly kube: KubeClient,
    readonly startupMs: number,
    private readonly nodes: NodeCache,
    private readonly stream: ChangeStream,
    private readonly dir: string,
    private readonly database: TestDatabase | undefined,
    readonly quarantineOutcomes: Map<string, HandleOutcome>,
    /** The service processes' last log lines (processes mode), for failure messages. */
    readonly serviceLog: string[],
  ) {}

  static async start(provider: Provider, options: HarnessOptions = {}): Promise<StackHarness> {
    const mode = options.mode ?? 'in-process';
    if (mode === 'processes' && provider === 'embedded')
      throw new Error('the embedded datastore lives in one process; processes mode needs the postgresql provider');
    const dir = await mkdtemp(join(tmpdir(), 'nvs-e2e-'));
    const database = provider === 'postgresql' ? await createTestDatabase('e2e') : undefined;
    const datastore: DataStoreConfig = database ? database.config : chooseDatastore({}).config;
    const drainerPath = join(dir, 'node-drainer.toml');
    if (options.drainerToml) await writeFile(drainerPath, options.drainerToml);
    const cspPath = join(dir, 'csp-health-monitor.source.toml');
    if (options.cspHealthMonitorToml) await writeFile(cspPath, options.cspHealthMonitorToml);

    const outcomes = new Map<string, HandleOutcome>();
    const serviceLog: string[] = [];
    const began = performance.now();
    const scenario = localScenario(options.nodes);
    if (options.inferenceBudget === false)
      scenario.objects = scenario.objects.filter((o) => o.kind !== 'PodDisruptionBudget');
    const sim = await startClusterSim({ ...scenario, port: 0 });
    const stack = await startLocalStack({
      datastore,
      mode,
      kubeconfig: sim.kubeconfig,
      kubeconfigPath: join(dir, 'kubeconfig'),
      socketPath: join(dir, 'nvs.sock'),
      // Separate processes cannot report back a port they picked: give each a free one.
      ports: mode === 'processes' ? await freePorts() : ANY_FREE_PORTS,
      logger: createLogger({ name: 'e2e', level: process.env['LOG_LEVEL'] ?? 'fatal', pretty: false }),
      ...(options.drainerToml ? { nodeDrainerConfigPath: drainerPath } : {}),
      ...(options.cspHealthMonitorToml ? { cspHealthMonitorConfigPath: cspPath } : {}),
      ...(mode === 'processes'
        ? {
            env: { ...process.env, ...datastoreEnv(datastore) },
            writeServiceLog:
              options.writeServiceLog ??
              ((line: string) => {
                serviceLog.push(line);
                if (serviceLog.length > 500) serviceLog.shift();
              }),
          }
        : {}),
      onQuarantineOutcome: (change, outcome) => outcomes.set(change.documentKey._id, outcome),
      reboot: { downSeconds: REBOOT_SECONDS },
    });
    const startupMs = performance.now() - began;

    const kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, userAgent: 'e2e-observer' });
    const nodes = new NodeCache(kube).start();
    await nodes.waitForSync();
    const stream = stack.datastore.healthEventStore().watch({ clientName: 'e2e-observer', startAt: 'now' });
    // 'now' is fixed when the stream is positioned, not when watch() returns: wait for it, or an
    // event sent right away may fall before the observer's start.
    await stream.started?.();
    const harness = new StackHarness(
      provider,
      sim,
      stack,
      kube,
      startupMs,
      nodes,
      stream,
      dir,
      database,
      outcomes,
      serviceLog,
    );
    harness.#observe();
    return harness;
  }

  #observe(): void {
    this.nodes.onChange(({ object }) => {
      const name = object.metadata?.name ?? '';
      const history = this.nodeHistory.get(name) ?? [];
      history.push({ at: Date.now(), node: object });
      this.nodeHistory.set(name, history);
    });
    this.#observer = (async () => {
      for await (const change of this.stream) this.changes.push({ receivedAt: Date.now(), change });
    })().catch(() => undefined);
  }

  node(name: string): V1Node {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`node ${name} is not in the cache`);
    return node;
  }

  /** fault-quarantine's decision for the event, once it handled it (its onOutcome hook; in-process only). */
  outcome(eventId: string): HandleOutcome | undefined {
    return this.quarantineOutcomes.get(eventId);
  }

  /** When the watch first showed the node cordoned after `since`. */
  cordonedAt(name: string, since: number): number | undefined {
    return this.nodeHistory.get(name)?.find((o) => o.at >= since && o.node.spec?.unschedulable === true)?.at;
  }

  /**
   * How often the watch saw the node go from schedulable to cordoned and back after `since`
   * (starting from its state just before `since`): the "exactly once" of a cycle.
   */
  cordonChanges(name: string, since: number): { cordons: number; uncordons: number } {
    const history = this.nodeHistory.get(name) ?? [];
    let cordoned = history.filter((o) => o.at < since).at(-1)?.node.spec?.unschedulable === true;
    let cordons = 0;
    let uncordons = 0;
    for (const o of history.filter((o) => o.at >= since)) {
      const now = o.node.spec?.unschedulable === true;
      if (now && !cordoned) cordons++;
      if (!now && cordoned) uncordons++;
      cordoned = now;
    }
    return { cordons, uncordons };
  }

  /** Reboots the watch saw after `since`: how often the node's bootID changed. */
  reboots(name: string, since: number): number {
    const history = this.nodeHistory.get(name) ?? [];
    let boot = (history.filter((o) => o.at < since).at(-1) ?? history[0])?.node.status?.nodeInfo?.bootID;
    let reboots = 0;
    for (const o of history.filter((o) => o.at >= since)) {
      const now = o.node.status?.nodeInfo?.bootID;
      if (now && boot && now !== boot) reboots++;
      boot = now ?? boot;
    }
    return reboots;
  }

  /** Changes to one event document, in the order the change stream delivered them. */
  changesOf(eventId: string): ChangeEvent[] {
    return this.changes.filter((c) => c.change.documentKey._id === eventId).map((c) => c.change);
  }

  /** The id of the first event stored for `node` after `since` (gRPC answers carry no id). */
  insertedEventId(node: string, since: number): string | undefined {
    const found = this.changes.find((c) => {
      const doc = c.change.fullDocument as { healthevent?: { nodename?: string } } | null;
      return c.receivedAt >= since && c.change.operationType === 'insert' && doc?.healthevent?.nodename === node;
    });
    return found?.change.documentKey._id;
  }

  /** janitor's CRs of one kind (plural, e.g. `rebootnodes`) for a node, as the simulator stores them. */
  maintenanceCrs(plural: 'rebootnodes' | 'terminatenodes' | 'gpuresets', node: string): MaintenanceCr[] {
    const kind = MAINTENANCE_KINDS[plural];
    return (this.sim.state.list(`${JANITOR_GROUP}/${JANITOR_VERSION}`, kind) as unknown as MaintenanceCr[]).filter(
      (cr) => cr.spec?.nodeName === node,
    );
  }

  nodeNames(): string[] {
    return this.sim.state.nodes().map((n) => n.metadata.name ?? '');
  }

  workloadPods(node: string): string[] {
    return this.sim.state
      .pods(node)
      .filter(
        (p) =>
          !(p.metadata.ownerReferences as Array<{ kind: string }> | undefined)?.some((o) => o.kind === 'DaemonSet'),
      )
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
      .sort();
  }

  async close(): Promise<void> {
    await this.stream.close();
    await this.#observer;
    await this.nodes.stop();
    this.kube.close();
    await this.stack.stop();
    await this.sim.close();
    await this.database?.drop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The DATASTORE_* variables that point a service process at `config` (a PostgreSQL test database). */
function datastoreEnv(config: DataStoreConfig): Record<string, string> {
  if (config.provider !== 'postgresql')
    throw new Error(`service processes need a datastore server; got provider ${config.provider}`);
  const c = config.connection;
  return {
    DATASTORE_PROVIDER: 'postgresql',
    DATASTORE_HOST: c.host,
    DATASTORE_PORT: String(c.port),
    DATASTORE_DATABASE: c.database,
    ...(c.username ? { DATASTORE_USERNAME: c.username } : {}),
    ...(c.password ? { DATASTORE_PASSWORD: c.password } : {}),
    DATASTORE_SSLMODE: c.sslmode ?? 'prefer',
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function freePorts(): Promise<StackPorts> {
  const metrics = {} as Record<StackServiceName, number>;
  for (const name of STACK_SERVICES) metrics[name] = await freePort();
  return { ingest: await freePort(), metrics };
}

/**
 * Compiles the services' dist/main.js files that processes mode spawns (tsc --build over the
 * stack's project references: incremental, about a second when nothing changed). Serialised with
 * other builds on the machine through /tmp/build.lock when flock exists.
 */
export function buildServiceProcesses(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('../../tsconfig.lib.json', import.meta.url));
  const command = [process.execPath, tsc, '--build', project];
  const hasFlock = spawnSync('flock', ['--version']).status === 0;
  const result = hasFlock
    ? spawnSync('flock', ['/tmp/build.lock', ...command], { encoding: 'utf8', timeout: 600_000 })
    : spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0)
    throw new Error(
      `building the service processes failed; fix the TypeScript errors:\n${result.stdout}${result.stderr}`,
    );
}

export { eventually } from '@nvsentinel/service-kit/testing';
