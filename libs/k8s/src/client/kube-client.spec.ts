import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { K8sErrorCode } from '../errors.js';
import { NodeCache } from '../nodes/node-cache.js';
import { ManualClock, settle } from '../testing/manual-clock.js';
import { type SimClient, clientFor, eventually, startSimClient } from '../testing/sim.js';
import { createKubeClient } from './kube-client.js';

describe('createKubeClient against the simulator', () => {
  let env: SimClient;
  beforeAll(async () => {
    env = await startSimClient({ nodes: 2 });
  });
  afterAll(() => env.sim.close());

  it('talks to the cluster and reports every request to the metrics hook', async () => {
    const nodes = await env.client.core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['gpu-node-0', 'gpu-node-1']);
    await env.client.core.readNode({ name: 'gpu-node-0' });
    await expect(env.client.core.readNode({ name: 'missing' })).rejects.toThrow();
    expect(env.requests.count('list', 'nodes', 200)).toBe(1);
    expect(env.requests.count('get', 'nodes', 200)).toBe(1);
    expect(env.requests.count('get', 'nodes', 404)).toBe(1);
  });

  it('limits requests to burst, then qps per second (manual clock, counted at the server side of the hook)', async () => {
    const clock = new ManualClock();
    const { client, requests } = clientFor(env.sim, { qps: 5, burst: 10, clock });
    const calls = Array.from({ length: 30 }, () => client.core.readNode({ name: 'gpu-node-1' }));
    const sent = (n: number) => eventually(() => (requests.total >= n ? true : undefined), `${n} requests`);
    await sent(10);
    await settle(20);
    expect(requests.total).toBe(10);
    expect(client.limiter.waiting).toBe(20);
    await clock.advance(1_000);
    await sent(15);
    await settle(20);
    expect(requests.total).toBe(15);
    await clock.advance(3_000);
    await Promise.all(calls);
    expect(requests.total).toBe(30);
    expect(requests.records.filter((r) => r.throttledMs > 0)).toHaveLength(20);
  });

  it('counts watch streams against the same budget', async () => {
    const clock = new ManualClock();
    const { client, requests } = clientFor(env.sim, { qps: 1, burst: 1, clock });
    const cache = new NodeCache(client).start();
    await cache.waitForSync();
    await settle(20);
    expect(requests.count('list', 'nodes')).toBe(1);
    expect(requests.count('watch', 'nodes')).toBe(0); // waiting for a token
    await clock.advance(1_000);
    await eventually(() => (requests.count('watch', 'nodes') === 1 ? true : undefined), 'watch opened');
    await cache.stop();
  });

  it('a stopped informer never opens the watch it was waiting a token for', async () => {
    const clock = new ManualClock();
    const { client, requests } = clientFor(env.sim, { qps: 1, burst: 1, clock });
    const cache = new NodeCache(client).start();
    await cache.waitForSync();
    await cache.stop();
    await clock.advance(10_000);
    await settle(20);
    expect(requests.count('watch', 'nodes')).toBe(0);
  });

  it('reuses one keep-alive connection across requests and watches, and sends the User-Agent', async () => {
    // A bare HTTP server, so the test can count TCP connections and read headers.
    const userAgents = new Set<string | undefined>();
    let connections = 0;
    const server = createServer((req, res) => {
      userAgents.add(req.headers['user-agent']);
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('watch=true')) res.end('');
      else res.end('{"kind":"NodeList","apiVersion":"v1","items":[],"metadata":{"resourceVersion":"1"}}');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void server.close());
    const { port } = server.address() as AddressInfo;
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n');
    const client = createKubeClient({ kubeconfig, userAgent: 'nvsentinel-fault-quarantine/1.0' });
    onTestFinished(() => client.close());
    for (let i = 0; i < 10; i++) await client.core.listNode();
    const done = new Promise((resolve) => void client.newWatch().watch('/api/v1/nodes', {}, () => undefined, resolve));
    await done;
    expect(connections).toBe(1);
    expect([...userAgents]).toEqual(['nvsentinel-fault-quarantine/1.0']);
  });

  it('rejects conflicting or broken configuration with NVS_ERR_K8S_CONFIG', () => {
    expect(() => createKubeClient({ kubeconfig: env.sim.kubeconfig, kubeconfigPath: '/x' })).toThrow(
      K8sErrorCode.CONFIG,
    );
    expect(() => createKubeClient({ kubeconfigPath: '/nonexistent/kubeconfig' })).toThrow(
      /NVS_ERR_K8S_CONFIG: cannot load kubeconfig/,
    );
    expect(() => createKubeClient({ kubeconfig: env.sim.kubeconfig, qps: -1 })).toThrow(/qps must be/);
  });
});
