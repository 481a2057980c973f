/**
 * --dry-run against the simulator, the insert failsafe of the subscription, and the same drain
 * on the embedded (PGlite) provider.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './testing/harness.js';
import { workloadPod } from './testing/pods.js';
import { gpuFatalEvent } from './testing/health-events.js';

const TOML =
  'systemNamespaces = "^(kube-system|gpu-operator)$"\ndeleteAfterTimeoutMinutes = 0\n[[userNamespaces]]\nname = "web"\nmode = "Immediate"\n[[userNamespaces]]\nname = "svc-*"\nmode = "DeleteAfterTimeout"\n';

describe('node-drainer dry run, start-up paths and the embedded provider', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('--dry-run sends evictions and deletes with dryRun=All: pods stay, statuses and labels are written', async () => {
    h = await Harness.start({ scenario: { nodes: 1, namespaces: ['web', 'svc-a'] } });
    const node = 'gpu-node-0';
    h.sim.state.create(workloadPod({ name: 'web-0', namespace: 'web', node }));
    h.sim.state.create(workloadPod({ name: 'svc-0', namespace: 'svc-a', node }));
    await h.startDrainer({ toml: TOML, options: { dryRun: true } });

    const id = await h.quarantine(node);
    const done = await h.waitForStatus(id, 'Succeeded');
    expect(done.healthEventStatus.userPodsEvictionStatus.message).toContain('dry run');
    expect(h.podNames(node)).toEqual(expect.arrayContaining(['web/web-0', 'svc-a/svc-0']));
    const writes = h.requests.records.filter(
      (r) => r.resource === 'pods/eviction' || (r.resource === 'pods' && r.verb === 'delete'),
    );
    expect(writes.map((r) => `${r.verb} ${r.resource} ${r.statusCode}`).sort()).toEqual([
      'create pods/eviction 201',
      'delete pods 200',
    ]);
    expect(h.stateLabel(node)).toBe('drain-succeeded');
  });

  it('an event inserted already quarantined (the failsafe branch of the subscription) is drained', async () => {
    h = await Harness.start({ scenario: { nodes: 1, namespaces: ['web'] } });
    const node = 'gpu-node-0';
    h.sim.state.create(workloadPod({ name: 'web-0', namespace: 'web', node }));
    await h.startDrainer({ toml: TOML, options: { resyncIntervalMs: 0 } });
    // A first drain proves the stream is positioned, so only the stream can deliver what follows.
    await h.waitForStatus(await h.quarantine(node), 'Succeeded');
    h.sim.state.create(workloadPod({ name: 'web-0', namespace: 'web', node }));
    const [id] = await h.store.insertHealthEvents({
      healthEvent: gpuFatalEvent(node),
      healthEventStatus: { nodeQuarantined: 'Quarantined' },
    });
    await h.waitForStatus(id!, 'Succeeded');
    expect(h.podNames(node)).not.toContain('web/web-0');
  });

  it('the periodic resync finds a quarantine the change stream never delivered', async () => {
    h = await Harness.start({ scenario: { nodes: 1, namespaces: ['web'] } });
    const node = 'gpu-node-0';
    h.sim.state.create(workloadPod({ name: 'web-0', namespace: 'web', node }));
    const id = await h.quarantine(node); // before any drainer exists
    // startAt 'now' skips the stored position and the cold start: only the resync can find it.
    const drainer = await h.startDrainer({ toml: TOML, options: { startAt: 'now', resyncIntervalMs: 50 } });
    await h.waitForStatus(id, 'Succeeded');
    expect(await drainer.registry.getSingleMetricAsString('node_drainer_events_replayed_total')).toMatch(
      /node_drainer_events_replayed_total 0/,
    );
  });

  it('cold start resumes only events created after the resume-control cut-off', async () => {
    h = await Harness.start({ scenario: { nodes: 2, namespaces: ['web'] } });
    h.sim.state.create(workloadPod({ name: 'web-old', namespace: 'web', node: 'gpu-node-0' }));
    h.sim.state.create(workloadPod({ name: 'web-new', namespace: 'web', node: 'gpu-node-1' }));
    const cutoff = new Date(Date.now() - 60 * 60_000);
    const inFlight = { nodeQuarantined: 'Quarantined', userPodsEvictionStatus: { status: 'InProgress', message: '' } };
    const [old] = await h.store.insertHealthEvents({
      healthEvent: gpuFatalEvent('gpu-node-0'),
      healthEventStatus: inFlight,
      createdAt: new Date(cutoff.getTime() - 60_000),
    });
    const [recent] = await h.store.insertHealthEvents({
      healthEvent: gpuFatalEvent('gpu-node-1'),
      healthEventStatus: inFlight,
    });

    const drainer = await h.startDrainer({
      toml: TOML,
      options: { coldStartCreatedAfter: cutoff, resyncIntervalMs: 0 },
    });
    await h.waitForStatus(recent!, 'Succeeded');
    expect(await drainer.registry.getSingleMetricAsString('node_drainer_events_replayed_total')).toMatch(
      /node_drainer_events_replayed_total 1/,
    );
    expect((await h.event(old!)).healthEventStatus.userPodsEvictionStatus.status).toBe('InProgress');
    expect(h.podNames('gpu-node-0')).toContain('web/web-old');
  });

  it('drains the same way on the embedded provider', async () => {
    h = await Harness.start({ provider: 'embedded', scenario: { nodes: 1, namespaces: ['web'] } });
    const node = 'gpu-node-0';
    h.sim.state.create(workloadPod({ name: 'web-0', namespace: 'web', node }));
    await h.startDrainer({ toml: TOML });
    const id = await h.quarantine(node);
    await h.waitForStatus(id, 'Succeeded');
    expect(h.podNames(node)).not.toContain('web/web-0');
  });
});
