/**
 * Properties of the decision + node mutation over random event sequences on one node, checked
 * against a simple model: the set of active (entity, code) faults.
 */
import type { V1Node } from '@kubernetes/client-node';
import type { HealthEvent } from '@nvsentinel/health-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleSetConfig } from '../config/config-types.js';
import { RuleEngine } from '../rules/rule-engine.js';
import { fatalGpuEvent, healthyEventFor } from '../testing/events.js';
import { applyDecision } from './apply-decision.js';
import { decide } from './decide.js';
import { Annotations } from './node-keys.js';
import { parseTrackedFaults } from './tracked-faults.js';

const rules: RuleSetConfig[] = [
  {
    name: 'fatal',
    version: '1',
    enabled: true,
    priority: 0,
    matchAll: [{ kind: 'HealthEvent', expression: 'event.isFatal' }],
    matchAny: [],
    shouldCordon: true,
    taint: { key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' },
  },
];
const engine = RuleEngine.compile(rules);
const now = new Date('2026-11-21T00:00:00Z');

interface Step {
  healthy: boolean;
  gpu: string;
  code: string;
  /** Deliver the same event twice in a row (at-least-once). */
  duplicate: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  healthy: fc.boolean(),
  gpu: fc.constantFrom('0', '1', '2'),
  code: fc.constantFrom('79', '48'),
  duplicate: fc.boolean(),
});

function eventOf(step: Step): HealthEvent {
  const fault = fatalGpuEvent('n', {
    entitiesImpacted: [{ entityType: 'GPU', entityValue: step.gpu }],
    errorCode: [step.code],
  });
  return step.healthy ? healthyEventFor(fault, { errorCode: [step.code] }) : fault;
}

function deliver(node: V1Node, event: HealthEvent, id: string): void {
  const decision = decide({ node, event, eventId: id, evaluate: () => engine.evaluate(event, node) });
  applyDecision(node, decision, { labelPrefix: 'p/', now });
}

describe('quarantine decisions over random event sequences', () => {
  it('track exactly the active faults; the node is cordoned and tainted exactly while any is active; duplicates change nothing', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(stepArb, { maxLength: 30 }), (preCordoned, steps) => {
        const node: V1Node = {
          metadata: { name: 'n', labels: {}, annotations: {} },
          spec: preCordoned ? { unschedulable: true } : {},
        };
        const active = new Set<string>();
        steps.forEach((step, i) => {
          const event = eventOf(step);
          deliver(node, event, `e${i}`);
          const once = JSON.stringify(node);
          if (step.duplicate) {
            deliver(node, event, `e${i}`);
            expect(JSON.stringify(node)).toBe(once);
          }
          const key = `${step.gpu}/${step.code}`;
          if (step.healthy) active.delete(key);
          else active.add(key);

          const tracked = parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents]);
          expect(new Set(tracked.map((f) => `${f.entitiesImpacted[0]?.entityValue}/${f.errorCode[0]}`))).toEqual(
            active,
          );
          expect(node.spec?.unschedulable === true).toBe(preCordoned || active.size > 0);
          expect((node.spec?.taints ?? []).length).toBe(active.size > 0 ? 1 : 0);
        });
      }),
      { numRuns: 300 },
    );
  });
});
