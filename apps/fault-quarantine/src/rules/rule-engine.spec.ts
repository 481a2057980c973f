import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { RuleSetConfig } from '../config/config-types.js';
import { DEFAULT_CONFIG_PATH } from '../config/default-config.js';
import { loadConfigFile } from '../config/parse-config.js';
import { fatalGpuEvent } from '../testing/events.js';
import { RuleEngine, resolveTaints } from './rule-engine.js';

const node = (labels: Record<string, string> = {}): V1Node => ({ metadata: { name: 'gpu-node-1', labels } });
const ruleSet = (overrides: Partial<RuleSetConfig>): RuleSetConfig => ({
  name: 'r',
  version: '1',
  enabled: true,
  priority: 0,
  matchAll: [],
  matchAny: [],
  shouldCordon: true,
  ...overrides,
});

describe('RuleEngine with the default rule sets', () => {
  const engine = RuleEngine.compile(loadConfigFile(DEFAULT_CONFIG_PATH).ruleSets);
  const matched = (event = fatalGpuEvent('gpu-node-1'), n = node()) =>
    engine.evaluate(event, n).matched.map((r) => r.name);

  it('matches each monitor family on fatal events only', () => {
    expect(matched()).toEqual(['GPU fatal error ruleset']);
    expect(matched(fatalGpuEvent('n', { isFatal: false }))).toEqual([]);
    expect(matched(fatalGpuEvent('n', { agent: 'syslog-health-monitor', componentClass: 'NIC' }))).toEqual([
      'Syslog fatal error ruleset',
    ]);
    expect(
      matched(fatalGpuEvent('n', { agent: 'csp-health-monitor', checkName: 'CSPMaintenance', componentClass: 'EC2' })),
    ).toEqual(['CSP health monitor fatal error ruleset']);
    expect(matched(fatalGpuEvent('n', { agent: 'preflight-dcgm-diag' }))).toEqual([
      'Preflight check fatal error ruleset',
    ]);
    expect(matched(fatalGpuEvent('n', { agent: 'kubernetes-object-monitor' }))).toEqual([
      'Kubernetes object monitor fatal error ruleset',
    ]);
  });

  it('honours the ManagedByNVSentinel=false opt-out label', () => {
    expect(matched(undefined, node({ 'k8saas.nvidia.com/ManagedByNVSentinel': 'false' }))).toEqual([]);
    expect(matched(undefined, node({ 'k8saas.nvidia.com/ManagedByNVSentinel': 'true' }))).toEqual([
      'GPU fatal error ruleset',
    ]);
  });
});

describe('RuleEngine', () => {
  it('ORs match.all and match.any, and skips disabled rule sets', () => {
    const engine = RuleEngine.compile([
      ruleSet({
        name: 'both',
        matchAll: [{ kind: 'HealthEvent', expression: "event.agent == 'nobody'" }],
        matchAny: [
          { kind: 'HealthEvent', expression: "'79' in event.errorCode" },
          { kind: 'HealthEvent', expression: 'false' },
        ],
      }),
      ruleSet({ name: 'off', enabled: false, matchAll: [{ kind: 'HealthEvent', expression: 'true' }] }),
    ]);
    expect(engine.ruleSetNames).toEqual(['both']);
    expect(engine.evaluate(fatalGpuEvent('n'), node()).matched.map((r) => r.name)).toEqual(['both']);
    expect(engine.evaluate(fatalGpuEvent('n', { errorCode: ['48'] }), node()).matched).toEqual([]);
  });

  it('sees camelCase fields with enums as numbers, and the node as JSON', () => {
    const engine = RuleEngine.compile([
      ruleSet({
        matchAll: [
          {
            kind: 'HealthEvent',
            expression:
              'event.recommendedAction == 15 && event.entitiesImpacted[0].entityValue == "0" && event.quarantineOverrides.force == false',
          },
          { kind: 'Node', expression: "node.metadata.name == 'gpu-node-1' && size(node.metadata.annotations) == 0" },
        ],
      }),
    ]);
    expect(engine.evaluate(fatalGpuEvent('n'), node()).matched).toHaveLength(1);
  });

  it('treats a run-time evaluation error as no match, reported as error', () => {
    const engine = RuleEngine.compile([
      ruleSet({ matchAll: [{ kind: 'Node', expression: "node.metadata.labels['missing'] == 'x'" }] }),
    ]);
    const { matched, results } = engine.evaluate(fatalGpuEvent('n'), node());
    expect(matched).toEqual([]);
    expect(results[0]).toMatchObject({ outcome: 'error' });
  });

  it('fails compilation with the rule set, the expression and the parser message', () => {
    const compile = () =>
      RuleEngine.compile([
        ruleSet({ name: 'broken', matchAny: [{ kind: 'HealthEvent', expression: 'event.agent == ' }] }),
      ]);
    expect(compile).toThrow(
      /Rule set 'broken' \(match\.any\[0\]\) has an invalid CEL expression `event\.agent == `: .+/,
    );
    try {
      compile();
    } catch (err) {
      expect((err as { code: string }).code).toBe('NVS_ERR_FQ_RULE_EXPRESSION');
    }
  });

  it('rejects expressions that cannot yield a boolean', () => {
    expect(() => RuleEngine.compile([ruleSet({ matchAll: [{ kind: 'HealthEvent', expression: '1 + 2' }] })])).toThrow(
      /must yield bool/,
    );
  });
});

describe('resolveTaints', () => {
  it('keeps one taint per key+value, the highest priority choosing the effect', () => {
    const taint = (value: string, effect: 'NoSchedule' | 'NoExecute') => ({
      key: 'nvidia.com/gpu-error',
      value,
      effect,
    });
    const taints = resolveTaints([
      ruleSet({ name: 'low', priority: 1, taint: taint('fatal', 'NoSchedule') }),
      ruleSet({ name: 'high', priority: 5, taint: taint('fatal', 'NoExecute') }),
      ruleSet({ name: 'mid', priority: 3, taint: taint('fatal', 'NoSchedule') }),
      ruleSet({ name: 'other', priority: 0, taint: taint('warn', 'NoSchedule') }),
    ]);
    expect(taints).toEqual([taint('fatal', 'NoExecute'), taint('warn', 'NoSchedule')]);
  });
});
