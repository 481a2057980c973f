import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { eventually } from '@nvsentinel/service-kit/testing';
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CspAuthError,
  CspThrottledError,
  InstanceNotFoundError,
  ProviderIdInvalidError,
  RebootFailedError,
} from '../errors.js';
import { AwsProvider } from './aws-provider.js';
import { FakeEc2 } from './testing/fake-ec2.js';

const CREDENTIALS = { accessKeyId: 'AKIDTESTFAKE0001', secretAccessKey: 'fake-secret' };
const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };
const INSTANCE = 'i-0123456789abcdef0';

describe('aws provider against a local EC2 Query API fake', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let ec2: FakeEc2;
  let provider: AwsProvider;

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: [
        { name: 'ip-10-0-0-1', providerID: `aws:///us-east-1a/${INSTANCE}` },
        { name: 'ip-10-0-0-2', providerID: 'aws:///us-east-1b/i-0fedcba9876543210' },
        { name: 'ip-10-0-0-3', providerID: 'aws:///us-east-1a/i-00000000000000bad' },
        { name: 'odd', providerID: 'gce://project/zone/instance' },
      ],
      podsPerNode: 0,
      disruptionBudgets: false,
      timeScale: 20,
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    ec2 = await new FakeEc2({
      accessKeyId: CREDENTIALS.accessKeyId,
      onReboot: (id) => void sim.rebootNode(id === INSTANCE ? 'ip-10-0-0-1' : 'ip-10-0-0-2', { downSeconds: 4 }),
    }).start();
    ec2.addInstance(INSTANCE, 'us-east-1a');
    ec2.addInstance('i-0fedcba9876543210', 'us-east-1b');
    provider = new AwsProvider({ endpoint: ec2.url, credentials: CREDENTIALS, retry: FAST_RETRY });
  });
  afterEach(() => ec2.failures.clear());
  afterAll(async () => {
    kube?.close();
    await ec2?.close();
    await sim?.close();
  });

  const readNode = (name: string): Promise<V1Node> => kube.core.readNode({ name });

  it('reboots with RebootInstances; ready once status checks pass and the bootID changed', async () => {
    const before = await readNode('ip-10-0-0-1');
    const { requestRef } = await provider.sendRebootSignal(before);
    expect(requestRef).toMatch(/^csp=aws&instance=i-0123456789abcdef0&bootID=/);
    // The real SDK wire format reached the fake: form-encoded, versioned, for the node's instance.
    expect(Object.fromEntries(ec2.lastParams('RebootInstances')!)).toEqual({
      Action: 'RebootInstances',
      Version: '2016-11-15',
      'InstanceId.1': INSTANCE,
    });
    expect(await provider.isNodeReady(before, requestRef)).toBe(false);
    await eventually(
      async () => provider.isNodeReady(await readNode('ip-10-0-0-1'), requestRef),
      'instance back and node rebooted',
    );
    expect(ec2.actions.filter((action) => action === 'DescribeInstanceStatus').length).toBeGreaterThanOrEqual(2);
  });

  it('retries throttling (RequestLimitExceeded) with backoff, then succeeds', async () => {
    const count = () => ec2.actions.filter((action) => action === 'RebootInstances').length;
    const before = count();
    ec2.fail('RebootInstances', 'RequestLimitExceeded', 503, 2);
    await provider.sendRebootSignal(await readNode('ip-10-0-0-2'));
    expect(count() - before).toBe(3);
  });

  it('gives up on persistent throttling with a retryable error', async () => {
    ec2.fail('DescribeInstanceStatus', 'RequestLimitExceeded', 503, 10);
    const error = await provider
      .isNodeReady(await readNode('ip-10-0-0-1'), 'csp=aws&instance=x&bootID=y')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CspThrottledError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/after 4 attempts/);
  });

  it('reports refused credentials (401 AuthFailure, 403 UnauthorizedOperation) as terminal auth errors', async () => {
    const wrongKey = new AwsProvider({
      endpoint: ec2.url,
      credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' },
      retry: FAST_RETRY,
    });
    const denied = await wrongKey.sendRebootSignal(await readNode('ip-10-0-0-1')).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CspAuthError);
    expect(denied).toMatchObject({ retryable: false });
    expect((denied as Error).message).toMatch(
      /EC2 refused janitor-provider \(AuthFailure\) while trying to reboot node ip-10-0-0-1/,
    );

    ec2.fail('TerminateInstances', 'UnauthorizedOperation', 403);
    await expect(provider.sendTerminateSignal(await readNode('ip-10-0-0-1'))).rejects.toThrow(/UnauthorizedOperation/);
    expect(ec2.instances.get(INSTANCE)?.state).toBe('running');
  });

  it('reports an instance EC2 does not know as not found', async () => {
    const error = await provider.sendRebootSignal(await readNode('ip-10-0-0-3')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotFoundError);
    expect((error as Error).message).toMatch(/EC2 has no instance i-00000000000000bad for node ip-10-0-0-3/);
  });

  it('refuses a providerID that is not an AWS one before calling EC2, naming the expected format', async () => {
    const calls = ec2.actions.length;
    const error = await provider.sendRebootSignal(await readNode('odd')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderIdInvalidError);
    expect((error as Error).message).toMatch(/expected aws:\/\/\/<availability-zone>\/<instance-id>/);
    expect(ec2.actions.length).toBe(calls);
  });

  it('terminates with TerminateInstances; a repeat is harmless; it never becomes ready', async () => {
    const node = await readNode('ip-10-0-0-2');
    const { requestRef } = await provider.sendTerminateSignal(node);
    expect(requestRef).toContain('state=shutting-down');
    expect(ec2.instances.get('i-0fedcba9876543210')?.state).toBe('shutting-down');
    await expect(provider.sendTerminateSignal(node)).resolves.toHaveProperty('requestRef');
    await expect(provider.isNodeReady(node, 'csp=aws&instance=i-0fedcba9876543210&bootID=old')).rejects.toThrow(
      RebootFailedError,
    );
  });
});
