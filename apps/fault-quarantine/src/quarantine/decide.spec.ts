import type { V1Node } from '@kubernetes/client-node';
import { QuarantineStatus } from '@nvsentinel/health-model';
import { describe, expect, it } from 'vitest';
import type { RuleSetConfig } from '../config/config-types.js';
import { RuleEngine } from '../rules/rule-engine.js';
import { fatalGpuEvent, healthyEventFor } from '../testing/events.js';
import { applyDecision } from './apply-decision.js';
import { parseAppliedTaints } from './applied-taints.js';
import { type Decision, decide, statusOf } from './decide.js';
import { Annotations, STATE_LABEL, cordonLabels } from './node-keys.js';
import { parseTrackedFaults } from './tracked-faults.js';

const rules: RuleSetConfig[] = [
  {
    name: 'gpu fatal',
    version: '1',
    enabled: true,
    priority: 1,
    matchAll: [{ kind: 'HealthEvent', expression: 'event.isFatal' }],
    matchAny: [],
    shouldCordon: true,
    taint: { key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' },
  },
  {
    name: 'nic',
    version: '1',
    enabled: true,
    priority: 1,
    matchAll: [{ kind: 'HealthEvent', expression: "event.componentClass == 'NIC'" }],
    matchAny: [],
    shouldCordon: false,
    taint: { key: 'nvidia.com/nic-error', value: 'degraded', effect: 'PreferNoSchedule' },
  },
];
const engine = RuleEngine.compile(rules);
const prefix = 'k8saas.nvidia.com/';
const labels = cordonLabels(prefix);
const now = new Date('2026-11-21T08:00:05.123Z');

function freshNode(extra: Partial<V1Node['spec']> = {}): V1Node {
  return { metadata: { name: 'n1', labels: {}, annotations: {} }, spec: { ...extra } };
}

/** Decide and apply like the handler does; returns the decision. */
function step(node: V1Node, event = fatalGpuEvent('n1'), id = 'e1'): Decision {
  const decision = decide({ node, event, eventId: id, evaluate: () => engine.evaluate(event, node) });
  applyDecision(node, decision, { labelPrefix: prefix, now });
  return decision;
}

describe('decide + applyDecision', () => {
  it('quarantines a healthy node: cordon, taint, labels, annotations', () => {
    const node = freshNode();
    const decision = step(node);
    expect(statusOf(decision)).toBe(QuarantineStatus.Quarantined);
    expect(node.spec?.unschedulable).toBe(true);
    expect(node.spec?.taints).toEqual([{ key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' }]);
    expect(node.metadata?.labels).toEqual({
      [labels.cordonBy]: 'NVSentinel',
      [labels.cordonReason]: 'gpu-fatal',
      [labels.cordonTimestamp]: '2026-11-21T08-00-05Z',
      [STATE_LABEL]: 'quarantined',
    });
    expect(parseAppliedTaints(node.metadata?.annotations?.[Annotations.appliedTaints])).toEqual([
      { Key: 'nvidia.com/gpu-error', Value: 'fatal', Effect: 'NoSchedule', preExisting: false },
    ]);
    expect(node.metadata?.annotations?.[Annotations.isCordoned]).toBe('True');
  });

  it('is idempotent: replaying the quarantining event reports Quarantined and changes nothing', () => {
    const node = freshNode();
    step(node);
    const before = JSON.stringify(node);
    const replay = step(node);
    expect(replay.kind).toBe('add-faults');
    expect(statusOf(replay)).toBe(QuarantineStatus.Quarantined);
    expect(JSON.stringify(node)).toBe(before);
  });

  it('adds another fault as AlreadyQuarantined and applies its extra taint (upstream #1439)', () => {
    const node = freshNode();
    step(node);
    const nic = fatalGpuEvent('n1', {
      componentClass: 'NIC',
      checkName: 'NicLinkDown',
      entitiesImpacted: [{ entityType: 'NIC', entityValue: 'mlx5_0' }],
    });
    const decision = step(node, nic, 'e2');
    expect(statusOf(decision)).toBe(QuarantineStatus.AlreadyQuarantined);
    expect(parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents])).toHaveLength(2);
    expect(node.spec?.taints?.map((t) => t.key).sort()).toEqual(['nvidia.com/gpu-error', 'nvidia.com/nic-error']);
  });

  it('records one tracked entry per entity × error code', () => {
    const node = freshNode();
    step(
      node,
      fatalGpuEvent('n1', {
        entitiesImpacted: [
          { entityType: 'GPU', entityValue: '0' },
          { entityType: 'GPU', entityValue: '1' },
        ],
        errorCode: ['79', '48'],
      }),
    );
    const keys = parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents]).map(
      (f) => `${f.entitiesImpacted[0]?.entityValue}/${f.errorCode[0]}`,
    );
    expect(keys.sort()).toEqual(['0/48', '0/79', '1/48', '1/79']);
  });

  it('keeps a pre-existing cordon and taint on un-quarantine', () => {
    const node = freshNode({
      unschedulable: true,
      taints: [{ key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' }],
    });
    const fault = fatalGpuEvent('n1');
    step(node, fault);
    expect(node.metadata?.annotations?.[Annotations.cordonPreExisting]).toBe('True');
    expect(node.metadata?.labels?.[labels.cordonBy]).toBeUndefined();
    expect(parseAppliedTaints(node.metadata?.annotations?.[Annotations.appliedTaints])[0]?.preExisting).toBe(true);
    const decision = step(node, healthyEventFor(fault), 'h1');
    expect(statusOf(decision)).toBe(QuarantineStatus.UnQuarantined);
    expect(node.spec?.unschedulable).toBe(true);
    expect(node.spec?.taints).toHaveLength(1);
    expect(node.metadata?.annotations).toEqual({});
  });

  it('un-quarantines only when the last tracked fault clears', () => {
    const node = freshNode();
    const gpu0 = fatalGpuEvent('n1');
    const gpu1 = fatalGpuEvent('n1', { entitiesImpacted: [{ entityType: 'GPU', entityValue: '1' }] });
    step(node, gpu0, 'e1');
    step(node, gpu1, 'e2');
    expect(statusOf(step(node, healthyEventFor(gpu1), 'h1'))).toBe(QuarantineStatus.AlreadyQuarantined);
    expect(node.spec?.unschedulable).toBe(true);
    expect(step(node, healthyEventFor(gpu1), 'h2').kind).toBe('ignore'); // already cleared
    expect(statusOf(step(node, healthyEventFor(gpu0), 'h3'))).toBe(QuarantineStatus.UnQuarantined);
    expect(node.spec?.unschedulable).toBe(false);
    expect(node.spec?.taints).toEqual([]);
    expect(node.metadata?.labels?.[labels.uncordonBy]).toBe('NVSentinel');
    expect(node.metadata?.labels?.[labels.uncordonTimestamp]).toBe('2026-11-21T08-00-05Z');
    expect(node.metadata?.labels?.[STATE_LABEL]).toBeUndefined();
  });

  it('a healthy event without entities clears every entity of its check', () => {
    const node = freshNode();
    step(node, fatalGpuEvent('n1'), 'e1');
    step(node, fatalGpuEvent('n1', { entitiesImpacted: [{ entityType: 'GPU', entityValue: '5' }] }), 'e2');
    expect(step(node, healthyEventFor(fatalGpuEvent('n1'), { entitiesImpacted: [] }), 'h').kind).toBe('unquarantine');
  });

  it('ignores healthy events on healthy nodes, unmatched faults and skip overrides', () => {
    expect(step(freshNode(), healthyEventFor(fatalGpuEvent('n1'))).kind).toBe('ignore');
    expect(step(freshNode(), fatalGpuEvent('n1', { isFatal: false })).kind).toBe('ignore');
    expect(step(freshNode(), fatalGpuEvent('n1', { quarantineOverrides: { force: false, skip: true } })).kind).toBe(
      'ignore',
    );
  });

  it('reads upstream legacy single-object annotations', () => {
    const node = freshNode();
    node.metadata!.annotations![Annotations.healthEvents] = JSON.stringify({
      agent: 'gpu-health-monitor',
      componentClass: 'GPU',
      checkName: 'GpuXidError',
      nodeName: 'n1',
      version: 1,
      isFatal: true,
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
    });
    node.metadata!.annotations![Annotations.isCordoned] = 'True';
    node.spec!.unschedulable = true;
    expect(step(node, healthyEventFor(fatalGpuEvent('n1'))).kind).toBe('unquarantine');
    expect(node.spec?.unschedulable).toBe(false);
  });
});
