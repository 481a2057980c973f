/**
 * `nvsentinel maintenance`: durations, scheduling into the sim CSP's ConfigMap on the cluster
 * simulator, and the listing through platform-connectors' inspection endpoint with the real
 * csp-health-monitor having stored one of two windows (embedded datastore, as `npm start`).
 */
import {
  readSimWindows,
  createCspHealthMonitor,
  parseCspConfig,
  type CspHealthMonitor,
} from '@nvsentinel/csp-health-monitor';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createPlatformConnectors, type PlatformConnectors } from '@nvsentinel/platform-connectors';
import { createLogger } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore } from '@nvsentinel/store-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatMaintenanceList,
  formatScheduleResult,
  maintenanceList,
  maintenanceSchedule,
  parseDurationSeconds,
} from './maintenance-command.js';

const NAMESPACE = 'nvsentinel';

describe('nvsentinel maintenance durations', () => {
  it('reads 90s, 2m and 1h', () => {
    expect(parseDurationSeconds('90s', '--in')).toBe(90);
    expect(parseDurationSeconds('2m', '--in')).toBe(120);
    expect(parseDurationSeconds('1h', '--duration')).toBe(3600);
    expect(parseDurationSeconds('0s', '--in')).toBe(0);
  });

  it.each(['2', '5d', '1.5m', '', 'm', '-1m', '2 m x'])(
    'refuses "%s" naming the flag and the accepted form',
    (text) => {
      expect(() => parseDurationSeconds(text, '--duration')).toThrow(/--duration must be .* \(e\.g\. 90s, 2m, 1h\)/);
    },
  );
});

describe('nvsentinel maintenance schedule and list', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let datastore: DataStore;
  let connectors: PlatformConnectors;
  let monitor: CspHealthMonitor;
  let ingestUrl: string;
  const logger = createLogger({ name: 'maintenance-cli-test', level: 'fatal' });

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: 3,
      podsPerNode: 0,
      daemonSets: false,
      disruptionBudgets: false,
      namespaces: [NAMESPACE],
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, userAgent: 'maintenance-cli-test' });
    datastore = await createDataStore({
      provider: 'embedded',
      connection: { host: '', port: 0, database: 'nvsentinel' },
      options: {},
    });
    connectors = createPlatformConnectors({
      datastore,
      logger,
      config: { socket: null, httpPort: 0, httpHost: '127.0.0.1' },
    });
    ingestUrl = (await connectors.start()).httpUrl!;
    monitor = createCspHealthMonitor({
      datastore,
      kube,
      logger,
      namespace: NAMESPACE,
      config: parseCspConfig('clusterName = "local"\n[sim]\nenabled = true\n'),
      options: { pollIntervalMs: 3_600_000 }, // the test polls by hand
    });
    await monitor.start();
  });
  afterAll(async () => {
    await monitor?.stop();
    await connectors?.stop();
    await datastore?.close();
    kube?.close();
    await sim?.close();
  });

  it('schedule writes a window for the node; an unknown node is refused naming the fix', async () => {
    const now = new Date('2026-12-02T10:00:00Z');
    const result = await maintenanceSchedule(kube, NAMESPACE, {
      node: 'gpu-node-2',
      inSeconds: 120,
      durationSeconds: 300,
      now,
    });
    expect(result.kind).toBe('scheduled');
    if (result.kind !== 'scheduled') return;
    expect(result.window).toMatchObject({
      node: 'gpu-node-2',
      start: new Date('2026-12-02T10:02:00Z'),
      end: new Date('2026-12-02T10:07:00Z'),
    });
    const { windows } = await readSimWindows(kube, NAMESPACE);
    expect(windows.map((w) => w.id)).toContain(result.window.id);
    expect(formatScheduleResult(result)).toContain(
      `gpu-node-2: 2026-12-02T10:02:00.000Z → 2026-12-02T10:07:00.000Z (window ${result.window.id})`,
    );

    await expect(
      maintenanceSchedule(kube, NAMESPACE, { node: 'gpu-node-99', inSeconds: 0, durationSeconds: 60 }),
    ).rejects.toThrow(/node gpu-node-99 is not in the cluster; see the node names with `nvsentinel nodes`/);
    await expect(
      maintenanceSchedule(kube, NAMESPACE, { node: 'gpu-node-1', inSeconds: 0, durationSeconds: 0 }),
    ).rejects.toThrow(/duration must be > 0/);
  });

  it('list shows the events the monitor stored and the windows it has not polled yet; cancel marks a window', async () => {
    const stored = await maintenanceSchedule(kube, NAMESPACE, {
      node: 'gpu-node-0',
      inSeconds: 600,
      durationSeconds: 300,
    });
    await monitor.pollOnce();
    const pending = await maintenanceSchedule(kube, NAMESPACE, {
      node: 'gpu-node-1',
      inSeconds: 600,
      durationSeconds: 300,
    });
    if (stored.kind !== 'scheduled' || pending.kind !== 'scheduled') throw new Error('expected two scheduled windows');

    const listing = await maintenanceList({ ingestUrl, kube, namespace: NAMESPACE, node: 'gpu-node-0' });
    expect(listing.stored.map((e) => [e.eventId, e.nodeName, e.status])).toEqual([
      [stored.window.id, 'gpu-node-0', 'DETECTED'],
    ]);
    expect(listing.pending).toEqual([]);
    const all = await maintenanceList({ ingestUrl, kube, namespace: NAMESPACE });
    expect(all.pending.map((w) => w.id)).toContain(pending.window.id);
    expect(all.stored.map((e) => e.eventId)).not.toContain(pending.window.id);

    const text = formatMaintenanceList(all, new Date(stored.window.start.getTime() - 90_000));
    const line = (id: string) => text.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(text.split('\n')[0]).toMatch(/^ID\s+NODE\s+STATUS\s+CSP STATUS\s+WINDOW\s+ACTION\s+UPDATED$/);
    expect(line(stored.window.id)).toMatch(/gpu-node-0\s+DETECTED\s+\S+\s+\S+ \(in 1m30s\)/);
    expect(line(pending.window.id)).toContain('scheduled (not stored yet)');

    const cancelled = await maintenanceSchedule(kube, NAMESPACE, {
      node: '',
      inSeconds: 0,
      durationSeconds: 0,
      cancel: pending.window.id,
    });
    expect(formatScheduleResult(cancelled)).toContain(`cancelled maintenance window ${pending.window.id}`);
    const after = await maintenanceList({ ingestUrl, kube, namespace: NAMESPACE, node: 'gpu-node-1' });
    expect(after.pending.map((w) => Boolean(w.cancelledAt))).toEqual([true]);
    await expect(
      maintenanceSchedule(kube, NAMESPACE, { node: '', inSeconds: 0, durationSeconds: 0, cancel: 'sim-nope' }),
    ).rejects.toThrow(/no window sim-nope; list them with `nvsentinel maintenance list`/);
  });

  it('an empty listing says how to schedule one; an unreachable stack says how to start it', async () => {
    expect(formatMaintenanceList({ stored: [], pending: [] })).toContain(
      'nvsentinel maintenance schedule --node NAME --in 2m --duration 5m',
    );
    await expect(maintenanceList({ ingestUrl: 'http://127.0.0.1:9', kube, namespace: NAMESPACE })).rejects.toThrow(
      /is the stack running\?/,
    );
  });
});
