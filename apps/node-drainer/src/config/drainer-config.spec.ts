import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAINER_CONFIG_TOML, modeForNamespace, parseDrainerConfig } from './drainer-config.js';
import { compileNamespaceGlob } from './namespace-glob.js';

const UPSTREAM_CHART_TOML = `
evictionTimeoutInSeconds = "60"
systemNamespaces = "^(nvsentinel|kube-system|gpu-operator|gmp-system|network-operator|skyhook)$"
deleteAfterTimeoutMinutes = 60
notReadyTimeoutMinutes = 5
partialDrainEnabled = false

[[userNamespaces]]
name = "inference-*"
mode = "DeleteAfterTimeout"

[[userNamespaces]]
name = "*"
mode = "AllowCompletion"

[[userNamespaces]]
name = "inference-critical"
mode = "Immediate"

[customDrain]
enabled = false
`;

describe('parseDrainerConfig', () => {
  it('reads the file the upstream chart renders', () => {
    const config = parseDrainerConfig(UPSTREAM_CHART_TOML);
    expect(config.evictionTimeoutSeconds).toBe(60);
    expect(config.deleteAfterTimeoutMinutes).toBe(60);
    expect(config.notReadyTimeoutMinutes).toBe(5);
    expect(config.drainGPUPods).toBe(false);
    expect(config.userNamespaces.map((r) => [r.name, r.mode])).toEqual([
      ['inference-*', 'DeleteAfterTimeout'],
      ['*', 'AllowCompletion'],
      ['inference-critical', 'Immediate'],
    ]);
  });

  it('resolves modes: system namespaces never, an exact name before globs, otherwise the first matching glob', () => {
    const config = parseDrainerConfig(UPSTREAM_CHART_TOML);
    expect(modeForNamespace(config, 'kube-system')).toBeUndefined();
    expect(modeForNamespace(config, 'gpu-operator')).toBeUndefined();
    expect(modeForNamespace(config, 'inference-critical')).toBe('Immediate');
    expect(modeForNamespace(config, 'inference-batch')).toBe('DeleteAfterTimeout');
    expect(modeForNamespace(config, 'research')).toBe('AllowCompletion');
  });

  it('leaves namespaces no rule covers alone', () => {
    const config = parseDrainerConfig('[[userNamespaces]]\nname = "team-?"\nmode = "Immediate"\n');
    expect(modeForNamespace(config, 'team-a')).toBe('Immediate');
    expect(modeForNamespace(config, 'team-ab')).toBeUndefined();
  });

  it('uses the chart defaults for keys the file omits', () => {
    const defaults = parseDrainerConfig(DEFAULT_DRAINER_CONFIG_TOML);
    const empty = parseDrainerConfig('');
    expect(empty.evictionTimeoutSeconds).toBe(defaults.evictionTimeoutSeconds);
    expect(empty.systemNamespaces.source).toBe(defaults.systemNamespaces.source);
    expect(empty.userNamespaces.map((r) => r.mode)).toEqual(['AllowCompletion']);
  });

  it('accepts integers as numbers or digit strings', () => {
    expect(parseDrainerConfig('evictionTimeoutInSeconds = 15').evictionTimeoutSeconds).toBe(15);
    expect(parseDrainerConfig('deleteAfterTimeoutMinutes = "7"').deleteAfterTimeoutMinutes).toBe(7);
  });

  it('reports every problem at once with its fix', () => {
    const text = `
evictionTimeoutInSeconds = "soon"
systemNamespaces = "(unclosed"
drainGPUPods = "yes"
typo = 1
[[userNamespaces]]
name = "*"
mode = "Eventually"
[customDrain]
enabled = true
`;
    let message = '';
    try {
      parseDrainerConfig(text, '/etc/config/config.toml');
    } catch (err) {
      message = (err as Error).message;
      expect((err as { code: string }).code).toBe('NVS_ERR_DRAIN_CONFIG_INVALID');
    }
    for (const expected of [
      '/etc/config/config.toml',
      'evictionTimeoutInSeconds',
      'systemNamespaces',
      'drainGPUPods',
      "unknown key 'typo'",
      'userNamespaces[0].mode must be one of Immediate, AllowCompletion, DeleteAfterTimeout',
      '[customDrain]',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('rejects text that is not TOML', () => {
    expect(() => parseDrainerConfig('[[userNamespaces')).toThrow(/not valid TOML/);
  });
});

describe('compileNamespaceGlob', () => {
  it.each([
    ['*', 'anything', true],
    ['ml-*', 'ml-training', true],
    ['ml-*', 'prod-ml', false],
    ['team-?', 'team-a', true],
    ['team-[ab]', 'team-b', true],
    ['team-[^ab]', 'team-b', false],
    ['team-[a-c]', 'team-c', true],
    ['a.b', 'axb', false],
    ['lit\\*', 'lit*', true],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(compileNamespaceGlob(pattern).test(name)).toBe(expected);
  });

  it('names a malformed pattern', () => {
    expect(() => compileNamespaceGlob('team-[ab')).toThrow(/unclosed '\['/);
    expect(() => compileNamespaceGlob('x\\')).toThrow(/lone/);
  });
});
