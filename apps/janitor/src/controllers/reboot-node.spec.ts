import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CspRequestFailedError, CspUnavailableError } from '../providers/errors.js';
import type { CspProvider } from '../providers/provider.js';
import { Harness, NAMESPACE, eventually } from '../testing/harness.js';
import { ConditionType, REBOOT_NODES, Reason, type RebootNode, findCondition } from './api.js';

const reboot = (h: Harness, name: string, nodeName: string) =>
  h.createCr<RebootNode>(REBOOT_NODES, 'RebootNode', name, { nodeName, force: false });

describe('RebootNode controller', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(() => h.close());

  it('locks the node, signals once, waits for Ready with a new bootID, completes and unlocks', async () => {
    const janitor = await h.startJanitor();
    const bootBefore = h.bootId('gpu-node-0');
    await reboot(h, 'r-1', 'gpu-node-0');
    const signalled = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-1', ConditionType.SignalSent, 'True');
    expect(findCondition(signalled.status?.conditions, ConditionType.SignalSent)?.reason).toBe(Reason.Succeeded);
    expect(signalled.status?.startTime).toBeDefined();
    expect(signalled.status?.signalBootID).toBe(bootBefore);

    const done = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-1', ConditionType.NodeReady, 'True');
    expect(findCondition(done.status?.conditions, ConditionType.NodeReady)?.reason).toBe(Reason.Succeeded);
    expect(done.status?.completionTime).toBeDefined();
    expect(h.bootId('gpu-node-0')).not.toBe(bootBefore);
    expect(h.provider.rebootCount('gpu-node-0')).toBe(1);
    await eventually(() => !h.leases().includes('gpu-node-0'), 'node lock released');

    const metrics = await janitor.registry.getSingleMetricAsString('janitor_actions_count');
    expect(metrics).toMatch(/janitor_actions_count\{action_type="reboot",status="succeeded",node="gpu-node-0"\} 1/);
    expect(await janitor.registry.getSingleMetricAsString('janitor_action_mttr_seconds')).toMatch(
      /janitor_action_mttr_seconds_count\{action_type="reboot"\} 1/,
    );
  });

  it('the lock is a Lease named after the node, owned by the CR', async () => {
    // A node that never comes back keeps the lock taken, so it can be inspected.
    await h.startJanitor({ yaml: 'rebootNodeController:\n  manualMode: true\n' });
    const cr = await reboot(h, 'r-lock', 'gpu-node-1');
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-lock', ConditionType.ManualMode, 'True');
    const lease = h.sim.state.get('coordination.k8s.io/v1', 'Lease', 'gpu-node-1', NAMESPACE)!;
    expect(lease.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
        kind: 'RebootNode',
        name: 'r-lock',
        uid: cr.metadata!.uid,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('two RebootNodes for one node (no webhook) are serialised by the lock: the second starts after the first ends', async () => {
    await h.startJanitor();
    await reboot(h, 'first', 'gpu-node-2');
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'first', ConditionType.SignalSent, 'True');
    await reboot(h, 'second', 'gpu-node-2');
    const first = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'first', ConditionType.NodeReady, 'True');
    const second = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'second', ConditionType.NodeReady, 'True');
    const secondSignal = findCondition(second.status?.conditions, ConditionType.SignalSent)!;
    expect(Date.parse(secondSignal.lastTransitionTime)).toBeGreaterThanOrEqual(
      Date.parse(first.status!.completionTime!),
    );
    expect(h.provider.rebootCount('gpu-node-2')).toBe(2);
  });

  it('manual mode: no signal, ManualMode=True, completes when an outside actor reboots the node', async () => {
    await h.startJanitor({ yaml: 'global:\n  manualMode: true\n' });
    await reboot(h, 'manual', 'gpu-node-0');
    const waiting = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'manual', ConditionType.ManualMode, 'True');
    expect(findCondition(waiting.status?.conditions, ConditionType.ManualMode)?.reason).toBe(
      Reason.OutsideActorRequired,
    );
    // The node is still Ready with its old bootID: that must not count as rebooted.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      findCondition((await h.get<RebootNode>(REBOOT_NODES, 'manual'))?.status?.conditions, ConditionType.NodeReady)
        ?.status,
    ).toBe('Unknown');
    void h.sim.rebootNode('gpu-node-0', { downSeconds: 1 });
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'manual', ConditionType.NodeReady, 'True');
    expect(h.provider.rebootCount('gpu-node-0')).toBe(0);
  });

  it('times out with NodeReady=False/Timeout when the node does not come back', async () => {
    // A machine that goes down and never boots again.
    const stuck: CspProvider = {
      name: 'stuck',
      sendRebootSignal: async (node) => {
        h.sim.setNodeReady(node.metadata!.name!, false);
        return { requestRef: 'stuck' };
      },
      isNodeReady: async () => false,
      sendTerminateSignal: async () => ({ requestRef: 'stuck' }),
    };
    await h.startJanitor({ yaml: 'rebootNodeController:\n  timeout: 2s\n', provider: stuck });
    await reboot(h, 'slow', 'gpu-node-1');
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'slow', ConditionType.SignalSent, 'True');
    const done = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'slow', ConditionType.NodeReady, 'False');
    expect(findCondition(done.status?.conditions, ConditionType.NodeReady)?.reason).toBe(Reason.Timeout);
    expect(done.status?.completionTime).toBeDefined();
    await eventually(() => !h.leases().includes('gpu-node-1'), 'node lock released after the timeout');
  });

  it('a provider error ends the CR (SignalSent=False/Failed); an unavailable provider is retried', async () => {
    await h.startJanitor();
    h.provider.failNext('reboot', new CspRequestFailedError('test', 'reboot', 'gpu-node-0', 'instance not found'));
    await reboot(h, 'broken', 'gpu-node-0');
    const failed = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'broken', ConditionType.SignalSent, 'False');
    expect(findCondition(failed.status?.conditions, ConditionType.SignalSent)?.reason).toBe(Reason.Failed);
    expect(findCondition(failed.status?.conditions, ConditionType.SignalSent)?.message).toMatch(/instance not found/);
    expect(failed.status?.completionTime).toBeDefined();

    h.provider.failNext('reboot', new CspUnavailableError('test', 'reboot', 'gpu-node-1', 'connection refused'));
    await reboot(h, 'flaky', 'gpu-node-1');
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'flaky', ConditionType.NodeReady, 'True');
    expect(h.provider.rebootCount('gpu-node-1')).toBe(2);
  });

  it('a CR for a node that does not exist waits without signalling', async () => {
    await h.startJanitor();
    await reboot(h, 'ghost', 'no-such-node');
    const cr = await eventually(async () => {
      const object = await h.get<RebootNode>(REBOOT_NODES, 'ghost');
      return object?.status?.startTime ? object : undefined;
    }, 'initial conditions');
    expect(findCondition(cr.status?.conditions, ConditionType.SignalSent)).toMatchObject({
      status: 'Unknown',
      reason: Reason.Initializing,
    });
    expect(h.provider.reboots.size).toBe(0);
  });
});
