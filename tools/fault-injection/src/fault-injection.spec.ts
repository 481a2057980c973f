/**
 * Fault injection through the shipped processes: platform-connectors and fault-quarantine
 * (dist/main.js, each a child process) against the cluster simulator and a throwaway PostgreSQL
 * cluster this suite starts, restarts and SIGKILLs. Every scenario counts acknowledged events
 * (200 from the HTTP ingest), stored events (the ingest's GET), nodes cordoned and cordon
 * transitions per node, and fails on a lost event or a duplicated action (see node-writes.ts for
 * what counts as a duplicate). The counts are printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresCluster, postgresUnavailableReason, type PostgresCluster } from './postgres-cluster.js';
import { watchNodeWrites, type NodeWrites } from './node-writes.js';
import {
  buildShippedProcesses,
  sleep,
  startFaultQuarantine,
  startPlatformConnectors,
  startSimulator,
  type Child,
  type Datastore,
} from './processes.js';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`fault-injection suite skipped: ${unavailable}`);

const NODES = 12;
const LIMIT_MS = 60_000;

function fatalEvent(nodeName: string, sequence: number) {
  return {
    version: 1,
    agent: 'gpu-health-monitor',
    componentClass: 'GPU',
    checkName: 'GpuXidError',
    isFatal: true,
    isHealthy: false,
    message: `XID 79 fault-injection #${sequence}`,
    recommendedAction: 'RESTART_VM',
    errorCode: ['79'],
    entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
    metadata: {},
    generatedTimestamp: new Date(Date.UTC(2026, 11, 1) + sequence * 1000).toISOString(),
    nodeName,
  };
}

/** Posts like a monitor: on 503 (datastore outage) or a refused connection, retry until acknowledged. */
async function postUntilAcknowledged(
  ingestUrl: string,
  nodeName: string,
  sequence: number,
): Promise<{ attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const response = await fetch(ingestUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [fatalEvent(nodeName, sequence)] }),
    }).catch(() => undefined);
    if (response?.status === 200) return { attempts };
    if (response && response.status !== 503)
      throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    await sleep(200);
  }
}

async function storedFor(ingestUrl: string, node: string): Promise<number> {
  const body = (await (await fetch(`${ingestUrl}?node=${node}`)).json()) as { events: unknown[] };
  return body.events.length;
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  describeState: () => string,
): Promise<void> {
  const deadline = Date.now() + LIMIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${LIMIT_MS / 1000} s: ${describeState()}`);
    await sleep(200);
  }
}

interface Counts {
  scenario: string;
  acknowledged: number;
  stored: number;
  cordoned: number;
  duplicatedCordons: number;
  nodeWrites: number;
  retriedPosts: number;
}

const results: Counts[] = [];

describe.skipIf(unavailable !== undefined)('fault injection (shipped processes, throwaway PostgreSQL)', () => {
  let postgres: PostgresCluster;
  const dir = mkdtempSync(join(tmpdir(), 'nvs-fault-'));
  const children: Child[] = [];
  let databases = 0;

  beforeAll(async () => {
    // The suite runs the built dist/main.js files: bring them up to date (a no-op build when they are).
    buildShippedProcesses();
    postgres = await createPostgresCluster();
  }, 300_000);

  afterAll(async () => {
    for (const child of children) await child.kill();
    await postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
    for (const r of results) {
      console.log(
        `fault-injection ${r.scenario}: acknowledged ${r.acknowledged}, stored ${r.stored}, cordoned ${r.cordoned}/${NODES}, ` +
          `duplicated cordons ${r.duplicatedCordons}, node writes ${r.nodeWrites}, posts retried ${r.retriedPosts}`,
      );
    }
  }, 60_000);

  async function freshStack(): Promise<{
    datastore: Datastore;
    sim: Awaited<ReturnType<typeof startSimulator>>;
    writes: NodeWrites;
  }> {
    const database = `nvs_fault_${++databases}`;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const sim = await startSimulator(NODES, dir);
    children.push(sim);
    const writes = await watchNodeWrites(sim.kubeconfigPath);
    return { datastore: { port: postgres.port, database }, sim, writes };
  }

  async function verify(
    scenario: string,
    ingestUrl: string,
    writes: NodeWrites,
    acknowledgedPerNode: Map<string, number>,
    retriedPosts: number,
  ): Promise<void> {
    const nodes = [...acknowledgedPerNode.keys()];
    await waitFor(
      `all ${nodes.length} nodes cordoned (${scenario})`,
      () => nodes.every((n) => writes.cordonTransitions.has(n)),
      () => `cordoned ${[...writes.cordonTransitions.keys()].join(',')}`,
    );
    // Settle: a duplicate cordon would show as a second transition after an uncordon.
    await sleep(2000);
    let stored = 0;
    for (const node of nodes) stored += await storedFor(ingestUrl, node);
    const acknowledged = [...acknowledgedPerNode.values()].reduce((a, b) => a + b, 0);
    const duplicatedCordons = [...writes.cordonTransitions.values()].reduce((a, n) => a + (n - 1), 0);
    const nodeWrites = [...writes.modifications.values()].reduce((a, b) => a + b, 0);
    results.push({
      scenario,
      acknowledged,
      stored,
      cordoned: writes.cordoned(),
      duplicatedCordons,
      nodeWrites,
      retriedPosts,
    });
    expect(stored, 'every acknowledged event is stored').toBe(acknowledged);
    expect(writes.cordoned(), 'every node with a fatal event is cordoned').toBe(nodes.length);
    expect(duplicatedCordons, 'no node cordoned twice').toBe(0);
  }

  it('(3) events stored before fault-quarantine ever ran are all acted on', async () => {
    const { datastore, sim, writes } = await freshStack();
    const pc = await startPlatformConnectors(datastore, sim.kubeconfigPath, dir);
    children.push(pc);
    const acknowledged = new Map<string, number>();
    for (let i = 0; i < NODES; i++) {
      await postUntilAcknowledged(pc.ingestUrl, `gpu-node-${i}`, i);
      acknowledged.set(`gpu-node-${i}`, 1);
    }
    const fq = await startFaultQuarantine(datastore, sim.kubeconfigPath);
    children.push(fq);
    await verify('stored-before-first-start', pc.ingestUrl, writes, acknowledged, 0);
    writes.stop();
  }, 240_000);

  it('(1) fault storm across a PostgreSQL restart and a postmaster SIGKILL: nothing lost, nothing duplicated', async () => {
    const { datastore, sim, writes } = await freshStack();
    const pc = await startPlatformConnectors(datastore, sim.kubeconfigPath, dir);
    const fq = await startFaultQuarantine(datastore, sim.kubeconfigPath);
    children.push(pc, fq);
    const acknowledged = new Map<string, number>();
    let retried = 0;
    const storm = async (from: number, to: number) => {
      await Promise.all(
        Array.from({ length: to - from }, async (_, k) => {
          const i = from + k;
          const { attempts } = await postUntilAcknowledged(pc.ingestUrl, `gpu-node-${i}`, 100 + i);
          retried += attempts - 1;
          acknowledged.set(`gpu-node-${i}`, 1);
        }),
      );
    };
    const third = Math.floor(NODES / 3);
    // clean restart in the middle of the first third of the storm
    const first = storm(0, third);
    await postgres.stop();
    await sleep(1500);
    await postgres.start();
    await first;
    // SIGKILL of the postmaster in the middle of the second third
    const second = storm(third, 2 * third);
    await postgres.kill();
    await sleep(1500);
    await postgres.start();
    await second;
    await storm(2 * third, NODES);
    expect(fq.exited(), `fault-quarantine rode the outages out:\n${fq.output()}`).toBe(false);
    await verify('postgres-restart-and-sigkill', pc.ingestUrl, writes, acknowledged, retried);
    writes.stop();
  }, 300_000);

  it('(2) fault-quarantine SIGKILLed right after a cordon, before its status write: restart cordons the rest, none twice', async () => {
    const { datastore, sim, writes } = await freshStack();
    const pc = await startPlatformConnectors(datastore, sim.kubeconfigPath, dir);
    const fq = await startFaultQuarantine(datastore, sim.kubeconfigPath);
    children.push(pc, fq);
    const acknowledged = new Map<string, number>();
    await Promise.all(
      Array.from({ length: NODES }, async (_, i) => {
        await postUntilAcknowledged(pc.ingestUrl, `gpu-node-${i}`, 200 + i);
        acknowledged.set(`gpu-node-${i}`, 1);
      }),
    );
    // The cordon is the Kubernetes action; the status write follows it. Killing the moment the
    // first cordon is seen on the simulator lands between the two for that node (and others in flight).
    await waitFor(
      'first cordon',
      () => writes.cordonTransitions.size > 0,
      () => 'none',
    );
    await fq.kill();
    const cordonedAtKill = writes.cordonTransitions.size;
    const restarted = await startFaultQuarantine(datastore, sim.kubeconfigPath);
    children.push(restarted);
    await verify(`fq-sigkill-after-cordon (${cordonedAtKill} cordoned at kill)`, pc.ingestUrl, writes, acknowledged, 0);
    writes.stop();
  }, 240_000);
});
