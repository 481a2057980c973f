/**
 * The TOML format and its validation (upstream's `pkg/config` rules), and the shipped defaults:
 * upstream's chart templates render to exactly the objects upstream creates, field by field.
 */
import { RecommendedAction, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { describe, expect, it } from 'vitest';
import { renderManifest } from '../remediation/manifest.js';
import { buildTemplateData, remediationSpanId } from '../remediation/template-data.js';
import { DEFAULT_TOML, GPU_RESET_TOML, parseConfig, readRepoTemplate } from '../testing/harness.js';
import { parseRemediationConfig } from './remediation-config.js';

const event = (overrides: Partial<HealthEventWithStatus['healthEvent']> = {}): HealthEventWithStatus => ({
  id: '6f1c0e52-9d55-4c1e-9a47-0a4b8f0e2d11',
  createdAt: new Date('2026-05-01T10:00:00Z'),
  healthEvent: {
    version: 1,
    agent: 'gpu-health-monitor',
    componentClass: 'GPU',
    checkName: 'GpuXidError',
    isFatal: true,
    isHealthy: false,
    message: 'XID 79',
    recommendedAction: RecommendedAction.RESTART_VM,
    errorCode: ['79'],
    entitiesImpacted: [
      { entityType: 'GPU', entityValue: '3' },
      { entityType: 'GPU_UUID', entityValue: 'GPU-3f2a' },
    ],
    metadata: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' },
    nodeName: 'dgx-a-17',
    processingStrategy: 1,
    id: '',
    customRecommendedAction: '',
    ...overrides,
  },
  healthEventStatus: {
    nodeQuarantined: 'Quarantined',
    userPodsEvictionStatus: { status: 'Succeeded', message: '' },
    faultRemediated: null,
    spanIds: {},
  },
});

const action = (toml: string, name: string) => parseConfig(toml).actions.get(name)!;
const render = (toml: string, name: string, input = event()) => {
  const a = action(toml, name);
  return renderManifest(
    a,
    buildTemplateData({
      event: input,
      action: a,
      actionName: name,
      impactedEntityScopeValue: a.impactedEntityScope ? 'GPU-3f2a' : '',
    }),
  );
};

describe('upstream chart defaults', () => {
  it('maps COMPONENT_RESET, RESTART_VM and RESTART_BM to RebootNode (restart) and REPLACE_VM to TerminateNode (terminate)', () => {
    const config = parseConfig(DEFAULT_TOML);
    const summary = Object.fromEntries(
      [...config.actions.values()].map((a) => [
        a.name,
        [
          a.apiGroup,
          a.version,
          a.kind,
          a.plural,
          a.scope,
          a.completeConditionType,
          a.templateFileName,
          a.equivalenceGroup,
        ],
      ]),
    );
    expect(summary).toEqual({
      COMPONENT_RESET: [
        'janitor.dgxc.nvidia.com',
        'v1alpha1',
        'RebootNode',
        'rebootnodes',
        'Cluster',
        'NodeReady',
        'nvidia-reboot.yaml',
        'restart',
      ],
      RESTART_BM: [
        'janitor.dgxc.nvidia.com',
        'v1alpha1',
        'RebootNode',
        'rebootnodes',
        'Cluster',
        'NodeReady',
        'nvidia-reboot.yaml',
        'restart',
      ],
      RESTART_VM: [
        'janitor.dgxc.nvidia.com',
        'v1alpha1',
        'RebootNode',
        'rebootnodes',
        'Cluster',
        'NodeReady',
        'nvidia-reboot.yaml',
        'restart',
      ],
      REPLACE_VM: [
        'janitor.dgxc.nvidia.com',
        'v1alpha1',
        'TerminateNode',
        'terminatenodes',
        'Cluster',
        'NodeTerminated',
        'terminate-node.yaml',
        'terminate',
      ],
    });
    expect(config.updateRetry).toEqual({ maxRetries: 5, retryDelaySeconds: 10 });
    expect(config.templateMountPath).toBe('/etc/config');
  });

  it('the per-GPU overlay makes COMPONENT_RESET a GPUReset of group reset, scoped to GPU_UUID and superseded by restart', () => {
    const reset = action(GPU_RESET_TOML, 'COMPONENT_RESET');
    expect([
      reset.kind,
      reset.completeConditionType,
      reset.templateFileName,
      reset.equivalenceGroup,
      reset.impactedEntityScope,
      reset.supersedingEquivalenceGroups,
    ]).toEqual(['GPUReset', 'Complete', 'gpureset-template.yaml', 'reset', 'GPU_UUID', ['restart']]);
  });

  it('nvidia-reboot.yaml renders the RebootNode upstream creates', () => {
    const manifest = render(DEFAULT_TOML, 'RESTART_VM');
    expect(manifest).toEqual({
      apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
      kind: 'RebootNode',
      metadata: {
        name: 'maintenance-dgx-a-17-6f1c0e52-9d55-4c1e-9a47-0a4b8f0e2d11',
        labels: { 'app.kubernetes.io/managed-by': 'nvsentinel' },
        annotations: {
          'nvsentinel.nvidia.com/trace-id': '4bf92f3577b34da6a3ce929d0e0e4736',
          'nvsentinel.nvidia.com/span-id': remediationSpanId('6f1c0e52-9d55-4c1e-9a47-0a4b8f0e2d11'),
          'nvsentinel.nvidia.com/ttl': '336h',
        },
      },
      spec: { nodeName: 'dgx-a-17', force: false },
    });
  });

  it('terminate-node.yaml renders the TerminateNode upstream creates', () => {
    const manifest = render(DEFAULT_TOML, 'REPLACE_VM', event({ recommendedAction: RecommendedAction.REPLACE_VM }));
    expect(manifest.apiVersion).toBe('janitor.dgxc.nvidia.com/v1alpha1');
    expect(manifest.kind).toBe('TerminateNode');
    expect(manifest.metadata).toEqual({
      name: 'maintenance-dgx-a-17-6f1c0e52-9d55-4c1e-9a47-0a4b8f0e2d11',
      labels: { 'app.kubernetes.io/managed-by': 'nvsentinel' },
      annotations: {
        'nvsentinel.nvidia.com/trace-id': '4bf92f3577b34da6a3ce929d0e0e4736',
        'nvsentinel.nvidia.com/span-id': remediationSpanId('6f1c0e52-9d55-4c1e-9a47-0a4b8f0e2d11'),
        'nvsentinel.nvidia.com/ttl': '336h',
      },
    });
    expect(manifest.spec).toEqual({ nodeName: 'dgx-a-17', force: false });
  });

  it('gpureset-template.yaml renders the GPUReset upstream creates, for the impacted GPU', () => {
    const manifest = render(
      GPU_RESET_TOML,
      'COMPONENT_RESET',
      event({ recommendedAction: RecommendedAction.COMPONENT_RESET }),
    );
    expect(manifest).toEqual({
      apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
      kind: 'GPUReset',
      metadata: { name: 'maintenance-dgx-a-17-6f1c0e52-9d55-4c1e-9a47-0a4b8f0e2d11' },
      spec: { nodeName: 'dgx-a-17', selector: { uuids: ['GPU-3f2a'] } },
    });
  });

  it('an event without a trace id renders an empty trace-id annotation, as Go prints an empty string', () => {
    const manifest = render(DEFAULT_TOML, 'RESTART_VM', event({ metadata: {} }));
    expect(manifest.metadata!.annotations!['nvsentinel.nvidia.com/trace-id']).toBe('');
  });
});

describe('configuration validation', () => {
  const base = (extra: string, head = '') => `${head}[remediationActions."RESTART_VM"]
apiGroup = "janitor.dgxc.nvidia.com"
version = "v1alpha1"
kind = "RebootNode"
templateFileName = "nvidia-reboot.yaml"
equivalenceGroup = "restart"
${extra}`;
  const parse = (toml: string) => parseRemediationConfig(toml, 'config.toml', { readTemplate: readRepoTemplate });

  it('defaults scope to Cluster, completeConditionType to NodeReady, mountPath to /etc/config and updateRetry to 5 × 10 s', () => {
    const config = parse(base(''));
    const a = config.actions.get('RESTART_VM')!;
    expect([a.scope, a.completeConditionType, config.templateMountPath, config.updateRetry]).toEqual([
      'Cluster',
      'NodeReady',
      '/etc/config',
      { maxRetries: 5, retryDelaySeconds: 10 },
    ]);
  });

  it.each([
    ['an unknown top-level key', base('', 'bogus = 1\n'), /unknown key "bogus"/],
    [
      'an unknown action key',
      base('completeCondition = "x"'),
      /unknown key "remediationActions\."RESTART_VM"\.completeCondition"/,
    ],
    ['an unknown template key', base('', '[template]\nmountpath = "/x"\n'), /unknown key "template\.mountpath"/],
    ['an unknown updateRetry key', `${base('')}\n[updateRetry]\nretries = 3\n`, /unknown key "updateRetry\.retries"/],
    [
      'a missing equivalenceGroup',
      base('').replace('equivalenceGroup = "restart"', ''),
      /equivalenceGroup is required/,
    ],
    ['a bad scope', base('scope = "Global"'), /scope must be "Cluster" or "Namespaced"/],
    [
      'Namespaced without a namespace',
      base('scope = "Namespaced"'),
      /namespace is required when scope is "Namespaced"/,
    ],
    [
      'a missing template file',
      base('').replace('nvidia-reboot.yaml', 'nope.yaml'),
      /template file \/etc\/config\/nope\.yaml does not exist/,
    ],
    ['an empty mountPath', base('', '[template]\nmountPath = ""\n'), /template\.mountPath must not be empty/],
    [
      'impactedEntityScope on a non-reset enum action',
      base('impactedEntityScope = "GPU_UUID"'),
      /allowed only on COMPONENT_RESET or custom action names/,
    ],
    [
      'impactedEntityScope without partial support',
      base('', '').replace('RESTART_VM', 'MY_ACTION') + 'impactedEntityScope = "PCI"',
      /does not support per-entity remediation/,
    ],
    [
      'a superseding group nobody has',
      base('supersedingEquivalenceGroups = ["terminate"]'),
      /no action has equivalenceGroup "terminate"/,
    ],
    [
      'a superseding group equal to its own',
      base('supersedingEquivalenceGroups = ["restart"]'),
      /must not contain its own group/,
    ],
    ['TOML syntax', '[remediationActions', /TOML syntax/],
  ])('rejects %s', (_name, toml, message) => {
    expect(() => parse(toml)).toThrow(message);
  });

  it('reads templates from [templates] before the mount path', () => {
    const inline = `${base('')}\n[templates]\n"nvidia-reboot.yaml" = """
apiVersion: janitor.dgxc.nvidia.com/v1alpha1
kind: RebootNode
metadata:
  name: custom-{{ .NodeName | lower }}
spec:
  nodeName: {{ .NodeName }}
"""\n`;
    const config = parseRemediationConfig(inline, 'config.toml', { readTemplate: () => undefined });
    const a = config.actions.get('RESTART_VM')!;
    expect(
      renderManifest(
        a,
        buildTemplateData({
          event: event({ nodeName: 'DGX-B' }),
          action: a,
          actionName: 'RESTART_VM',
          impactedEntityScopeValue: '',
        }),
      ).metadata?.name,
    ).toBe('custom-dgx-b');
  });

  it('a template error stops the start-up with the file, line and construct', () => {
    const broken = (body: string) => `${base('')}\n[templates]\n"nvidia-reboot.yaml" = '''\n${body}'''\n`;
    expect(() => parse(broken('kind: X\nname: {{ .NodeName | toYaml }}\n'))).toThrow(
      /template nvidia-reboot\.yaml line 2: function "toYaml" is not supported/,
    );
    expect(() => parse(broken('apiVersion: v1\nkind: X\nmetadata:\n  name: {{ .HealthEvent.NodeNam }}\n'))).toThrow(
      /template nvidia-reboot\.yaml line 4: can't evaluate field NodeNam in type HealthEvent/,
    );
    expect(() => parse(broken('kind: [unclosed\n'))).toThrow(/rendered a manifest that is not a Kubernetes object/);
  });
});
