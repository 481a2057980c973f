import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, defaultJanitorConfig, parseJanitorConfig } from './janitor-config.js';
import { selectorMatches } from './label-selector.js';

describe('parseJanitorConfig (upstream config.yaml)', () => {
  it('per-controller values default to global ones; exclusions add up', () => {
    const config = parseJanitorConfig(`
global:
  timeout: 25m
  manualMode: true
  cspProviderHost: janitor-provider.nvsentinel.svc.cluster.local:50051
  nodes:
    exclusions:
      - matchLabels: { pool: system }
rebootNodeController:
  enabled: true
  timeout: 10m
  exclusions:
    - matchExpressions: [{ key: gpu, operator: DoesNotExist }]
terminateNodeController:
  enabled: false
  manualMode: false
gpuResetController:
  mock: true
  serviceManager: gpu-operator
  resetJob:
    imageConfig: { image: ghcr.io/nvidia/nvsentinel/gpu-reset:v1, imagePullSecrets: [regcred] }
    runtimeClassName: nvidia
    writeSysLogEvent: false
`);
    expect(config.rebootNode).toMatchObject({
      enabled: true,
      timeoutMs: 10 * 60_000,
      manualMode: true,
      cspProviderHost: 'janitor-provider.nvsentinel.svc.cluster.local:50051',
    });
    expect(config.rebootNode.exclusions).toEqual([
      { matchLabels: { pool: 'system' } },
      { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] },
    ]);
    expect(config.terminateNode).toMatchObject({ enabled: false, timeoutMs: 25 * 60_000, manualMode: false });
    expect(config.terminateNode.exclusions).toEqual([{ matchLabels: { pool: 'system' } }]);
    expect(config.gpuReset).toMatchObject({ mock: true, timeoutMs: 25 * 60_000 });
    expect(config.gpuReset.resetJob).toMatchObject({
      image: 'ghcr.io/nvidia/nvsentinel/gpu-reset:v1',
      imagePullSecrets: ['regcred'],
      writeSysLogEvent: false,
    });
  });

  it('an empty file gives upstream defaults (30 min fallback timeout, everything enabled)', () => {
    const config = defaultJanitorConfig();
    expect(config.rebootNode).toMatchObject({
      enabled: true,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      manualMode: false,
      exclusions: [],
    });
    expect(config.gpuReset.serviceManager.name).toBe('gpu-operator');
  });

  it('rejects unknown keys by full path, bad types and selectors, all at once', () => {
    const attempt = () =>
      parseJanitorConfig(
        `
global:
  timout: 25m
rebootNodeController:
  manualMod: true
  timeout: soon
nodes:
  exclusions:
    - {}
    - matchExpressions: [{ key: a, operator: In }]
`,
        '/etc/nvsentinel/janitor/config.yaml',
      );
    expect(attempt).toThrowError(
      /NVS_ERR_JANITOR_CONFIG_INVALID|janitor configuration \/etc\/nvsentinel\/janitor\/config.yaml is invalid/,
    );
    try {
      attempt();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('unknown key global.timout');
      expect(message).toContain('unknown key rebootNodeController.manualMod');
      expect(message).toContain('rebootNodeController.timeout must be a positive duration');
      expect(message).toContain('nodes.exclusions[0] is empty');
      expect(message).toContain('nodes.exclusions[1].matchExpressions[0].values must list at least one value');
      expect((err as { code?: string }).code).toBe('NVS_ERR_JANITOR_CONFIG_INVALID');
    }
    expect(() => parseJanitorConfig('global: [1')).toThrowError(/not valid YAML/);
  });
});

describe('selectorMatches', () => {
  it('matchLabels and every matchExpressions operator', () => {
    const labels = { pool: 'gpu', zone: 'a' };
    expect(selectorMatches({ matchLabels: { pool: 'gpu' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { pool: 'cpu' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, labels)).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(
      false,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });
});
