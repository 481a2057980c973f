import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimClient, startSimClient } from '../testing/sim.js';
import { EventRecorder } from './event-recorder.js';

describe('EventRecorder against the simulator', () => {
  let env: SimClient;
  let now = new Date('2026-11-21T10:00:00Z');
  const recorder = () =>
    new EventRecorder(env.client, {
      component: 'nvsentinel-node-drainer',
      host: 'gpu-node-0',
      windowMs: 60_000,
      now: () => now,
    });
  const node = (name: string) => ({ kind: 'Node', name, uid: name, apiVersion: 'v1' });
  const events = async (reason: string) =>
    (await env.other.core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.reason === reason);

  beforeAll(async () => {
    env = await startSimClient({ nodes: 1, podsPerNode: 0, daemonSets: false });
  });
  afterAll(() => env.sim.close());

  it('creates one Event and counts repeats on it instead of creating more', async () => {
    const rec = recorder();
    const input = {
      involvedObject: node('gpu-node-0'),
      reason: 'AwaitingPodCompletion',
      message: 'Waiting for following pods to finish: [ml/a]',
      type: 'NodeDraining',
    };
    const first = await rec.record(input);
    now = new Date('2026-11-21T10:00:20Z');
    const second = await rec.record(input);
    now = new Date('2026-11-21T10:00:40Z');
    const third = await rec.record(input);
    expect(first).toMatchObject({ created: true, count: 1, namespace: 'default' });
    expect(second).toMatchObject({ created: false, count: 2, name: first.name });
    expect(third.count).toBe(3);
    const stored = await events('AwaitingPodCompletion');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      count: 3,
      type: 'NodeDraining',
      source: { component: 'nvsentinel-node-drainer', host: 'gpu-node-0' },
      involvedObject: { kind: 'Node', name: 'gpu-node-0' },
    });
    expect(stored[0].firstTimestamp).toEqual(new Date('2026-11-21T10:00:00Z'));
    expect(stored[0].lastTimestamp).toEqual(new Date('2026-11-21T10:00:40Z'));
    expect(env.requests.count('create', 'events')).toBe(1);
    expect(env.requests.count('patch', 'events')).toBe(2);
  });

  it('a different message, or a repeat after the window, makes a new Event', async () => {
    const rec = recorder();
    const base = { involvedObject: node('gpu-node-0'), reason: 'WaitingBeforeForceDelete', type: 'NodeDraining' };
    await rec.record({ ...base, message: 'pods [a]' });
    await rec.record({ ...base, message: 'pods [b]' });
    now = new Date(now.getTime() + 61_000);
    await rec.record({ ...base, message: 'pods [a]' });
    const stored = await events('WaitingBeforeForceDelete');
    expect(stored.map((e) => `${e.message}:${e.count}`).sort()).toEqual(['pods [a]:1', 'pods [a]:1', 'pods [b]:1']);
  });

  it('serialises concurrent identical events into one object', async () => {
    const rec = recorder();
    const input = {
      involvedObject: node('gpu-node-0'),
      reason: 'GpuXidIsNotHealthy',
      message: 'ErrorCode:79',
      type: 'GpuXid',
    };
    const results = await Promise.all(Array.from({ length: 5 }, () => rec.record(input)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await events('GpuXidIsNotHealthy'))[0].count).toBe(5);
  });

  it('re-creates the Event when the remembered one was deleted (TTL) meanwhile', async () => {
    const rec = recorder();
    const input = { involvedObject: node('gpu-node-0'), reason: 'Expiring', message: 'm', type: 'Warning' };
    const first = await rec.record(input);
    await env.other.core.deleteNamespacedEvent({ name: first.name, namespace: 'default' });
    const second = await rec.record(input);
    expect(second).toMatchObject({ created: true, count: 1 });
    expect(second.name).not.toBe(first.name);
    expect(await events('Expiring')).toHaveLength(1);
  });
});
