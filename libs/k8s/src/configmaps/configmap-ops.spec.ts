import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimClient, clientFor, startSimClient } from '../testing/sim.js';
import { ConfigMapOps } from './configmap-ops.js';

describe('ConfigMapOps against the simulator', () => {
  let env: SimClient;
  let ops: ConfigMapOps;
  beforeAll(async () => {
    env = await startSimClient({ nodes: 0, namespaces: ['nvsentinel'] });
    ops = new ConfigMapOps(env.client);
  });
  afterAll(() => env.sim.close());

  it('creates, merges keys, and skips writes that change nothing', async () => {
    expect(await ops.get('nvsentinel', 'circuit-breaker')).toBeUndefined();
    const created = await ops.createOrUpdate('nvsentinel', 'circuit-breaker', { status: 'CLOSED', cursor: 'RESUME' });
    expect(created).toMatchObject({ created: true, changed: true });
    const tripped = await ops.createOrUpdate('nvsentinel', 'circuit-breaker', { status: 'TRIPPED' });
    expect(tripped.configMap.data).toEqual({ status: 'TRIPPED', cursor: 'RESUME' });
    const writes = env.requests.count('update', 'configmaps');
    expect((await ops.createOrUpdate('nvsentinel', 'circuit-breaker', { status: 'TRIPPED' })).changed).toBe(false);
    expect(env.requests.count('update', 'configmaps')).toBe(writes);
    expect(await ops.delete('nvsentinel', 'circuit-breaker')).toBe(true);
    expect(await ops.delete('nvsentinel', 'circuit-breaker')).toBe(false);
  });

  it('concurrent writers of different keys all land (create race and update conflicts are retried)', async () => {
    const writers = Array.from({ length: 6 }, () => new ConfigMapOps(clientFor(env.sim).client));
    const results = await Promise.all(
      writers.map((w, i) =>
        w.update('nvsentinel', 'resume-control', (data) => ({ ...data, [`consumer-${i}`]: `token-${i}` })),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const final = await ops.get('nvsentinel', 'resume-control');
    expect(Object.keys(final?.data ?? {}).sort()).toEqual([
      'consumer-0',
      'consumer-1',
      'consumer-2',
      'consumer-3',
      'consumer-4',
      'consumer-5',
    ]);
  });
});
