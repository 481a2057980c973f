import { generateKeyPairSync } from 'node:crypto';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, loadConfig } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import * as common from 'oci-common';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEc2 } from '../providers/aws/testing/fake-ec2.js';
import { CspProviderClient } from './client.js';
import { createProvider } from './provider-factory.js';
import { createCspProviderServer, type CspProviderServer } from './server.js';
import { CSP_NAMES, settingsSchema } from './settings.js';

const logger = createLogger({ name: 'factory-test', level: 'fatal' });

describe('provider factory and janitor-provider wiring', () => {
  let sim: ClusterSim;
  let kube: KubeClient;

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: [{ name: 'ip-10-0-0-9', providerID: 'aws:///us-west-2b/i-0aaaabbbbccccdddd' }],
      podsPerNode: 0,
      disruptionBudgets: false,
      timeScale: 20,
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
  });
  afterAll(async () => {
    kube?.close();
    await sim?.close();
  });

  it('builds every provider CSP can name', async () => {
    const settings = loadConfig(settingsSchema, { argv: [], env: {} });
    expect(settings.csp).toBe('kind'); // upstream: an empty CSP means kind
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ociAuth = new common.SimpleAuthenticationDetailsProvider(
      't',
      'u',
      'f',
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      null,
      common.Region.US_PHOENIX_1,
    );
    for (const csp of CSP_NAMES) {
      const provider = await createProvider(csp, settings, {
        kube,
        namespace: 'nvsentinel',
        logger,
        awsCredentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        gcpAuthClient: new OAuth2Client(),
        azureCredential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) },
        ociAuth,
      });
      expect(provider.name).toBe(csp);
    }
  });

  it('refuses CSP values it does not implement, listing the ones it does', () => {
    expect(() => loadConfig(settingsSchema, { argv: [], env: { CSP: 'nebius' } })).toThrow(
      /CSP='nebius': expected one of kind, generic, sim, aws, gcp, azure, oci/,
    );
  });

  describe('CSP=aws end to end: janitor → gRPC → janitor-provider → EC2 (fake)', () => {
    let ec2: FakeEc2;
    let server: CspProviderServer;
    let client: CspProviderClient;

    beforeAll(async () => {
      ec2 = await new FakeEc2({
        accessKeyId: 'AKIDWIRING',
        onReboot: () => void sim.rebootNode('ip-10-0-0-9', { downSeconds: 4 }),
      }).start();
      ec2.addInstance('i-0aaaabbbbccccdddd', 'us-west-2b');
      const config = loadConfig(settingsSchema, {
        argv: [],
        env: { CSP: 'aws', JANITOR_PROVIDER_PORT: '0', AWS_ENDPOINT_URL_EC2: ec2.url },
      });
      server = createCspProviderServer({
        kube,
        logger,
        namespace: 'nvsentinel',
        config,
        host: '127.0.0.1',
        providerOptions: { awsCredentials: { accessKeyId: 'AKIDWIRING', secretAccessKey: 'x' } },
      });
      await server.start();
      client = new CspProviderClient({ address: `127.0.0.1:${server.port}`, plaintext: true });
    });
    afterAll(async () => {
      client?.close();
      await server?.stop();
      await ec2?.close();
    });

    it('reboots the node through EC2 and reports it ready once it is back', async () => {
      expect(server.provider?.name).toBe('aws');
      expect(await server.readinessChecks()['grpc-server']!()).toMatchObject({ ok: true });
      const node = { metadata: { name: 'ip-10-0-0-9' } };
      const { requestRef } = await client.sendRebootSignal(node);
      expect(ec2.lastParams('RebootInstances')?.get('InstanceId.1')).toBe('i-0aaaabbbbccccdddd');
      await eventually(() => client.isNodeReady(node, requestRef), 'node back through EC2');
      await client.sendTerminateSignal(node);
      expect(ec2.instances.get('i-0aaaabbbbccccdddd')?.state).toBe('shutting-down');
    });

    it('stops idempotently and settles done', async () => {
      await server.stop();
      await server.stop();
      await expect(server.done).resolves.toBeUndefined();
      expect(await server.readinessChecks()['grpc-server']!()).toMatchObject({ ok: false });
    });
  });
});
