import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, createMetricsRegistry, loadConfig, type Registry } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CspProviderClient, type CspCallError, type CspProviderClientOptions } from './client.js';
import { createCspProviderServer, type CspProviderServer } from './server.js';
import { settingsSchema } from './settings.js';
import { makeSelfSignedCert, writeCert, type TestCert } from './testing/certs.js';

const AUDIENCE = 'nvsentinel-csp-provider';
const node = (name: string): V1Node => ({ metadata: { name } });
const failure = (promise: Promise<unknown>): Promise<CspCallError> =>
  promise.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error as CspCallError,
  );

describe('janitor-provider gRPC server and client (TLS, token auth, sim provider)', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let server: CspProviderServer;
  let registry: Registry;
  let dir: string;
  let firstCert: TestCert;
  let tokenPath: string;
  const clients: CspProviderClient[] = [];

  const client = (options: Partial<CspProviderClientOptions> = {}): CspProviderClient => {
    const made = new CspProviderClient({
      address: `127.0.0.1:${server.port}`,
      ca: firstCert.cert,
      tokenPath,
      serverNameOverride: 'janitor-provider',
      ...options,
    });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'janitor-provider-'));
    sim = await startClusterSim({ nodes: 3, podsPerNode: 0, disruptionBudgets: false, timeScale: 20 });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    firstCert = makeSelfSignedCert();
    const { certPath, keyPath } = writeCert(dir, firstCert);
    tokenPath = join(dir, 'token');
    writeFileSync(
      tokenPath,
      sim.issueToken({ username: 'system:serviceaccount:nvsentinel:janitor', audiences: [AUDIENCE] }),
    );
    const config = loadConfig(settingsSchema, {
      argv: [],
      env: {
        JANITOR_PROVIDER_PORT: '0',
        CSP: 'sim',
        TLS_CERT_PATH: certPath,
        TLS_KEY_PATH: keyPath,
        TLS_RELOAD_INTERVAL: '50ms',
        AUTH_AUDIENCES: AUDIENCE,
        SIM_REBOOT_DOWN_SECONDS: '4',
      },
    });
    registry = createMetricsRegistry({ defaultMetrics: false });
    server = createCspProviderServer({
      kube,
      logger: createLogger({ name: 'csp-test', level: process.env.LOG_LEVEL ?? 'fatal' }),
      registry,
      namespace: 'nvsentinel',
      config,
      host: '127.0.0.1',
    });
    await server.start();
  });

  afterAll(async () => {
    for (const made of clients) made.close();
    await server?.stop();
    kube?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reboots a node end to end: signal, not ready while down, ready with a new bootID', async () => {
    const janitor = client();
    const { requestRef } = await janitor.sendRebootSignal(node('gpu-node-0'));
    expect(requestRef).toMatch(/^csp=sim&bootID=/);
    expect(await janitor.isNodeReady(node('gpu-node-0'), requestRef)).toBe(false);
    await eventually(() => janitor.isNodeReady(node('gpu-node-0'), requestRef), 'node rebooted');
    const text = await registry.metrics();
    expect(text).toMatch(/janitor_provider_requests_total\{method="SendRebootSignal",code="OK",csp="sim"\} 1/);
  });

  it('terminates a node; the server then answers NOT_FOUND for it, naming the problem', async () => {
    const janitor = client();
    await janitor.sendTerminateSignal(node('gpu-node-2'));
    const error = await failure(janitor.sendRebootSignal(node('gpu-node-2')));
    expect(error).toMatchObject({ grpcCode: 5, remoteCode: 'NVS_ERR_JANITOR_CSP_NODE_NOT_FOUND', retryable: false });
    expect(error.message).toMatch(/node gpu-node-2 does not exist/);
  });

  it('refuses calls without a token, with a token for another audience, and with a revoked token', async () => {
    const anonymous = await failure(client({ tokenPath: undefined }).sendRebootSignal(node('gpu-node-1')));
    expect(anonymous).toMatchObject({ grpcCode: 16, retryable: false, remoteCode: 'NVS_ERR_JANITOR_CSP_CALL_DENIED' });
    expect(anonymous.message).toMatch(/no bearer token/);

    const otherPath = join(dir, 'other-token');
    writeFileSync(otherPath, sim.issueToken({ audiences: ['https://kubernetes.default.svc.cluster.local'] }));
    const wrongAudience = await failure(client({ tokenPath: otherPath }).sendRebootSignal(node('gpu-node-1')));
    expect(wrongAudience.grpcCode).toBe(16);
    expect(wrongAudience.message).toMatch(/invalid for the target audiences \[nvsentinel-csp-provider\]/);

    writeFileSync(otherPath, 'not-a-token');
    expect(
      (await failure(client({ tokenPath: otherPath }).isNodeReady(node('gpu-node-1'), 'csp=sim&bootID=x'))).grpcCode,
    ).toBe(16);
    // Nothing was rebooted by the refused calls.
    expect(
      sim.state.nodes().find((n) => n.metadata.name === 'gpu-node-1')?.metadata.annotations?.[
        'cluster-sim.nvsentinel.dgxc.nvidia.com/reboot'
      ],
    ).toBeUndefined();
  });

  it('answers INVALID_ARGUMENT for a reference another provider issued', async () => {
    const error = await failure(client().isNodeReady(node('gpu-node-1'), 'csp=aws&bootID=x&at=1'));
    expect(error).toMatchObject({
      grpcCode: 3,
      remoteCode: 'NVS_ERR_JANITOR_CSP_REQUEST_REF_INVALID',
      retryable: false,
    });
  });

  it('is TLS only: another CA or plaintext cannot call (retryable UNAVAILABLE)', async () => {
    const stranger = makeSelfSignedCert();
    expect(
      await failure(client({ ca: stranger.cert }).isNodeReady(node('gpu-node-1'), 'csp=sim&bootID=x')),
    ).toMatchObject({ grpcCode: 14, retryable: true });
    expect(
      (
        await failure(
          client({ ca: undefined, plaintext: true, deadlineMs: 2_000 }).isNodeReady(
            node('gpu-node-1'),
            'csp=sim&bootID=x',
          ),
        )
      ).retryable,
    ).toBe(true);
  });

  it('serves a renewed certificate without a restart', async () => {
    const renewed = makeSelfSignedCert();
    writeCert(dir, renewed);
    await eventually(async () => {
      const fresh = client({ ca: renewed.cert, deadlineMs: 2_000 });
      try {
        return (await fresh.isNodeReady(node('gpu-node-1'), 'csp=sim&bootID=other')) === true;
      } finally {
        fresh.close();
      }
    }, 'renewed certificate served');
    // A new connection that only trusts the old certificate is refused now.
    expect(
      (await failure(client({ ca: firstCert.cert }).isNodeReady(node('gpu-node-1'), 'csp=sim&bootID=x'))).grpcCode,
    ).toBe(14);
  });

  it('refuses half a TLS configuration at construction', () => {
    const config = loadConfig(settingsSchema, { argv: [], env: { CSP: 'sim', TLS_CERT_PATH: '/x/tls.crt' } });
    expect(() =>
      createCspProviderServer({ kube, logger: createLogger({ name: 'x', level: 'fatal' }), namespace: 'n', config }),
    ).toThrow(/both TLS_CERT_PATH and TLS_KEY_PATH/);
  });
});
