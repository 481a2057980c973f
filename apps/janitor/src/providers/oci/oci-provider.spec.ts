import { createHash, generateKeyPairSync } from 'node:crypto';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { eventually } from '@nvsentinel/service-kit/testing';
import type { V1Node } from '@kubernetes/client-node';
import * as common from 'oci-common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CspAuthError,
  CspThrottledError,
  InstanceNotFoundError,
  ProviderIdInvalidError,
  RebootFailedError,
} from '../errors.js';
import { OciProvider } from './oci-provider.js';
import { FakeOciCompute } from './testing/fake-oci-compute.js';

const INSTANCE = 'ocid1.instance.oc1.phx.anyhqljtexampleaaaa1';
const OTHER = 'ocid1.instance.oc1.phx.anyhqljtexampleaaaa2';
const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };
const TENANCY = 'ocid1.tenancy.oc1..aaaatest';
const USER = 'ocid1.user.oc1..aaaatest';

/** An API-signing key made for the test: the SDK signs with it, the fake verifies with its public half. */
function apiKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const fingerprint = createHash('md5').update(der).digest('hex').match(/../g)!.join(':');
  const auth = new common.SimpleAuthenticationDetailsProvider(
    TENANCY,
    USER,
    fingerprint,
    pem,
    null,
    common.Region.US_PHOENIX_1,
  );
  return { auth, publicKey, keyId: `${TENANCY}/${USER}/${fingerprint}` };
}

describe('oci provider against a local OCI Compute fake (signed requests)', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let oci: FakeOciCompute;
  let provider: OciProvider;
  let key: ReturnType<typeof apiKey>;
  const others: OciProvider[] = [];

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: [
        { name: 'oke-1', providerID: INSTANCE },
        { name: 'oke-2', providerID: `oci://${OTHER}` },
        { name: 'oke-gone', providerID: 'ocid1.instance.oc1.phx.anyhqljtgone' },
        { name: 'odd', providerID: 'ocid1.volume.oc1.phx.abc' },
      ],
      podsPerNode: 0,
      disruptionBudgets: false,
      timeScale: 20,
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    key = apiKey();
    oci = await new FakeOciCompute({
      keyId: key.keyId,
      publicKey: key.publicKey,
      onReset: (id) => void sim.rebootNode(id === INSTANCE ? 'oke-1' : 'oke-2', { downSeconds: 4 }),
    }).start();
    oci.addInstance(INSTANCE);
    oci.addInstance(OTHER);
    provider = new OciProvider({ auth: key.auth, endpoint: oci.url, retry: FAST_RETRY });
  });
  afterEach(() => oci.failures.clear());
  afterAll(async () => {
    provider?.close();
    for (const other of others) other.close();
    kube?.close();
    await oci?.close();
    await sim?.close();
  });

  const readNode = (name: string): Promise<V1Node> => kube.core.readNode({ name });

  it('hard-resets the instance (RESET) and is ready once it is RUNNING and the node has a new bootID', async () => {
    const before = await readNode('oke-1');
    const { requestRef } = await provider.sendRebootSignal(before);
    expect(requestRef).toMatch(/^csp=oci&action=RESET&bootID=/);
    expect(oci.calls).toContainEqual({ call: 'InstanceAction', action: 'RESET' });
    expect(await provider.isNodeReady(before, requestRef)).toBe(false);
    await eventually(
      async () => provider.isNodeReady(await readNode('oke-1'), requestRef),
      'instance running and node rebooted',
    );
  });

  it('soft-resets when hard reset is off', async () => {
    const soft = new OciProvider({ auth: key.auth, endpoint: oci.url, hardReset: false });
    others.push(soft);
    const { requestRef } = await soft.sendRebootSignal(await readNode('oke-2'));
    expect(requestRef).toMatch(/^csp=oci&action=SOFTRESET&/);
    expect(oci.calls.at(-1)).toEqual({ call: 'InstanceAction', action: 'SOFTRESET' });
  });

  it('is refused when the request is signed with a key OCI does not know', async () => {
    const stranger = new OciProvider({ auth: apiKey().auth, endpoint: oci.url });
    others.push(stranger);
    const error = await stranger.sendRebootSignal(await readNode('oke-2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CspAuthError);
    expect(error).toMatchObject({ retryable: false });
  });

  it('retries 429 TooManyRequests with backoff, then succeeds; persistent throttling is retryable', async () => {
    const actions = () => oci.calls.filter((c) => c.call === 'InstanceAction').length;
    const before = actions();
    oci.fail('InstanceAction', 429, 'TooManyRequests', 2);
    await provider.sendRebootSignal(await readNode('oke-2'));
    expect(actions() - before).toBe(3);

    oci.fail('GetInstance', 429, 'TooManyRequests', 10);
    await expect(provider.isNodeReady(await readNode('oke-2'), 'csp=oci&action=RESET&bootID=x')).rejects.toThrow(
      CspThrottledError,
    );
  });

  it('reports 401 NotAuthenticated as a terminal auth error naming the service code', async () => {
    oci.fail('TerminateInstance', 401, 'NotAuthenticated');
    const error = await provider.sendTerminateSignal(await readNode('oke-2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CspAuthError);
    expect((error as Error).message).toMatch(
      /OCI Compute refused janitor-provider \(NotAuthenticated\) while trying to terminate node oke-2/,
    );
    expect(oci.instances.get(OTHER)?.lifecycleState).not.toBe('TERMINATING');
  });

  it('reports an instance OCI does not know as not found', async () => {
    const error = await provider.sendRebootSignal(await readNode('oke-gone')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotFoundError);
  });

  it('refuses a providerID that is not an instance OCID before calling OCI', async () => {
    const calls = oci.calls.length;
    const error = await provider.sendRebootSignal(await readNode('odd')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderIdInvalidError);
    expect((error as Error).message).toMatch(/expected an instance OCID/);
    expect(oci.calls.length).toBe(calls);
  });

  it('terminates; the instance then never becomes ready', async () => {
    const node = await readNode('oke-2');
    await provider.sendTerminateSignal(node);
    expect(oci.instances.get(OTHER)?.lifecycleState).toBe('TERMINATING');
    await expect(provider.isNodeReady(node, 'csp=oci&action=RESET&bootID=old')).rejects.toThrow(RebootFailedError);
  });
});
