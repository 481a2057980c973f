/**
 * janitor and janitor-provider through their service definitions, started the way the local stack
 * and `main.js` start them (`launchService` with argv): bad settings are ConfigErrors naming the
 * fix, and a RebootNode CR goes end to end — controllers → gRPC over a Unix socket → sim provider →
 * node NotReady → Ready with a new bootID → NodeReady=True — with upstream's controller timing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, launchService, type LaunchedService } from '@nvsentinel/service-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConditionType, REBOOT_NODES, Reason, type RebootNode, findCondition } from './controllers/api.js';
import { janitorProviderService } from './csp-server/definition.js';
import { janitorService } from './definition.js';
import { Harness, NAMESPACE, eventually } from './testing/harness.js';

describe('janitor and janitor-provider service definitions', () => {
  let h: Harness;
  let dir: string;
  let kubeconfig: string;
  const launched: LaunchedService[] = [];
  const launch = <T extends LaunchedService>(service: T): T => {
    launched.push(service);
    return service;
  };
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const configError = async (service: LaunchedService): Promise<ConfigError> => {
    const err = await service.started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigError.is(err), String(err)).toBe(true);
    return err as ConfigError;
  };

  beforeAll(async () => {
    h = await Harness.start({ scenario: { nodes: 3 } });
    dir = mkdtempSync(join(tmpdir(), 'janitor-lifecycle-'));
    kubeconfig = file('kubeconfig', h.sim.kubeconfig);
  });
  afterEach(async () => {
    for (const service of launched.splice(0)) await service.stop();
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('janitor: a bad flag, an unreadable or invalid config.yaml and a missing provider address are ConfigErrors naming the fix', async () => {
    const flag = await configError(
      launch(
        launchService(janitorService, {
          logger: h.logger,
          argv: ['--webhook-port=https', `--kubeconfig=${kubeconfig}`],
        }),
      ),
    );
    expect(flag.message).toContain('--webhook-port');

    const missing = await configError(
      launch(
        launchService(janitorService, {
          logger: h.logger,
          argv: [`--config=${join(dir, 'nope.yaml')}`, `--kubeconfig=${kubeconfig}`],
        }),
      ),
    );
    expect(missing.message).toContain('pass --config');

    const invalid = file('invalid.yaml', 'rebootNodeController:\n  enabeld: true\n');
    expect(
      (
        await configError(
          launch(
            launchService(janitorService, {
              logger: h.logger,
              argv: [`--config=${invalid}`, `--kubeconfig=${kubeconfig}`],
            }),
          ),
        )
      ).message,
    ).toContain('enabeld');

    const noHost = file('no-host.yaml', 'global:\n  timeout: 10m\n');
    const err = await configError(
      launch(
        launchService(janitorService, {
          logger: h.logger,
          argv: [`--config=${noHost}`, `--kubeconfig=${kubeconfig}`, '--enable-webhook=false'],
        }),
      ),
    );
    expect(err.message).toContain('--csp-provider-host');
  });

  it('janitor-provider: an unknown CSP and a certificate without its key are ConfigErrors', async () => {
    const csp = await configError(
      launch(
        launchService(janitorProviderService, { logger: h.logger, argv: ['--csp=ibm', `--kubeconfig=${kubeconfig}`] }),
      ),
    );
    expect(csp.message).toContain('sim');
    const tls = await configError(
      launch(
        launchService(janitorProviderService, {
          logger: h.logger,
          argv: ['--csp=sim', `--tls-cert-path=${join(dir, 'tls.crt')}`, `--kubeconfig=${kubeconfig}`],
        }),
      ),
    );
    expect(tls.message).toContain('TLS_KEY_PATH');
  });

  it('a RebootNode CR goes controllers → gRPC (Unix socket) → sim provider → NotReady → Ready → NodeReady=True; both stop cleanly', async () => {
    const socket = join(dir, 'janitor-provider.sock');
    const provider = launch(
      launchService(janitorProviderService, {
        logger: h.logger,
        argv: [
          '--csp=sim',
          `--socket=${socket}`,
          '--sim-reboot-down-seconds=1',
          `--kubeconfig=${kubeconfig}`,
          `--namespace=${NAMESPACE}`,
        ],
      }),
    );
    await provider.started;
    const config = file('config.yaml', `global:\n  cspProviderHost: unix://${socket}\n  cspProviderInsecure: true\n`);
    const janitor = launch(
      launchService(janitorService, {
        logger: h.logger,
        argv: [
          `--config=${config}`,
          '--enable-webhook=false',
          '--enable-ttl=false',
          `--kubeconfig=${kubeconfig}`,
          `--namespace=${NAMESPACE}`,
        ],
      }),
    );
    await janitor.started;
    expect(await janitor.instance!.readinessChecks!()['janitor-caches']!()).toEqual({ ok: true });
    expect(await provider.instance!.readinessChecks!()['grpc-server']!()).toMatchObject({ ok: true });

    const node = 'gpu-node-1';
    const bootBefore = h.bootId(node);
    await h.createCr<RebootNode>(REBOOT_NODES, 'RebootNode', 'lifecycle-reboot', { nodeName: node, force: false });
    const signalled = await h.waitForCondition<RebootNode>(
      REBOOT_NODES,
      'lifecycle-reboot',
      ConditionType.SignalSent,
      'True',
    );
    expect(signalled.status?.signalBootID).toBe(bootBefore);
    // The sim provider takes the node down for the simulated downtime, then brings it back with a new bootID.
    await eventually(
      () =>
        (h.node(node).status as { conditions?: Array<{ type: string; status: string }> }).conditions?.some(
          (c) => c.type === 'Ready' && c.status !== 'True',
        ),
      'node NotReady',
    );
    const done = await h.waitForCondition<RebootNode>(
      REBOOT_NODES,
      'lifecycle-reboot',
      ConditionType.NodeReady,
      'True',
    );
    expect(findCondition(done.status?.conditions, ConditionType.NodeReady)?.reason).toBe(Reason.Succeeded);
    expect(h.bootId(node)).not.toBe(bootBefore);

    await janitor.stop();
    await provider.stop();
    await expect(janitor.done).resolves.toBeUndefined();
    await expect(provider.done).resolves.toBeUndefined();
  });
});
