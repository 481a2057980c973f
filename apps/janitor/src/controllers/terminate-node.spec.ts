import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CspProvider } from '../providers/provider.js';
import { Harness, eventually } from '../testing/harness.js';
import { ConditionType, Reason, TERMINATE_NODES, type TerminateNode, findCondition } from './api.js';

const terminate = (h: Harness, name: string, nodeName: string) =>
  h.createCr<TerminateNode>(TERMINATE_NODES, 'TerminateNode', name, { nodeName, force: false });

describe('TerminateNode controller', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(() => h.close());

  it('signals terminate; a node that goes NotReady has its Node object deleted; NodeTerminated=True', async () => {
    // A cloud that stops the instance: the kubelet stops reporting and the node goes NotReady.
    const cloud: CspProvider = {
      name: 'cloud',
      sendRebootSignal: async () => ({ requestRef: '' }),
      isNodeReady: async () => false,
      sendTerminateSignal: async (node) => {
        setTimeout(() => h.sim.setNodeReady(node.metadata!.name!, false), 200);
        return { requestRef: 'terminate-1' };
      },
    };
    await h.startJanitor({ provider: cloud });
    await terminate(h, 't-1', 'gpu-node-0');
    const done = await h.waitForCondition<TerminateNode>(TERMINATE_NODES, 't-1', ConditionType.NodeTerminated, 'True');
    expect(findCondition(done.status?.conditions, ConditionType.SignalSent)).toMatchObject({
      status: 'True',
      reason: Reason.Succeeded,
      message: 'terminate-1',
    });
    expect(done.status?.completionTime).toBeDefined();
    expect(h.sim.state.get('v1', 'Node', 'gpu-node-0')).toBeUndefined();
    await eventually(() => !h.leases().includes('gpu-node-0'), 'lock released');
  });

  it('the sim provider deletes the node itself; the controller records the node as gone', async () => {
    await h.startJanitor();
    await terminate(h, 't-sim', 'gpu-node-1');
    await h.waitForCondition<TerminateNode>(TERMINATE_NODES, 't-sim', ConditionType.NodeTerminated, 'True');
    expect(h.provider.terminates.get('gpu-node-1')).toBe(1);
  });

  it('a provider without terminate support fails at once; a node that stays Ready times out', async () => {
    const noTerminate: CspProvider = {
      name: 'generic',
      sendRebootSignal: async () => ({ requestRef: '' }),
      isNodeReady: async () => true,
      sendTerminateSignal: async () => {
        throw new Error('the generic provider cannot terminate nodes');
      },
    };
    const janitor = await h.startJanitor({ provider: noTerminate });
    await terminate(h, 't-unsupported', 'gpu-node-2');
    const failed = await h.waitForCondition<TerminateNode>(
      TERMINATE_NODES,
      't-unsupported',
      ConditionType.SignalSent,
      'False',
    );
    expect(failed.status?.completionTime).toBeDefined();
    await janitor.stop();

    const ignored: CspProvider = { ...noTerminate, sendTerminateSignal: async () => ({ requestRef: 'ignored' }) };
    await h.startJanitor({ provider: ignored, yaml: 'terminateNodeController:\n  timeout: 1s\n' });
    await terminate(h, 't-timeout', 'gpu-node-2');
    const timedOut = await h.waitForCondition<TerminateNode>(
      TERMINATE_NODES,
      't-timeout',
      ConditionType.NodeTerminated,
      'False',
    );
    expect(findCondition(timedOut.status?.conditions, ConditionType.NodeTerminated)?.reason).toBe(Reason.Timeout);
    expect(h.sim.state.get('v1', 'Node', 'gpu-node-2')).toBeDefined();
  });

  it('manual mode: no signal; completes once an outside actor takes the node down', async () => {
    await h.startJanitor({ yaml: 'terminateNodeController:\n  manualMode: true\n' });
    await terminate(h, 't-manual', 'gpu-node-0');
    await h.waitForCondition<TerminateNode>(TERMINATE_NODES, 't-manual', ConditionType.ManualMode, 'True');
    h.sim.setNodeReady('gpu-node-0', false);
    await h.waitForCondition<TerminateNode>(TERMINATE_NODES, 't-manual', ConditionType.NodeTerminated, 'True');
    expect(h.provider.terminates.size).toBe(0);
  });
});
