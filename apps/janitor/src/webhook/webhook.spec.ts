import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { makeSelfSignedCert } from '../csp-server/testing/certs.js';
import { GPU_RESETS, REBOOT_NODES, TERMINATE_NODES, ConditionType } from '../controllers/api.js';
import { Harness } from '../testing/harness.js';
import { janitorWebhookConfiguration } from '../testing/webhook.js';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code: number; body: string };
    return { code: e.code, message: (JSON.parse(e.body) as { message: string }).message };
  }
  throw new Error('expected the API call to be refused');
}

const CONFIG = `
terminateNodeController:
  enabled: false
nodes:
  exclusions:
    - matchLabels: { nvsentinel.dgxc.nvidia.com/janitor: excluded }
gpuResetController:
  mock: true
rebootNodeController:
  manualMode: true
`;

describe('validating admission webhook (through the simulator’s admission step)', () => {
  let h: Harness;
  let custom: CustomObjectsApi;
  beforeEach(async () => {
    h = await Harness.start({
      scenario: {
        nodes: [
          { name: 'dgx-0' },
          { name: 'dgx-1' },
          { name: 'dgx-excluded', labels: { 'nvsentinel.dgxc.nvidia.com/janitor': 'excluded' } },
        ],
      },
    });
    const tls = makeSelfSignedCert('janitor-webhook');
    const janitor = await h.startJanitor({
      yaml: CONFIG,
      options: {
        webhook: { enabled: true, port: 0, host: '127.0.0.1', cert: tls.cert.toString(), key: tls.key.toString() },
      },
    });
    h.sim.state.create(janitorWebhookConfiguration(`https://127.0.0.1:${janitor.webhookPort}`, tls.cert));
    const kc = new KubeConfig();
    kc.loadFromString(h.sim.kubeconfig);
    custom = kc.makeApiClient(CustomObjectsApi);
  });
  afterEach(() => h.close());

  const body = (kind: string, group: string, name: string, spec: Record<string, unknown>) => ({
    apiVersion: `${group}/v1alpha1`,
    kind,
    metadata: { name },
    spec,
  });
  const createReboot = (name: string, nodeName: string) =>
    custom.createClusterCustomObject({
      ...REBOOT_NODES,
      body: body('RebootNode', REBOOT_NODES.group, name, { nodeName, force: false }),
    });
  const createReset = (name: string, nodeName: string, uuids: string[]) =>
    custom.createClusterCustomObject({
      ...GPU_RESETS,
      body: body('GPUReset', GPU_RESETS.group, name, { nodeName, selector: { uuids } }),
    });

  it('refuses a second active RebootNode for a node, with the API server’s denial message', async () => {
    await createReboot('first', 'dgx-0');
    await h.waitForCondition(REBOOT_NODES, 'first', ConditionType.ManualMode, 'True');
    const second = await failure(createReboot('second', 'dgx-0'));
    expect(second.code).toBe(403);
    expect(second.message).toBe(
      'admission webhook "vrebootnode-v1alpha1.kb.io" denied the request: RebootNode first is already active for node dgx-0; wait for it to complete',
    );
    // Another node is fine.
    await createReboot('other', 'dgx-1');
  });

  it('refuses unknown and excluded nodes, and a disabled controller', async () => {
    expect((await failure(createReboot('ghost', 'no-such-node'))).message).toMatch(
      /denied the request: node no-such-node does not exist$/,
    );
    expect((await failure(createReboot('excl', 'dgx-excluded'))).message).toMatch(
      /denied the request: node dgx-excluded is excluded from janitor actions by the selector nvsentinel.dgxc.nvidia.com\/janitor=excluded$/,
    );
    const disabled = await failure(
      custom.createClusterCustomObject({
        ...TERMINATE_NODES,
        body: body('TerminateNode', TERMINATE_NODES.group, 't', { nodeName: 'dgx-0', force: false }),
      }),
    );
    expect(disabled.message).toMatch(
      /denied the request: the TerminateNode controller is disabled in janitor's configuration/,
    );
  });

  it('refuses a nodeName change and a GPUReset uuids change; allows other updates and deletes', async () => {
    await createReboot('r', 'dgx-1');
    const moved = await failure(
      custom.patchClusterCustomObject({ ...REBOOT_NODES, name: 'r', body: { spec: { nodeName: 'dgx-0' } } }, merge),
    );
    expect(moved.message).toMatch(/spec.nodeName cannot be changed \(from dgx-1 to dgx-0\)/);
    await custom.patchClusterCustomObject(
      { ...REBOOT_NODES, name: 'r', body: { metadata: { labels: { team: 'a' } } } },
      merge,
    );

    await createReset('g', 'dgx-0', ['GPU-1']);
    const regpu = await failure(
      custom.patchClusterCustomObject(
        { ...GPU_RESETS, name: 'g', body: { spec: { selector: { uuids: ['GPU-2'] } } } },
        merge,
      ),
    );
    expect(regpu.message).toMatch(/spec.selector.uuids cannot be changed/);
    await custom.deleteClusterCustomObject({ ...REBOOT_NODES, name: 'r' });
  });

  it('GPUReset duplicates are per GPU: another GPU of the node is allowed, the same GPU is refused', async () => {
    // A RebootNode holds dgx-1's lock, so the first GPUReset stays active (Pending) meanwhile.
    await createReboot('holder', 'dgx-1');
    await h.waitForCondition(REBOOT_NODES, 'holder', ConditionType.ManualMode, 'True');
    await createReset('g1', 'dgx-1', ['GPU-1']);
    await h.waitForCondition(GPU_RESETS, 'g1', ConditionType.Ready, 'False');
    const same = await failure(createReset('g2', 'dgx-1', ['GPU-1', 'GPU-2']));
    expect(same.message).toMatch(/denied the request: GPUReset g1 is already active for node dgx-1 for the same GPUs/);
    await createReset('g3', 'dgx-1', ['GPU-7']);
  });
});
