import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Annotations } from '../quarantine/node-keys.js';
import { detectManualAction } from './manual-intervention.js';

const taint = { key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' };
const applied = (preExisting: boolean) =>
  JSON.stringify([{ Key: taint.key, Value: taint.value, Effect: taint.effect, preExisting }]);

function node(annotations: Record<string, string>, spec: V1Node['spec']): V1Node {
  return { metadata: { name: 'n', annotations }, spec };
}

describe('detectManualAction', () => {
  it('sees an uncordon of a node FQ cordoned', () => {
    expect(detectManualAction(node({ [Annotations.isCordoned]: 'True' }, { unschedulable: false }))).toBe('uncordoned');
    expect(detectManualAction(node({ [Annotations.isCordoned]: 'True' }, { unschedulable: true }))).toBeUndefined();
  });

  it('ignores nodes whose cordon predates FQ', () => {
    expect(
      detectManualAction(node({ [Annotations.isCordoned]: 'True', [Annotations.cordonPreExisting]: 'True' }, {})),
    ).toBeUndefined();
  });

  it('sees the removal of a taint FQ applied, not of a pre-existing one', () => {
    expect(detectManualAction(node({ [Annotations.appliedTaints]: applied(false) }, { taints: [] }))).toBe('untainted');
    expect(
      detectManualAction(node({ [Annotations.appliedTaints]: applied(false) }, { taints: [taint] })),
    ).toBeUndefined();
    expect(detectManualAction(node({ [Annotations.appliedTaints]: applied(true) }, { taints: [] }))).toBeUndefined();
  });

  it('ignores nodes FQ does not quarantine', () => {
    expect(detectManualAction(node({}, {}))).toBeUndefined();
  });
});
