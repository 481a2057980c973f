import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, NAMESPACE, eventually } from '../testing/harness.js';
import { ConditionType, REBOOT_NODES, Reason, type RebootNode, findCondition } from './api.js';

const reboot = (h: Harness, name: string, nodeName: string) =>
  h.createCr<RebootNode>(REBOOT_NODES, 'RebootNode', name, { nodeName, force: false });

/** Puts a CR in the state a janitor killed right after its intent write leaves behind. */
async function intentWritten(h: Harness, name: string, nodeName: string, bootID: string): Promise<void> {
  const now = new Date().toISOString();
  await h.objects.patchStatus(REBOOT_NODES, name, {
    startTime: now,
    signalBootID: bootID,
    signalAttemptTime: now,
    conditions: [
      {
        type: ConditionType.SignalSent,
        status: 'Unknown',
        reason: Reason.Sending,
        message: 'sending the reboot signal',
        lastTransitionTime: now,
      },
      {
        type: ConditionType.NodeReady,
        status: 'Unknown',
        reason: Reason.Initializing,
        message: '',
        lastTransitionTime: now,
      },
    ],
  });
}

describe('janitor restarts and replicas', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ scenario: { nodes: 4 }, rebootDownSeconds: 2 });
  });
  afterEach(() => h.close());

  it('a janitor restarted mid-reboot (signal recorded) resumes the wait without a second signal', async () => {
    const first = await h.startJanitor();
    await reboot(h, 'r-restart', 'gpu-node-0');
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-restart', ConditionType.SignalSent, 'True');
    await first.stop();
    await h.startJanitor();
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-restart', ConditionType.NodeReady, 'True');
    expect(h.provider.rebootCount('gpu-node-0')).toBe(1);
  });

  it('crash window: an intent whose reboot already happened is recorded as sent, not sent again', async () => {
    await reboot(h, 'r-crash', 'gpu-node-1');
    const bootBefore = h.bootId('gpu-node-1');
    await intentWritten(h, 'r-crash', 'gpu-node-1', bootBefore);
    // The signal did land before the crash: the node is rebooting.
    const rebooted = h.sim.rebootNode('gpu-node-1', { downSeconds: 1 });
    await h.startJanitor();
    const done = await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-crash', ConditionType.NodeReady, 'True');
    await rebooted;
    expect(findCondition(done.status?.conditions, ConditionType.SignalSent)?.reason).toBe(Reason.SignalRecovered);
    expect(h.provider.rebootCount('gpu-node-1')).toBe(0);
  });

  it('crash window: an intent on an untouched node sends the signal (once)', async () => {
    await reboot(h, 'r-lost', 'gpu-node-2');
    await intentWritten(h, 'r-lost', 'gpu-node-2', h.bootId('gpu-node-2'));
    await h.startJanitor();
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-lost', ConditionType.NodeReady, 'True');
    expect(h.provider.rebootCount('gpu-node-2')).toBe(1);
  });

  it('two replicas with leader election: one leads, signals happen once per CR, the follower takes over on stop', async () => {
    const election = { enabled: true, leaseDurationMs: 1_000, renewDeadlineMs: 700, retryPeriodMs: 100 };
    const a = await h.startJanitor({ options: { leaderElection: { ...election, identity: 'janitor-a' } } });
    await eventually(() => a.leading, 'a leads');
    const b = await h.startJanitor({ options: { leaderElection: { ...election, identity: 'janitor-b' } } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b.leading).toBe(false);

    for (const node of ['gpu-node-0', 'gpu-node-1']) await reboot(h, `r-${node}`, node);
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-gpu-node-0', ConditionType.SignalSent, 'True');
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-gpu-node-1', ConditionType.SignalSent, 'True');
    // Hand over while the reboots are still in progress.
    await a.stop();
    await eventually(() => b.leading, 'b takes over', { timeoutMs: 30_000 });
    for (const node of ['gpu-node-2', 'gpu-node-3']) await reboot(h, `r-${node}`, node);
    for (const node of ['gpu-node-0', 'gpu-node-1', 'gpu-node-2', 'gpu-node-3']) {
      await h.waitForCondition<RebootNode>(REBOOT_NODES, `r-${node}`, ConditionType.NodeReady, 'True');
      expect(h.provider.rebootCount(node)).toBe(1);
    }
    const lease = h.sim.state.get('coordination.k8s.io/v1', 'Lease', 'janitor.dgxc.nvidia.com', NAMESPACE)!;
    expect((lease.spec as { holderIdentity?: string }).holderIdentity).toBe('janitor-b');
  });

  it('two replicas that both reconcile (no leader election) still signal once: the intent write is a compare-and-swap', async () => {
    await h.startJanitor();
    await h.startJanitor();
    for (const node of ['gpu-node-0', 'gpu-node-1', 'gpu-node-2', 'gpu-node-3']) await reboot(h, `r-${node}`, node);
    for (const node of ['gpu-node-0', 'gpu-node-1', 'gpu-node-2', 'gpu-node-3']) {
      await h.waitForCondition<RebootNode>(REBOOT_NODES, `r-${node}`, ConditionType.NodeReady, 'True');
    }
    for (const node of ['gpu-node-0', 'gpu-node-1', 'gpu-node-2', 'gpu-node-3'])
      expect(h.provider.rebootCount(node)).toBe(1);
  });
});
