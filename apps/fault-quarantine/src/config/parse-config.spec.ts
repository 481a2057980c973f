import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from './default-config.js';
import { loadConfigFile, parseConfigText } from './parse-config.js';

describe('parseConfigText', () => {
  it('loads the shipped default: upstream chart rule sets, prefix and breaker', () => {
    const config = loadConfigFile(DEFAULT_CONFIG_PATH);
    expect(config.labelPrefix).toBe('k8saas.nvidia.com/');
    expect(config.circuitBreaker).toEqual({ percentage: 50, durationMs: 300_000 });
    expect(config.ruleSets.map((r) => r.name)).toEqual([
      'GPU fatal error ruleset',
      'CSP health monitor fatal error ruleset',
      'Syslog fatal error ruleset',
      'NIC health monitor fatal error ruleset',
      'Kubernetes object monitor fatal error ruleset',
      'Preflight check fatal error ruleset',
    ]);
    for (const ruleSet of config.ruleSets) {
      expect(ruleSet.shouldCordon).toBe(true);
      expect(ruleSet.taint).toBeUndefined();
      expect(ruleSet.matchAll.map((m) => m.kind)).toEqual(['HealthEvent', 'Node']);
    }
  });

  it('reads taints, priorities, any-matches and disabled rule sets', () => {
    const config = parseConfigText(`
      label-prefix = "example.com/"
      [circuitBreaker]
      percentage = 10
      duration = "90s"
      [[rule-sets]]
      name = "xid"
      enabled = false
      priority = 7
        [[rule-sets.match.any]]
        kind = "HealthEvent"
        expression = "event.isFatal"
        [rule-sets.taint]
        key = "nvidia.com/gpu-error"
        value = "fatal"
        effect = "NoExecute"
    `);
    expect(config.labelPrefix).toBe('example.com/');
    expect(config.circuitBreaker).toEqual({ percentage: 10, durationMs: 90_000 });
    expect(config.ruleSets[0]).toMatchObject({
      name: 'xid',
      enabled: false,
      priority: 7,
      shouldCordon: false,
      matchAll: [],
      matchAny: [{ kind: 'HealthEvent', expression: 'event.isFatal' }],
      taint: { key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoExecute' },
    });
  });

  it('reports every problem at once, each with its path', () => {
    let message = '';
    try {
      parseConfigText(
        `
        [circuitBreaker]
        percentage = 150
        duration = "soon"
        [[rule-sets]]
        name = "a"
          [[rule-sets.match.all]]
          kind = "Pod"
          expression = "true"
          [rule-sets.taint]
          key = "k"
          effect = "Evict"
        [[rule-sets]]
        name = "b"
        `,
        'rules.toml',
      );
    } catch (err) {
      expect((err as { code: string }).code).toBe('NVS_ERR_FQ_CONFIG_INVALID');
      message = (err as Error).message;
    }
    expect(message).toContain("'rules.toml'");
    expect(message).toContain('circuitBreaker.percentage');
    expect(message).toContain('circuitBreaker.duration');
    expect(message).toContain("rule-sets[0] 'a'.match.all[0].kind");
    expect(message).toContain("rule-sets[0] 'a'.taint.effect");
    expect(message).toContain("rule-sets[1] 'b'.match: required");
  });

  it('names the file and the TOML error for a syntax error', () => {
    expect(() => parseConfigText('label-prefix = "x', 'bad.toml')).toThrow(/bad\.toml.*not valid TOML/s);
  });

  it('names an unreadable file and the flag to fix it', () => {
    expect(() => loadConfigFile('/nonexistent/config.toml')).toThrow(/--config-path/);
  });
});
