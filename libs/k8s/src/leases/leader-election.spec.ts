import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimClient, startSimClient } from '../testing/sim.js';
import { LeaderElection } from './leader-election.js';

const timing = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 50 };

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('LeaderElection (coordination.k8s.io Lease) against the simulator', () => {
  let env: SimClient;
  beforeAll(async () => {
    env = await startSimClient({ nodes: 0, namespaces: ['nvsentinel'] });
  });
  afterAll(() => env.sim.close());

  it('one leader at a time; stop() hands over at once; the successor counts a transition', async () => {
    const a = new LeaderElection(env.client, { name: 'janitor-1', namespace: 'nvsentinel', identity: 'a', ...timing });
    const b = new LeaderElection(env.other, { name: 'janitor-1', namespace: 'nvsentinel', identity: 'b', ...timing });
    await a.acquire();
    const bLeads = b.acquire();
    // b keeps trying while a renews: well past the lease duration, b must still not lead.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    await a.stop();
    await a.lost;
    await bLeads;
    expect(b.isLeader).toBe(true);
    const lease = await env.client.coordination.readNamespacedLease({ name: 'janitor-1', namespace: 'nvsentinel' });
    expect(lease.spec?.holderIdentity).toBe('b');
    expect(lease.spec?.leaseTransitions).toBe(1);
    await b.stop();
  });

  it('a leader that cannot renew gives up; another takes over after the lease expires', async () => {
    const a = new LeaderElection(env.client, { name: 'janitor-2', namespace: 'nvsentinel', identity: 'a', ...timing });
    const b = new LeaderElection(env.other, { name: 'janitor-2', namespace: 'nvsentinel', identity: 'b', ...timing });
    await a.acquire();
    const bLeads = b.acquire();
    // Every lease write of a fails from now on (b's writes go through: it uses another client, but
    // the fault rule matches by path, so give b the Lease only after a has given up).
    const heal = env.sim.injectFault({
      method: 'PUT',
      path: '/apis/coordination.k8s.io/v1/namespaces/nvsentinel/leases/janitor-2',
      status: 500,
      times: 1000,
    });
    await a.lost;
    expect(a.isLeader).toBe(false);
    heal();
    await bLeads;
    expect(b.isLeader).toBe(true);
    await until(() => b.isLeader, 'b leads');
    await b.stop();
    await a.stop();
  });
});
