/**
 * The end-to-end test's view of a running stack: the simulator in-process (so the test can set
 * pod phases), the stack started exactly as `npm start` starts it, and observers that record what
 * the services did with timestamps — node changes from a watch, event-document changes from a
 * change stream of the test's own.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { ANY_FREE_PORTS } from '../stack/stack-types.js';
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
  ) {}

  /** `drainerToml` replaces the stack's node-drainer configuration (namespace modes). */
  static async start(provider: Provider, drainerToml?: string): Promise<StackHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'nvs-e2e-'));
    const database = provider === 'postgresql' ? await createTestDatabase('e2e') : undefined;
    const datastore: DataStoreConfig = database ? database.config : chooseDatastore({}).config;
    const drainerPath = join(dir, 'node-drainer.toml');
    if (drainerToml) await writeFile(drainerPath, drainerToml);

    const outcomes = new Map<string, HandleOutcome>();
    const began = performance.now();
    const sim = await startClusterSim({ ...localScenario(), port: 0 });
    const stack = await startLocalStack({
      datastore,
      mode: 'in-process',
      kubeconfig: sim.kubeconfig,
      kubeconfigPath: join(dir, 'kubeconfig'),
      socketPath: join(dir, 'nvs.sock'),
      ports: ANY_FREE_PORTS,
      logger: createLogger({ name: 'e2e', level: process.env['LOG_LEVEL'] ?? 'fatal', pretty: false }),
      ...(drainerToml ? { nodeDrainerConfigPath: drainerPath } : {}),
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
    const harness = new StackHarness(provider, sim, stack, kube, startupMs, nodes, stream, dir, database, outcomes);
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

  /** fault-quarantine's decision for the event, once it handled it (its onOutcome hook). */
  outcome(eventId: string): HandleOutcome | undefined {
    return this.quarantineOutcomes.get(eventId);
  }

  /** When the watch first showed the node cordoned after `since`. */
  cordonedAt(name: string, since: number): number | undefined {
    return this.nodeHistory.get(name)?.find((o) => o.at >= since && o.node.spec?.unschedulable === true)?.at;
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

export { eventually } from '@nvsentinel/service-kit/testing';
