#!/usr/bin/env node
/**
 * The whole break-fix cycle under a burst, in the table form of upstream's scale test (#1705):
 * N fatal XIDs on N nodes of a large simulated cluster, sent at once, and for each node the time
 * from the fault to every step — cordon, drained, RebootNode created, reboot signal sent,
 * NodeReady, healthy reported, uncordoned (back in service) — as p50 / p90 / p99.
 *
 *   npm run bench:cycle -w @nvsentinel/local-stack                       # 1,000 nodes, 200 faults, 10 s reboot
 *   npm run bench:cycle -w @nvsentinel/local-stack -- --nodes 200 --faults 50 --reboot-seconds 5
 *   DATASTORE_PROVIDER=postgresql DATASTORE_HOST=127.0.0.1 DATASTORE_USERNAME=postgres \
 *     DATASTORE_DATABASE=<existing db> npm run bench:cycle -w @nvsentinel/local-stack [-- --processes]
 *
 * The stack runs as `npm start` runs it (same services, flags and configs; the simulator as its
 * own process). The scenario drops the demo PodDisruptionBudget, which would let one inference pod
 * go at a time across the whole fleet and turn the drain column into a queue of 3 s evictions.
 * Every step is timed when this process observes it (watches and a change stream), not from the
 * whole-second timestamps of Kubernetes objects. The goal line is upstream's issue: back in service
 * within the simulated reboot + the drain's eviction grace + 5 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubernetesListObject } from '@kubernetes/client-node';
import { NodeCache, ResilientInformer, createKubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import type { ChangeEvent } from '@nvsentinel/store-client';
import { xidEvent } from '../cli/health-events.js';
import { sendOverGrpc } from '../cli/senders.js';
import { JANITOR_GROUP, JANITOR_VERSION, type MaintenanceObject } from '../progress/remediation-progress.js';
import { janitorCrds, localScenario } from '../stack/cluster-scenario.js';
import { chooseDatastore } from '../stack/datastore-choice.js';
import { startLocalStack } from '../stack/local-stack.js';
import { startSimulatorProcess } from '../stack/simulator-process.js';
import { ANY_FREE_PORTS, DEFAULT_PORTS } from '../stack/stack-types.js';

/** node-drainer's eviction grace in the stack's config (tools/local-stack/config/node-drainer.toml). */
const EVICTION_GRACE_S = 3;

const STEPS = [
  'cordoned',
  'drained',
  'CR created',
  'signal sent',
  'NodeReady',
  'healthy stored',
  'back in service',
] as const;
type Step = (typeof STEPS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string' },
      faults: { type: 'string' },
      'reboot-seconds': { type: 'string' },
      processes: { type: 'boolean' },
      'timeout-seconds': { type: 'string' },
    },
  });
  const nodeCount = Number(values.nodes ?? 1000);
  const faults = Number(values.faults ?? 200);
  const rebootSeconds = Number(values['reboot-seconds'] ?? 10);
  const timeoutMs = Number(values['timeout-seconds'] ?? 240) * 1000;
  if (!(faults >= 1 && faults <= nodeCount))
    throw new Error(`--faults must be between 1 and --nodes (${nodeCount}), got ${faults}`);

  const dir = await mkdtemp(join(tmpdir(), 'nvs-cycle-'));
  const choice = chooseDatastore();
  const scenario = { ...localScenario(nodeCount), podsPerNode: 2, objects: janitorCrds() };
  const began = performance.now();
  const sim = await startSimulatorProcess({
    scenario,
    scenarioPath: join(dir, 'scenario.json'),
    kubeconfigPath: join(dir, 'kubeconfig'),
    port: 0,
  });
  const stack = await startLocalStack({
    datastore: choice.config,
    mode: values.processes ? 'processes' : 'in-process',
    kubeconfig: sim.kubeconfig,
    kubeconfigPath: sim.kubeconfigPath,
    socketPath: join(dir, 'nvs.sock'),
    ports: values.processes ? DEFAULT_PORTS : ANY_FREE_PORTS,
    logger: createLogger({ name: 'bench', level: 'error', pretty: false }),
    reboot: { downSeconds: rebootSeconds },
  });
  const startupMs = performance.now() - began;

  // Observers: what this process sees, timed on arrival.
  const kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, userAgent: 'cycle-bench' });
  const seen = new Map<string, Partial<Record<Step, number>>>();
  const mark = (node: string | undefined, step: Step) => {
    if (!node) return;
    const steps = seen.get(node) ?? {};
    steps[step] ??= Date.now();
    seen.set(node, steps);
  };
  const nodes = new NodeCache(kube);
  nodes.onChange(({ type, object, previous }) => {
    if (type !== 'update' || !previous) return;
    const name = object.metadata?.name;
    if (!previous.spec?.unschedulable && object.spec?.unschedulable) mark(name, 'cordoned');
    if (previous.spec?.unschedulable && !object.spec?.unschedulable) mark(name, 'back in service');
  });
  const crs = new ResilientInformer<MaintenanceObject>({
    client: kube,
    path: `/apis/${JANITOR_GROUP}/${JANITOR_VERSION}/rebootnodes`,
    list: async () =>
      (await kube.customObjects.listClusterCustomObject({
        group: JANITOR_GROUP,
        version: JANITOR_VERSION,
        plural: 'rebootnodes',
      })) as KubernetesListObject<MaintenanceObject>,
  });
  crs.onChange(({ object }) => {
    const node = object.spec?.nodeName;
    mark(node, 'CR created');
    const isTrue = (type: string) => object.status?.conditions?.some((c) => c.type === type && c.status === 'True');
    if (isTrue('SignalSent')) mark(node, 'signal sent');
    if (isTrue('NodeReady')) mark(node, 'NodeReady');
  });
  nodes.start();
  crs.start();
  await Promise.all([nodes.waitForSync(), crs.waitForSync()]);
  const stream = stack.datastore.healthEventStore().watch({ clientName: `cycle-bench-${process.pid}`, startAt: 'now' });
  await stream.started?.();
  const reading = (async () => {
    for await (const change of stream) observeChange(change, mark);
  })();

  // Spread over the cluster (every nodes/faults-th node), as a fleet-wide burst would be.
  const stride = Math.max(1, Math.floor(nodeCount / faults));
  const targets = Array.from({ length: faults }, (_, i) => `gpu-node-${i * stride}`);
  let sentAt = 0;
  let complete: number;
  try {
    sentAt = Date.now();
    await sendOverGrpc(
      stack.socketPath,
      targets.map((node) => xidEvent({ node, xid: 79, gpu: 0, monitor: 'syslog' })),
      60_000,
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      complete = targets.filter((n) => seen.get(n)?.['back in service'] !== undefined).length;
      if (complete === targets.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await stream.close();
    await reading.catch(() => undefined);
    await Promise.all([nodes.stop(), crs.stop()]);
    kube.close();
    await stack.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }

  const goalMs = (rebootSeconds + EVICTION_GRACE_S + 5) * 1000;
  console.log(
    `cycle bench: ${choice.description}, services ${stack.mode}, ${nodeCount} nodes, ${faults} fatal XIDs in one burst, ${rebootSeconds} s simulated reboot`,
  );
  console.log(`  start-up (simulator process + datastore + 9 services)  ${(startupMs / 1000).toFixed(1)} s`);
  console.log(
    `  nodes back in service: ${complete} of ${faults}${complete < faults ? ` (timed out after ${timeoutMs / 1000} s; the table shows the nodes that got there)` : ''}`,
  );
  console.log('');
  console.log(
    `  ${'fault → step'.padEnd(22)} ${'n'.padStart(4)} ${'p50'.padStart(9)} ${'p90'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}`,
  );
  for (const step of STEPS) {
    const times = targets
      .map((n) => seen.get(n)?.[step])
      .filter((t): t is number => t !== undefined)
      .map((t) => t - sentAt);
    console.log(`  ${step.padEnd(22)} ${String(times.length).padStart(4)} ${quantiles(times).map(seconds).join(' ')}`);
  }
  const back = targets
    .map((n) => seen.get(n)?.['back in service'])
    .filter((t): t is number => t !== undefined)
    .map((t) => t - sentAt);
  const p99 = quantiles(back)[2]!;
  console.log('');
  console.log(
    `  goal: p99 fault → back in service ≤ reboot + eviction grace + 5 s = ${seconds(goalMs).trim()}; measured ${seconds(p99).trim()} (ratio ${(p99 / goalMs).toFixed(2)})`,
  );
  console.log(`  upstream #1705 (200-event burst): detect → back in service p50 70 s, p99 89 s`);
}

function observeChange(change: ChangeEvent, mark: (node: string | undefined, step: Step) => void): void {
  const doc = change.fullDocument as { healthevent?: { nodename?: string; ishealthy?: boolean } } | null;
  const node = doc?.healthevent?.nodename;
  if (change.operationType === 'insert' && doc?.healthevent?.ishealthy) return mark(node, 'healthy stored');
  const fields = change.updateDescription?.updatedFields ?? {};
  const eviction =
    (fields['healtheventstatus.userpodsevictionstatus.status'] as string | undefined) ??
    (fields['healtheventstatus.userpodsevictionstatus'] as { status?: string } | undefined)?.status;
  if (eviction === 'Succeeded' && !doc?.healthevent?.ishealthy) mark(node, 'drained');
}

function quantiles(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return [at(0.5), at(0.9), at(0.99), sorted[sorted.length - 1] ?? NaN];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`.padStart(9);
}

main().catch((err: unknown) => {
  console.error(`cycle bench: ${(err as Error).message}`);
  process.exit(1);
});
