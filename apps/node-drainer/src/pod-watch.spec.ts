/**
 * Waiting drains are woken by a watch on their node's pods instead of waiting for the next poll.
 * Real PostgreSQL change stream and the cluster simulator over HTTP, as in the other drainer specs.
 *
 * The polls here are set to 10 minutes (`NEVER`): a drain that finishes within the test timeout
 * can only have been finished by a wake-up, so the tests assert that order of events, not timings.
 */
import { createLogger } from '@nvsentinel/service-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeDrainer } from './service.js';
import { Harness, eventually, metricValue } from './testing/harness.js';
import { workloadPod } from './testing/pods.js';

const SYSTEM = 'systemNamespaces = "^(kube-system|gpu-operator)$"';
const IMMEDIATE = `${SYSTEM}\nevictionTimeoutInSeconds = "30"\n[[userNamespaces]]\nname = "*"\nmode = "Immediate"\n`;
const ALLOW_COMPLETION = `${SYSTEM}\n[[userNamespaces]]\nname = "*"\nmode = "AllowCompletion"\n`;
const DELETE_AFTER_TIMEOUT = `${SYSTEM}\ndeleteAfterTimeoutMinutes = 60\n[[userNamespaces]]\nname = "*"\nmode = "DeleteAfterTimeout"\n`;
/** No poll, verify or backoff fires within a test: only a wake-up can move a waiting drain on. */
const NEVER = {
  verifyIntervalMs: 600_000,
  pollIntervalMs: 600_000,
  blockedBackoffBaseMs: 600_000,
  blockedBackoffMaxMs: 600_000,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('node-drainer pod watch wake-ups', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ scenario: { nodes: 10, namespaces: ['jobs', 'web', 'serve'] } });
  });
  afterEach(async () => h.stopDrainers());
  afterAll(async () => h?.close());

  const podLists = () => h.requests.count('list', 'pods');
  const podWatchRequests = () => h.requests.count('watch', 'pods');

  /** No pod watch of this drainer is left open: one that were would re-watch after the server drops it. */
  async function expectNoPodWatchLeft(): Promise<void> {
    const watchesBefore = podWatchRequests();
    const listsBefore = podLists();
    h.sim.disconnectWatches();
    await sleep(500); // an informer re-watches at once (and re-lists within 200 ms after an error)
    expect(podWatchRequests()).toBe(watchesBefore);
    expect(podLists()).toBe(listsBefore);
  }

  it('AllowCompletion with a 10-minute poll finishes as soon as the last awaited pod is Succeeded; other pod changes wake nothing', async () => {
    const node = 'gpu-node-0';
    h.sim.state.create(workloadPod({ name: 'job-a', namespace: 'jobs', node, ownerKind: 'Job' }));
    h.sim.state.create(workloadPod({ name: 'job-b', namespace: 'jobs', node, ownerKind: 'Job' }));
    const drainer = await h.startDrainer({ toml: ALLOW_COMPLETION, options: { timing: NEVER } });
    const id = await h.quarantine(node);
    await eventually(
      () => (h.nodeEvents(node, 'AwaitingPodCompletion').length > 0 ? true : undefined),
      'drain waiting',
    );
    await eventually(
      () => (drainer.stats().podWatches === 1 && podWatchRequests() === 1 ? true : undefined),
      'the node pod watch open',
    );
    const listsWhileWaiting = podLists();

    // Changes that cannot end the wait: readiness flaps, and one of the two awaited pods goes away.
    h.sim.state.updateStatus('v1', 'Pod', 'job-a', 'jobs', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    h.sim.state.updateStatus('v1', 'Pod', 'job-b', 'jobs', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    h.sim.state.updateStatus('v1', 'Pod', 'job-b', 'jobs', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
    });
    await h.admin.core.deleteNamespacedPod({ name: 'job-a', namespace: 'jobs', gracePeriodSeconds: 0 });
    await eventually(() => (h.podNames(node).includes('jobs/job-a') ? undefined : true), 'job-a gone');
    await sleep(300);
    expect(podLists()).toBe(listsWhileWaiting);
    expect(await metricValue(drainer, 'node_drainer_pod_watch_wakeups_total')).toBe(0);
    expect((await h.event(id)).healthEventStatus.userPodsEvictionStatus.status).toBe('InProgress');

    // The last awaited pod finishes: one wake-up, one attempt, done — 10 minutes before any poll.
    // That attempt decides from the watch's cache: it needs no LIST of its own.
    h.sim.state.updateStatus('v1', 'Pod', 'job-b', 'jobs', {
      phase: 'Succeeded',
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    await h.waitForStatus(id, 'Succeeded');
    expect(h.stateLabel(node)).toBe('drain-succeeded');
    expect(podLists()).toBe(listsWhileWaiting);
    expect(await metricValue(drainer, 'node_drainer_pod_watch_wakeups_total')).toBe(1);

    // The drain is over, so the node's watch is gone while the drainer keeps running.
    await eventually(() => (drainer.stats().podWatches === 0 ? true : undefined), 'pod watch stopped');
    expect(await metricValue(drainer, 'node_drainer_pod_watches')).toBe(0);
    expect(podWatchRequests()).toBe(1);
    await expectNoPodWatchLeft();
  });

  it('Immediate: 15 evicted pods ending in a burst cost one wake-up — one pod LIST and one WATCH for the whole drain', async () => {
    const node = 'gpu-node-1';
    for (let i = 0; i < 15; i++) h.sim.state.create(workloadPod({ name: `web-${i}`, namespace: 'web', node }));
    const drainer = await h.startDrainer({ toml: IMMEDIATE, options: { timing: NEVER } });
    h.requests.reset();

    const id = await h.quarantine(node);
    await h.waitForStatus(id, 'Succeeded');
    expect(h.podNames(node).filter((p) => p.startsWith('web/'))).toEqual([]);
    expect(h.requests.count('create', 'pods/eviction')).toBe(15);
    if ((await metricValue(drainer, 'node_drainer_events_received_total')) === 1) {
      // The attempt that evicted listed; the watch started from that list and the woken attempt read its cache.
      expect(podLists()).toBe(1);
      expect(podWatchRequests()).toBe(1);
      expect(await metricValue(drainer, 'node_drainer_pod_watch_wakeups_total')).toBe(1);
    } else {
      // The change stream delivered the quarantine twice (at-least-once): one more attempt at most.
      expect(podLists()).toBeLessThanOrEqual(2);
    }
    await eventually(() => (drainer.stats().podWatches === 0 ? true : undefined), 'pod watch stopped');
  });

  it('DeleteAfterTimeout: pods their owner removes before the deadline end the wait at once', async () => {
    const node = 'gpu-node-2';
    h.sim.state.create(workloadPod({ name: 'serve-a', namespace: 'serve', node }));
    h.sim.state.create(workloadPod({ name: 'serve-b', namespace: 'serve', node }));
    const drainer = await h.startDrainer({ toml: DELETE_AFTER_TIMEOUT, options: { timing: NEVER } });
    const id = await h.quarantine(node);
    await eventually(() => h.nodeEvents(node, 'WaitingBeforeForceDelete')[0], 'WaitingBeforeForceDelete event');
    await eventually(() => (drainer.stats().podWatches === 1 ? true : undefined), 'the node pod watch open');

    await h.admin.core.deleteNamespacedPod({ name: 'serve-a', namespace: 'serve' });
    await h.admin.core.deleteNamespacedPod({ name: 'serve-b', namespace: 'serve' });
    await h.waitForStatus(id, 'Succeeded');
    expect(h.requests.count('delete', 'pods')).toBe(0); // the owner deleted them; the drainer force-deleted nothing
    expect(await metricValue(drainer, 'node_drainer_pod_watch_wakeups_total')).toBe(1);
    await eventually(() => (drainer.stats().podWatches === 0 ? true : undefined), 'pod watch stopped');
  });

  it('podWatch: false opens no watch and the poll still completes the drain', async () => {
    const node = 'gpu-node-3';
    h.sim.state.create(workloadPod({ name: 'job-c', namespace: 'jobs', node, ownerKind: 'Job' }));
    const drainer = await h.startDrainer({ toml: ALLOW_COMPLETION, options: { podWatch: false } }); // the harness's 50 ms poll
    h.requests.reset();
    const id = await h.quarantine(node);
    await eventually(
      () => (h.nodeEvents(node, 'AwaitingPodCompletion').length > 0 ? true : undefined),
      'drain waiting',
    );
    const listsWhileWaiting = podLists();
    await eventually(() => (podLists() > listsWhileWaiting ? true : undefined), 'a poll'); // it is polling

    h.sim.state.updateStatus('v1', 'Pod', 'job-c', 'jobs', { phase: 'Succeeded' });
    await h.waitForStatus(id, 'Succeeded');
    expect(podWatchRequests()).toBe(0);
    expect(drainer.stats().podWatches).toBe(0);
    expect(await metricValue(drainer, 'node_drainer_pod_watch_wakeups_total')).toBe(0);
  });

  it('restart mid-drain: the stopped drainer leaves no watch, the restarted one watches again and finishes the drain exactly once', async () => {
    const node = 'gpu-node-4';
    h.sim.state.create(workloadPod({ name: 'job-d', namespace: 'jobs', node, ownerKind: 'Job' }));
    const first = await h.startDrainer({ toml: ALLOW_COMPLETION, options: { timing: NEVER } });
    h.requests.reset();
    const id = await h.quarantine(node);
    await eventually(
      () => (podWatchRequests() === 1 && h.nodeEvents(node, 'AwaitingPodCompletion').length > 0 ? true : undefined),
      'drain waiting, pod watch open',
    );
    expect(first.stats().podWatches).toBe(1);
    await first.stop();
    expect(first.stats().podWatches).toBe(0);
    await expectNoPodWatchLeft();

    const second = await h.startDrainer({ toml: ALLOW_COMPLETION, options: { timing: NEVER } });
    await eventually(
      () => (second.stats().podWatches === 1 ? true : undefined),
      'the resumed drain waiting, pod watch open',
    );
    h.sim.state.updateStatus('v1', 'Pod', 'job-d', 'jobs', { phase: 'Failed' });
    await h.waitForStatus(id, 'Succeeded');

    await sleep(300); // any duplicate attempt would have run by now
    const finished = async (d: NodeDrainer) => metricValue(d, 'node_drainer_events_processed_total', `node="${node}"`);
    expect((await finished(first)) + (await finished(second))).toBe(1);
    expect(await metricValue(second, 'node_drainer_pod_watch_wakeups_total')).toBe(1);
    await eventually(() => (second.stats().podWatches === 0 ? true : undefined), 'pod watch stopped');
  });

  it('a pod watch that keeps failing is reported with the fix, and the poll still finishes the drain', async () => {
    const node = 'gpu-node-5';
    h.sim.state.create(workloadPod({ name: 'job-e', namespace: 'jobs', node, ownerKind: 'Job' }));
    const lines: Array<{ level: string; msg: string; node?: string }> = [];
    const logger = createLogger({
      name: 'node-drainer-test',
      level: 'debug',
      pretty: false,
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    // Every watch on pods is refused, as without RBAC for it.
    const removeFault = h.sim.injectFault({
      method: 'GET',
      path: /^\/api\/v1\/pods\?.*watch=true/,
      status: 403,
      times: 1_000_000,
    });
    try {
      const drainer = await h.startDrainer({ toml: ALLOW_COMPLETION, logger }); // the harness's 50 ms poll
      const id = await h.quarantine(node);
      const warning = await eventually(() => lines.find((l) => l.level === 'warn' && l.node === node), 'the warning');
      expect(warning.msg).toContain('--pod-watch=false');
      expect(warning.msg).toContain('watch');

      h.sim.state.updateStatus('v1', 'Pod', 'job-e', 'jobs', { phase: 'Succeeded' });
      await h.waitForStatus(id, 'Succeeded');
      expect(await metricValue(drainer, 'node_drainer_pod_watch_wakeups_total')).toBe(0);
      await eventually(() => (drainer.stats().podWatches === 0 ? true : undefined), 'pod watch stopped');
    } finally {
      removeFault();
    }
  });
});
