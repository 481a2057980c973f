import { Agent } from 'node:https';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { eventually } from '@nvsentinel/service-kit/testing';
import type { V1Node } from '@kubernetes/client-node';
import type { TokenCredential } from '@azure/core-auth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCert, type TestCert } from '../../csp-server/testing/certs.js';
import { CspAuthError, CspThrottledError, InstanceNotFoundError, ProviderIdInvalidError } from '../errors.js';
import { AzureProvider } from './azure-provider.js';
import { FakeArm } from './testing/fake-arm.js';

const SUB = '00000000-1111-2222-3333-444444444444';
const RG = `/subscriptions/${SUB}/resourceGroups/gpu-rg/providers/Microsoft.Compute`;
const VM_ID = `${RG}/virtualMachines/gpu-vm-1`;
const VMSS_ID = `${RG}/virtualMachineScaleSets/gpu-pool/virtualMachines/3`;
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.fake.token';
const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

/** A fixed token: no IMDS, no Entra ID round trip, nothing leaves 127.0.0.1. */
const staticCredential = (token: string): TokenCredential => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
});

describe('azure provider against a local ARM fake (HTTPS, long-running operations)', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let arm: FakeArm;
  let cert: TestCert;
  let agent: Agent;
  let provider: AzureProvider;

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: [
        { name: 'aks-vm', providerID: `azure://${VM_ID}` },
        { name: 'aks-vmss-3', providerID: `azure://${VMSS_ID}` },
        { name: 'aks-gone', providerID: `azure://${RG}/virtualMachines/gone` },
        {
          name: 'odd',
          providerID: `azure:///subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/thing/x`,
        },
      ],
      podsPerNode: 0,
      disruptionBudgets: false,
      timeScale: 20,
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    cert = makeSelfSignedCert('localhost');
    agent = new Agent({ ca: cert.cert });
    const nodeOf = (id: string) => (id === VM_ID.toLowerCase() ? 'aks-vm' : 'aks-vmss-3');
    arm = await new FakeArm({
      token: TOKEN,
      tls: cert,
      pollsUntilDone: 1,
      onRestart: (id) => void sim.rebootNode(nodeOf(id), { downSeconds: 4 }),
    }).start();
    arm.addMachine(VM_ID);
    arm.addMachine(VMSS_ID);
    provider = new AzureProvider({ credential: staticCredential(TOKEN), endpoint: arm.url, agent, retry: FAST_RETRY });
  });
  afterEach(() => arm.failures.clear());
  afterAll(async () => {
    agent?.destroy();
    kube?.close();
    await arm?.close();
    await sim?.close();
  });

  const readNode = (name: string): Promise<V1Node> => kube.core.readNode({ name });

  it.each([
    ['a VM', 'aks-vm'],
    ['a VMSS VM', 'aks-vmss-3'],
  ])(
    'restarts %s and is ready once the operation succeeded, the VM runs and the node has a new bootID',
    async (_what, name) => {
      const before = await readNode(name);
      const { requestRef } = await provider.sendRebootSignal(before);
      expect(requestRef).toMatch(/^csp=azure&bootID=.+&lro=/);
      expect(await provider.isNodeReady(before, requestRef)).toBe(false);
      await eventually(
        async () => provider.isNodeReady(await readNode(name), requestRef),
        'restart finished and node rebooted',
      );
      expect(arm.calls).toEqual(expect.arrayContaining(['restart', 'operation', 'instanceView']));
      expect(arm.apiVersions.every((version) => /^\d{4}-\d{2}-\d{2}/.test(version))).toBe(true);
    },
  );

  it('retries 429 TooManyRequests with backoff, then succeeds; persistent throttling is retryable', async () => {
    const restarts = () => arm.calls.filter((call) => call === 'restart').length;
    const before = restarts();
    arm.fail('restart', 429, 'TooManyRequests', 2);
    const { requestRef } = await provider.sendRebootSignal(await readNode('aks-vm'));
    expect(restarts() - before).toBe(3);

    arm.fail('operation', 429, 'TooManyRequests', 10);
    await expect(provider.isNodeReady(await readNode('aks-vm'), requestRef)).rejects.toThrow(CspThrottledError);
  });

  it('reports a refused token (401) and a missing role (403 AuthorizationFailed) as terminal auth errors', async () => {
    const wrong = new AzureProvider({
      credential: staticCredential('other'),
      endpoint: arm.url,
      agent,
      retry: FAST_RETRY,
    });
    const denied = await wrong.sendRebootSignal(await readNode('aks-vm')).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CspAuthError);
    expect((denied as Error).message).toMatch(
      /Azure Resource Manager refused janitor-provider \(InvalidAuthenticationToken\)/,
    );

    arm.fail('delete', 403, 'AuthorizationFailed');
    await expect(provider.sendTerminateSignal(await readNode('aks-vm'))).rejects.toMatchObject({
      code: 'NVS_ERR_JANITOR_CSP_AUTH',
      retryable: false,
    });
    expect(arm.machines.has(VM_ID.toLowerCase())).toBe(true);
  });

  it('reports a VM ARM does not know as not found', async () => {
    const error = await provider.sendRebootSignal(await readNode('aks-gone')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotFoundError);
    expect((error as Error).message).toMatch(/has no instance gpu-rg\/gone for node aks-gone/);
  });

  it('refuses a providerID that names no VM before calling ARM', async () => {
    const calls = arm.calls.length;
    const error = await provider.sendRebootSignal(await readNode('odd')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderIdInvalidError);
    expect((error as Error).message).toMatch(/expected azure:\/\/\/subscriptions\/<sub>\/resourceGroups\/<rg>/);
    expect(arm.calls.length).toBe(calls);
  });

  it('deletes a VMSS VM through an accepted long-running operation', async () => {
    const { requestRef } = await provider.sendTerminateSignal(await readNode('aks-vmss-3'));
    expect(requestRef).toMatch(/^csp=azure&machine=gpu-rg%2Fgpu-pool%2F3&lro=/);
    expect(arm.calls).toContain('delete');
  });
});
