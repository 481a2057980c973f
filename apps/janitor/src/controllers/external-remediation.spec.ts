import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, eventually } from '../testing/harness.js';
import {
  ConditionType,
  EXTERNAL_REMEDIATIONS,
  type ExternalRemediationRequest,
  REBOOT_NODES,
  type RebootNode,
  apiTime,
} from './api.js';
import { EXTERNAL_REMEDIATION_FINALIZER, MANAGED_LABEL } from './external-remediation.js';

const TAINT = 'nvsentinel.dgxc.nvidia.com/ownership-released';

const healthEvent = (nodeName: string) => ({
  nodeName,
  checkName: 'GpuXidError',
  agent: 'gpu-health-monitor',
  isFatal: true,
  isHealthy: false,
  recommendedAction: 'CUSTOM',
  generatedTimestamp: '2026-12-01T10:00:00Z',
});

describe('ExternalRemediationRequest controller', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({
      scenario: { nodes: [{ name: 'dgx-a', labels: { [MANAGED_LABEL]: 'true' } }, { name: 'dgx-b' }] },
    });
  });
  afterEach(() => h.close());

  const taints = (node: string): string[] =>
    ((h.node(node).spec as { taints?: Array<{ key: string }> }).taints ?? []).map((t) => t.key);
  const complete = (name: string, status: 'True' | 'False') =>
    h.objects.updateStatus<ExternalRemediationRequest>(EXTERNAL_REMEDIATIONS, name, (current) => ({
      conditions: [
        ...(current.status?.conditions ?? []),
        {
          type: ConditionType.ExternalRemediationComplete,
          status,
          reason: 'Repaired',
          message: 'by the vendor',
          lastTransitionTime: apiTime(new Date()),
        },
      ],
    }));

  it('releases the node (taint, condition, lock); completion True gives it back and unlocks', async () => {
    const janitor = await h.startJanitor();
    await h.createCr(EXTERNAL_REMEDIATIONS, 'ExternalRemediationRequest', 'err-1', {
      healthEvent: healthEvent('dgx-a'),
    });
    const released = await h.waitForCondition<ExternalRemediationRequest>(
      EXTERNAL_REMEDIATIONS,
      'err-1',
      ConditionType.OwnershipReleased,
      'True',
    );
    expect(released.metadata?.finalizers).toContain(EXTERNAL_REMEDIATION_FINALIZER);
    expect(taints('dgx-a')).toContain(TAINT);
    expect(h.leases()).toContain('dgx-a');
    expect(await janitor.registry.getSingleMetricAsString('nvsentinel_external_remediation_open')).toMatch(/ 1$/m);

    // Meanwhile janitor does not reboot the node: the lock is the external system's.
    await h.createCr<RebootNode>(REBOOT_NODES, 'RebootNode', 'r-blocked', { nodeName: 'dgx-a', force: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.provider.rebootCount('dgx-a')).toBe(0);

    await complete('err-1', 'True');
    await eventually(
      async () => (await h.get<ExternalRemediationRequest>(EXTERNAL_REMEDIATIONS, 'err-1'))?.status?.completionTime,
      'completed',
    );
    await eventually(() => !taints('dgx-a').includes(TAINT), 'taint removed');
    expect(h.node('dgx-a').metadata.labels?.[MANAGED_LABEL]).toBeUndefined();
    expect(await janitor.registry.getSingleMetricAsString('nvsentinel_external_remediation_total')).toMatch(
      /status="succeeded"\} 1/,
    );
    // The waiting RebootNode gets the lock now.
    await h.waitForCondition<RebootNode>(REBOOT_NODES, 'r-blocked', ConditionType.NodeReady, 'True');
  });

  it('completion False leaves the node released; deleting an unfinished request gives the node back', async () => {
    await h.startJanitor();
    await h.createCr(EXTERNAL_REMEDIATIONS, 'ExternalRemediationRequest', 'err-fail', {
      healthEvent: healthEvent('dgx-a'),
    });
    await h.waitForCondition(EXTERNAL_REMEDIATIONS, 'err-fail', ConditionType.OwnershipReleased, 'True');
    await complete('err-fail', 'False');
    await eventually(
      async () => (await h.get<ExternalRemediationRequest>(EXTERNAL_REMEDIATIONS, 'err-fail'))?.status?.completionTime,
      'completed',
    );
    expect(taints('dgx-a')).toContain(TAINT);
    await eventually(() => !h.leases().includes('dgx-a'), 'lock released');

    await h.createCr(EXTERNAL_REMEDIATIONS, 'ExternalRemediationRequest', 'err-deleted', {
      healthEvent: healthEvent('dgx-b'),
    });
    await h.waitForCondition(EXTERNAL_REMEDIATIONS, 'err-deleted', ConditionType.OwnershipReleased, 'True');
    expect(taints('dgx-b')).toContain(TAINT);
    await h.objects.delete(EXTERNAL_REMEDIATIONS, 'err-deleted');
    await eventually(
      async () => (await h.get(EXTERNAL_REMEDIATIONS, 'err-deleted')) === undefined,
      'finalizer removed, object gone',
    );
    expect(taints('dgx-b')).not.toContain(TAINT);
    expect(h.leases()).not.toContain('dgx-b');
  });
});
