#!/usr/bin/env node
/**
 * Fault-to-cordon and fault-to-drained latency of the running stack, as `npm start` runs it (the
 * simulator as its own process, the same service configuration), over repeated samples:
 *
 *   npm run bench:latency -w @nvsentinel/local-stack                       # embedded datastore
 *   DATASTORE_PROVIDER=postgresql DATASTORE_HOST=127.0.0.1 DATASTORE_USERNAME=postgres \
 *     DATASTORE_DATABASE=<existing db> npm run bench:latency -w @nvsentinel/local-stack [-- --processes]
 *
 * Each sample: put two fresh `batch` pods (Immediate namespace) on the node, send a fatal XID over
 * gRPC, time the cordon (node watch) and the eviction status Succeeded (commit time of the write,
 * from a change stream), then send the recovery and wait for the uncordon. The scenario's own pods
 * are removed from the bench nodes first, so every sample drains exactly two pods. Samples rotate over
 * three nodes: fewer than the circuit breaker's threshold of 4, so it never trips.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { NodeCache, createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import type { ChangeEvent } from '@nvsentinel/store-client';
import { healthyEvent, xidEvent } from '../cli/health-events.js';
import { sendOverGrpc } from '../cli/senders.js';
import { localScenario } from '../stack/cluster-scenario.js';
import { chooseDatastore } from '../stack/datastore-choice.js';
import { startLocalStack } from '../stack/local-stack.js';
import { startSimulatorProcess } from '../stack/simulator-process.js';
import { ANY_FREE_PORTS, DEFAULT_PORTS } from '../stack/stack-types.js';

const NODES = ['gpu-node-0', 'gpu-node-1', 'gpu-node-2'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { samples: { type: 'string' }, processes: { type: 'boolean' }, 'k8s-port': { type: 'string' } },
  });
  const samples = Number(values.samples ?? 10);
  const dir = await mkdtemp(join(tmpdir(), 'nvs-latency-'));
  const choice = chooseDatastore();
  const began = performance.now();
  const sim = await startSimulatorProcess({
    scenario: localScenario(),
    scenarioPath: join(dir, 'scenario.json'),
    kubeconfigPath: join(dir, 'kubeconfig'),
    port: Number(values['k8s-port'] ?? 0),
  });
  const stack = await startLocalStack({
    datastore: choice.config,
    mode: values.processes ? 'processes' : 'in-process',
    kubeconfig: sim.kubeconfig,
    kubeconfigPath: sim.kubeconfigPath,
    socketPath: join(dir, 'nvs.sock'),
    // Separate processes need fixed ports (they report them on /readyz).
    ports: values.processes ? DEFAULT_PORTS : ANY_FREE_PORTS,
    logger: createLogger({ name: 'bench', level: 'error', pretty: false }),
  });
  const startupMs = performance.now() - began;
  const kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, userAgent: 'latency-bench' });
  const nodes = new NodeCache(kube).start();
  await nodes.waitForSync();
  const changes: ChangeEvent[] = [];
  const stream = stack.datastore
    .healthEventStore()
    .watch({ clientName: `latency-bench-${process.pid}`, startAt: 'now' });
  const reading = (async () => {
    for await (const change of stream) changes.push(change);
  })();

  await clearWorkloads(kube, NODES);
  const cordon: number[] = [];
  const drained: number[] = [];
  const uncordon: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const node = NODES[i % NODES.length]!;
      await placeBatchPods(kube, node, i);
      const sentAt = Date.now();
      await sendOverGrpc(stack.socketPath, [xidEvent({ node, xid: 79, gpu: 0, monitor: 'syslog' })]);
      const cordonedAt = await until(
        () => (nodes.get(node)?.spec?.unschedulable ? Date.now() : undefined),
        `${node} cordoned`,
      );
      const succeeded = await until(
        () =>
          changes.find((c) => nodeOf(c) === node && c.clusterTime.getTime() >= sentAt && evictionOf(c) === 'Succeeded'),
        `${node} drained`,
      );
      const healthyAt = Date.now();
      await sendOverGrpc(stack.socketPath, [healthyEvent({ node, monitor: 'syslog' })]);
      const uncordonedAt = await until(
        () => (nodes.get(node)?.spec?.unschedulable ? undefined : Date.now()),
        `${node} uncordoned`,
      );
      // The drainer closes the healthy event too; wait so the next sample starts from a quiet node.
      await until(
        () =>
          changes.find(
            (c) => nodeOf(c) === node && c.clusterTime.getTime() >= healthyAt && evictionOf(c) === 'Succeeded',
          ),
        `${node} settled`,
      );
      cordon.push(cordonedAt - sentAt);
      drained.push(succeeded.clusterTime.getTime() - sentAt);
      uncordon.push(uncordonedAt - healthyAt);
    }
  } finally {
    await stream.close();
    await reading.catch(() => undefined);
    await nodes.stop();
    kube.close();
    await stack.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `latency bench: ${choice.description}, services ${stack.mode}, ${samples} samples (nodes ${NODES.join(', ')})`,
  );
  console.log(`  start-up (simulator process + datastore + services)  ${(startupMs / 1000).toFixed(2)} s`);
  console.log(`  fault → cordon       ${summary(cordon)}`);
  console.log(`  fault → drained      ${summary(drained)}   (2 pods, 3 s eviction grace; the pod watch ends the wait)`);
  console.log(`  healthy → uncordon   ${summary(uncordon)}`);
}

/**
 * Removes the scenario's workload pods from the bench nodes, so every sample drains the same two
 * pods (the scenario's inference pods sit behind a PodDisruptionBudget whose 10 s retry would
 * otherwise show up in some samples and not others).
 */
async function clearWorkloads(kube: KubeClient, names: readonly string[]): Promise<void> {
  const pods = await kube.core.listPodForAllNamespaces();
  const doomed = pods.items.filter(
    (p) => names.includes(p.spec?.nodeName ?? '') && !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet'),
  );
  await Promise.all(
    doomed.map((p) =>
      kube.core.deleteNamespacedPod({
        name: p.metadata!.name!,
        namespace: p.metadata!.namespace!,
        gracePeriodSeconds: 0,
      }),
    ),
  );
}

/** Two running Immediate-namespace pods on the node, so every sample drains real pods. */
async function placeBatchPods(kube: KubeClient, node: string, sample: number): Promise<void> {
  for (const n of [0, 1]) {
    const name = `bench-${sample}-${n}`;
    const pod: V1Pod = {
      metadata: {
        name,
        namespace: 'batch',
        labels: { app: 'bench' },
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: 'bench', uid: 'bench-job-uid', controller: true },
        ],
      },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 30,
        containers: [{ name: 'main', image: 'registry.example.com/bench:1.0' }],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    };
    await kube.core.createNamespacedPod({ namespace: 'batch', body: pod });
  }
}

function nodeOf(change: ChangeEvent): string | undefined {
  return (change.fullDocument as { healthevent?: { nodename?: string } } | null)?.healthevent?.nodename;
}

function evictionOf(change: ChangeEvent): string | undefined {
  const fields = change.updateDescription?.updatedFields ?? {};
  const direct = fields['healtheventstatus.userpodsevictionstatus.status'];
  const nested = (fields['healtheventstatus.userpodsevictionstatus'] as { status?: string } | undefined)?.status;
  return (direct as string | undefined) ?? nested;
}

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const fmt = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
  return `p50 ${fmt(at(0.5))}  p90 ${fmt(at(0.9))}  min ${fmt(sorted[0] ?? NaN)}  max ${fmt(sorted[sorted.length - 1] ?? NaN)}`;
}

main().catch((err: unknown) => {
  console.error(`latency bench: ${(err as Error).message}`);
  process.exit(1);
});
