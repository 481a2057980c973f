/**
 * fault-quarantine across restarts and failures, and with the circuit breaker, on PostgreSQL and
 * the cluster simulator.
 */
import { QuarantineStatus } from '@nvsentinel/health-model';
import { ConfigMapOps } from '@nvsentinel/k8s';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from './config/default-config.js';
import { loadConfigFile } from './config/parse-config.js';
import { Annotations } from './quarantine/node-keys.js';
import { parseTrackedFaults } from './quarantine/tracked-faults.js';
import { fatalGpuEvent, healthyEventFor } from './testing/events.js';
import { Harness, NAMESPACE } from './testing/harness.js';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';
import { waitFor } from './testing/wait-for.js';
import type { FaultQuarantine } from './service.js';

const nodeNames = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `gpu-node-${i + from}`);

async function counterTotal(fq: FaultQuarantine, name: 'cordonsApplied' | 'nodesQuarantined'): Promise<number> {
  const { values } = await fq.metrics[name].get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('fault-quarantine lifecycle', () => {
  let database: TestDatabase | undefined;
  let h: Harness | undefined;

  afterEach(async () => {
    await h?.close();
    await database?.drop();
    h = undefined;
    database = undefined;
  });

  it('quarantines every event stored before its very first start, exactly once (cold-start scan)', async () => {
    database = await createTestDatabase('fq_first_start', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 30 },
      options: { circuitBreakerEnabled: false, workers: 4 },
      deferStart: true,
    });
    const nodes = nodeNames(30);
    // Accepted while no fault-quarantine ever ran: no resume token exists for it yet.
    const ids = await h.insert(...nodes.map((n) => fatalGpuEvent(n)));
    const fq = await h.startService();
    // And more while the scan runs: they arrive through the stream.
    const late = await h.insert(
      fatalGpuEvent(nodes[0]!, { checkName: 'GpuXidError2' }),
      fatalGpuEvent(nodes[1]!, { checkName: 'GpuXidError2' }),
    );
    for (const id of ids) expect(await h.waitForStatus(id)).toBe(QuarantineStatus.Quarantined);
    for (const id of late) expect(await h.waitForStatus(id)).toBe(QuarantineStatus.AlreadyQuarantined);
    expect(await counterTotal(fq, 'cordonsApplied')).toBe(30);
    await h.settle();
    // A restart after that finds nothing left to do: nothing cordoned again.
    await h.stopService();
    const again = await h.startService();
    await h.settle();
    expect(await counterTotal(again, 'cordonsApplied')).toBe(0);
  });

  it('with a cold-start window of 0 (operator choice) events stored before the first start are left alone', async () => {
    database = await createTestDatabase('fq_no_scan', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 2 },
      options: { circuitBreakerEnabled: false, coldStartWindowMs: 0 },
      deferStart: true,
    });
    const [before] = await h.insert(fatalGpuEvent('gpu-node-0'));
    await h.startService();
    await h.primeStream();
    const [after] = await h.insert(fatalGpuEvent('gpu-node-1'));
    expect(await h.waitForStatus(after!)).toBe(QuarantineStatus.Quarantined);
    expect((await h.record(before!)).healthEventStatus.nodeQuarantined).toBeFalsy();
  });

  it('resumes after a restart mid-stream without losing or double-applying an event', async () => {
    database = await createTestDatabase('fq_restart', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 40 },
      options: { circuitBreakerEnabled: false, workers: 4 },
    });
    const nodes = nodeNames(40);
    const ids = await h.insert(...nodes.map((n) => fatalGpuEvent(n)));
    const first = h.fq!;
    await waitFor('some events handled', () => first.consumer!.stats().processed >= 10);
    await h.stopService();
    const cordonedBefore = await counterTotal(first, 'cordonsApplied');
    expect(cordonedBefore).toBeLessThan(40);

    const second = await h.startService();
    for (const id of ids) expect(await h.waitForStatus(id)).toBe(QuarantineStatus.Quarantined);
    // Every node cordoned exactly once over both runs, each fault tracked exactly once.
    expect(cordonedBefore + (await counterTotal(second, 'cordonsApplied'))).toBe(40);
    for (const name of nodes) {
      const node = await h.node(name);
      expect(node.spec?.unschedulable).toBe(true);
      expect(parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents])).toHaveLength(1);
    }
  });

  it('keeps an event whose node write failed and applies it after a restart', async () => {
    database = await createTestDatabase('fq_failure', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 4 },
      options: { circuitBreakerEnabled: false },
    });
    // Every node write to gpu-node-1 fails for now (the handler retries, then gives up).
    const removeFault = h.sim.injectFault({
      method: 'PATCH',
      path: '/api/v1/nodes/gpu-node-1',
      status: 500,
      times: 1000,
    });
    const [failing, later] = await h.insert(fatalGpuEvent('gpu-node-1'), fatalGpuEvent('gpu-node-2'));
    await h.waitForStatus(later!, QuarantineStatus.Quarantined);
    await waitFor('the failed event to be given up', () => h!.fq!.consumer!.stats().blockingCheckpoint === 1);
    expect((await h.record(failing!)).healthEventStatus.nodeQuarantined).toBe('');
    await h.stopService();

    removeFault();
    await h.startService();
    expect(await h.waitForStatus(failing!)).toBe(QuarantineStatus.Quarantined);
    expect((await h.node('gpu-node-1')).spec?.unschedulable).toBe(true);
    // The later event was redelivered too (at-least-once) and left unchanged.
    await h.settle();
    expect((await h.record(later!)).healthEventStatus.nodeQuarantined).toBe(QuarantineStatus.Quarantined);
    expect(
      parseTrackedFaults((await h.node('gpu-node-2')).metadata?.annotations?.[Annotations.healthEvents]),
    ).toHaveLength(1);
  });

  it('records a recovery before releasing the node, so a crash in between cannot lose the UnQuarantined status', async () => {
    database = await createTestDatabase('fq_recovery_order', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 2 },
      options: { circuitBreakerEnabled: false },
    });
    const [fault] = await h.insert(fatalGpuEvent('gpu-node-1'));
    await h.waitForStatus(fault!, QuarantineStatus.Quarantined);
    // The release fails (as if FQ died before it reached the API server) …
    const removeFault = h.sim.injectFault({
      method: 'PATCH',
      path: '/api/v1/nodes/gpu-node-1',
      status: 500,
      times: 1000,
    });
    const [recovery] = await h.insert(healthyEventFor(fatalGpuEvent('gpu-node-1')));
    // … yet the recovery is already recorded, and the node is still quarantined.
    expect(await h.waitForStatus(recovery!, QuarantineStatus.UnQuarantined)).toBe(QuarantineStatus.UnQuarantined);
    expect((await h.node('gpu-node-1')).spec?.unschedulable).toBe(true);
    await h.stopService();

    removeFault();
    await h.startService();
    // The redelivered recovery releases the node.
    await h.waitForNode('gpu-node-1', 'uncordoned', (node) => !node.spec?.unschedulable);
    expect((await h.record(recovery!)).healthEventStatus.nodeQuarantined).toBe(QuarantineStatus.UnQuarantined);
  });

  it('trips the breaker at the threshold, blocks new quarantines, still releases recovered nodes, and holds the blocked events until reset', async () => {
    database = await createTestDatabase('fq_breaker', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 10 },
      options: { workers: 4 },
      config: { ...loadConfigFile(DEFAULT_CONFIG_PATH), circuitBreaker: { percentage: 30, durationMs: 600_000 } },
    });
    const faults = nodeNames(5).map((n) => fatalGpuEvent(n));
    const ids = await h.insert(...faults);
    // ceil(10 × 30%) = 3 nodes are quarantined, then the breaker trips and blocks the rest.
    await waitFor('the breaker to trip', () => h!.fq!.breaker?.status === 'TRIPPED');
    await waitFor('blocked events to be given up', () => h!.fq!.consumer!.stats().blockingCheckpoint === 2);
    const statuses = await Promise.all(ids.map(async (id) => (await h!.record(id)).healthEventStatus.nodeQuarantined));
    expect(statuses.filter((s) => s === QuarantineStatus.Quarantined)).toHaveLength(3);
    expect(statuses.filter((s) => s === '')).toHaveLength(2);
    const configMaps = new ConfigMapOps(h.kube);
    await waitFor(
      'TRIPPED to be persisted',
      async () => (await configMaps.get(NAMESPACE, 'circuit-breaker'))?.data?.['status'] === 'TRIPPED',
    );

    // Better than upstream: recovered nodes are released while the breaker is tripped.
    const quarantined = faults.filter((_, i) => statuses[i] === QuarantineStatus.Quarantined);
    const healthyIds = await h.insert(...quarantined.slice(0, 2).map((fault) => healthyEventFor(fault)));
    for (const id of healthyIds) expect(await h.waitForStatus(id)).toBe(QuarantineStatus.UnQuarantined);
    expect((await h.node(quarantined[0]!.nodeName)).spec?.unschedulable).toBe(false);

    // A restart keeps the breaker tripped: the blocked events stay blocked.
    await h.stopService();
    await h.startService();
    expect(h.fq!.breaker?.status).toBe('TRIPPED');
    await waitFor('blocked events to be given up again', () => h!.fq!.consumer!.stats().blockingCheckpoint === 2);

    // The operator resets the breaker (delete the ConfigMap, restart): the held events apply.
    // One node is still quarantined and counts, so the second held event reaches the threshold
    // of 3 again and trips the fresh breaker — after being admitted.
    await h.stopService();
    await configMaps.delete(NAMESPACE, 'circuit-breaker');
    await h.startService();
    for (const id of ids) expect(await h.waitForStatus(id)).toBe(QuarantineStatus.Quarantined);
    await waitFor(
      'the re-trip to be persisted',
      async () => (await configMaps.get(NAMESPACE, 'circuit-breaker'))?.data?.['status'] === 'TRIPPED',
    );
  });

  it('skips the backlog when an operator asks for a fresh start (resume-control or breaker cursor CREATE)', async () => {
    database = await createTestDatabase('fq_cursor', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 4 },
      options: { circuitBreakerEnabled: true },
    });
    const configMaps = new ConfigMapOps(h.kube);
    for (const [configMap, key, node] of [
      ['resume-control', 'fault-quarantine', 'gpu-node-1'],
      ['circuit-breaker', 'cursor', 'gpu-node-2'],
    ] as const) {
      await h.stopService();
      const [backlog] = await h.insert(fatalGpuEvent(node));
      await configMaps.createOrUpdate(NAMESPACE, configMap, { [key]: 'CREATE' });
      await h.startService();
      await h.primeStream();
      const [fresh] = await h.insert(fatalGpuEvent('gpu-node-3', { checkName: `After-${configMap}` }));
      await h.waitForStatus(fresh!);
      expect((await h.record(backlog!)).healthEventStatus.nodeQuarantined).toBe('');
      expect((await h.node(node)).spec?.unschedulable).not.toBe(true);
      expect((await configMaps.get(NAMESPACE, configMap))?.data?.[key]).toBe('RESUME');
    }
  });

  it('dry-run: writes decisions back but changes nothing in the cluster', async () => {
    database = await createTestDatabase('fq_dryrun', { changeStreamPollIntervalMs: 200 });
    h = await Harness.start({ datastore: database.config, sim: { nodes: 2 }, options: { dryRun: true } });
    const [id] = await h.insert(fatalGpuEvent('gpu-node-0'));
    expect(await h.waitForStatus(id!)).toBe(QuarantineStatus.Quarantined);
    const node = await h.node('gpu-node-0');
    expect(node.spec?.unschedulable).not.toBe(true);
    expect(node.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
    expect(await new ConfigMapOps(h.kube).get(NAMESPACE, 'circuit-breaker')).toBeUndefined();
  });
});
