import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimClient, startSimClient } from '../testing/sim.js';
import { NodeLocks, leaseExpiry } from './node-locks.js';

describe('NodeLocks (coordination.k8s.io Leases) against the simulator', () => {
  let env: SimClient;
  let now = new Date('2026-11-21T10:00:00Z');
  const locks = (holder: string) =>
    new NodeLocks(env.client, {
      namespace: 'nvsentinel',
      holderIdentity: holder,
      leaseDurationSeconds: 60,
      now: () => now,
    });

  beforeAll(async () => {
    env = await startSimClient({ nodes: 1, namespaces: ['nvsentinel'] });
  });
  afterAll(() => env.sim.close());

  it('one holder at a time; renew extends; an expired lock can be taken over', async () => {
    const a = locks('janitor-a');
    const b = locks('janitor-b');
    const first = await a.acquire('gpu-node-0', {
      apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
      kind: 'RebootNode',
      name: 'r-1',
      uid: 'uid-r-1',
    });
    expect(first).toMatchObject({ acquired: true, tookOver: false });
    if (first.acquired) expect(first.lease.metadata?.ownerReferences?.[0]?.name).toBe('r-1');
    expect(await a.acquire('gpu-node-0')).toMatchObject({ acquired: true, tookOver: false }); // re-entrant

    const blocked = await b.acquire('gpu-node-0');
    expect(blocked).toEqual({ acquired: false, holder: 'janitor-a', expiresAt: new Date('2026-11-21T10:01:00Z') });

    now = new Date('2026-11-21T10:00:50Z');
    expect(await a.renew('gpu-node-0')).toBe(true);
    now = new Date('2026-11-21T10:01:30Z'); // past the first expiry, but renewed
    expect((await b.acquire('gpu-node-0')).acquired).toBe(false);

    now = new Date('2026-11-21T10:03:00Z'); // a stopped renewing
    const takeover = await b.acquire('gpu-node-0');
    expect(takeover).toMatchObject({ acquired: true, tookOver: true });
    if (takeover.acquired) {
      expect(takeover.lease.spec?.leaseTransitions).toBe(1);
      expect(leaseExpiry(takeover.lease)).toEqual(new Date('2026-11-21T10:04:00Z'));
    }
    expect(await a.renew('gpu-node-0')).toBe(false);
    expect(await a.release('gpu-node-0')).toBe(false);
    expect(await b.release('gpu-node-0')).toBe(true);
    expect(await b.release('gpu-node-0')).toBe(false);
  });

  it('of two simultaneous contenders exactly one wins', async () => {
    const results = await Promise.all([locks('x').acquire('gpu-node-race'), locks('y').acquire('gpu-node-race')]);
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    const loser = results.find((r) => !r.acquired);
    const winner = results.findIndex((r) => r.acquired) === 0 ? 'x' : 'y';
    expect(loser).toMatchObject({ acquired: false, holder: winner });
  });
});
