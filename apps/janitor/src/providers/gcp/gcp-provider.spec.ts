import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { eventually } from '@nvsentinel/service-kit/testing';
import type { V1Node } from '@kubernetes/client-node';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CspAuthError, CspThrottledError, InstanceNotFoundError, ProviderIdInvalidError } from '../errors.js';
import { GcpProvider } from './gcp-provider.js';
import { FakeCompute } from './testing/fake-compute.js';

const TOKEN = 'ya29.fake-test-token';
const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

/** A fixed access token: no metadata server, no token exchange, nothing leaves 127.0.0.1. */
function staticToken(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

describe('gcp provider against a local Compute Engine REST fake', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let compute: FakeCompute;
  let provider: GcpProvider;
  const others: GcpProvider[] = [];

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: [
        { name: 'gke-a', providerID: 'gce://proj-1/us-central1-a/gke-a' },
        { name: 'gke-b', providerID: 'gce://proj-1/us-central1-b/gke-b' },
        { name: 'gke-gone', providerID: 'gce://proj-1/us-central1-a/gke-gone' },
        { name: 'odd', providerID: 'aws:///us-east-1a/i-0123456789abcdef0' },
      ],
      podsPerNode: 0,
      disruptionBudgets: false,
      timeScale: 20,
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    compute = await new FakeCompute({
      token: TOKEN,
      pollsUntilDone: 1,
      onReset: (instance) => void sim.rebootNode(instance, { downSeconds: 4 }),
    }).start();
    compute.instances.add('proj-1/us-central1-a/gke-a');
    compute.instances.add('proj-1/us-central1-b/gke-b');
    provider = new GcpProvider({ endpoint: compute.url, authClient: staticToken(TOKEN), retry: FAST_RETRY });
  });
  afterEach(() => compute.failures.clear());
  afterAll(async () => {
    await provider?.close();
    for (const other of others) await other.close();
    kube?.close();
    await compute?.close();
    await sim?.close();
  });

  const readNode = (name: string): Promise<V1Node> => kube.core.readNode({ name });

  it('resets the instance and is ready once the zone operation is DONE and the node has a new bootID', async () => {
    const before = await readNode('gke-a');
    const { requestRef } = await provider.sendRebootSignal(before);
    expect(requestRef).toMatch(/^csp=gcp&operation=operation-\d+-[0-9a-f]+&bootID=/);
    expect(compute.calls).toContain('reset');
    expect(await provider.isNodeReady(before, requestRef)).toBe(false);
    await eventually(
      async () => provider.isNodeReady(await readNode('gke-a'), requestRef),
      'operation DONE and node rebooted',
    );
    expect(compute.calls.filter((call) => call === 'operations.get').length).toBeGreaterThanOrEqual(2);
  });

  it('retries 429 rateLimitExceeded with backoff, then succeeds; persistent throttling is retryable', async () => {
    const resets = () => compute.calls.filter((call) => call === 'reset').length;
    const before = resets();
    compute.fail('reset', 429, 2);
    await provider.sendRebootSignal(await readNode('gke-b'));
    expect(resets() - before).toBe(3);

    compute.fail('operations.get', 429, 10);
    await expect(
      provider.isNodeReady(await readNode('gke-b'), 'csp=gcp&operation=operation-1&bootID=x'),
    ).rejects.toThrow(CspThrottledError);
  });

  it('reports a refused token (401) and a missing permission (403) as terminal auth errors', async () => {
    const wrong = new GcpProvider({ endpoint: compute.url, authClient: staticToken('ya29.other'), retry: FAST_RETRY });
    others.push(wrong);
    const denied = await wrong.sendRebootSignal(await readNode('gke-a')).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CspAuthError);
    expect((denied as Error).message).toMatch(
      /Compute Engine refused janitor-provider \(UNAUTHENTICATED\) while trying to reset node gke-a/,
    );

    compute.fail('delete', 403);
    await expect(provider.sendTerminateSignal(await readNode('gke-a'))).rejects.toMatchObject({
      code: 'NVS_ERR_JANITOR_CSP_AUTH',
      retryable: false,
    });
    expect(compute.instances.has('proj-1/us-central1-a/gke-a')).toBe(true);
  });

  it('reports an instance Compute does not know as not found', async () => {
    const error = await provider.sendRebootSignal(await readNode('gke-gone')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotFoundError);
    expect((error as Error).message).toMatch(/has no instance proj-1\/us-central1-a\/gke-gone for node gke-gone/);
  });

  it('refuses a providerID that is not a GCE one before calling the API', async () => {
    const calls = compute.calls.length;
    const error = await provider.sendTerminateSignal(await readNode('odd')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderIdInvalidError);
    expect((error as Error).message).toMatch(/expected gce:\/\/<project>\/<zone>\/<instance>/);
    expect(compute.calls.length).toBe(calls);
  });

  it('terminates with instances.delete and hands back the operation', async () => {
    const { requestRef } = await provider.sendTerminateSignal(await readNode('gke-b'));
    expect(requestRef).toMatch(/^csp=gcp&operation=operation-/);
    expect(compute.instances.has('proj-1/us-central1-b/gke-b')).toBe(false);
  });
});
