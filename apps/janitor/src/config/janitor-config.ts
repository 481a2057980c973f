/**
 * janitor's config.yaml in upstream's format (`janitor/pkg/config`): a `global` section whose
 * values every controller section inherits, and one section per controller. Unknown keys are
 * rejected with their full path, as upstream's viper `UnmarshalExact` does, because a misspelt
 * `manualMode` silently rebooting nodes is the failure this guards against.
 */
import { parseDurationMs } from '@nvsentinel/service-kit';
import { parse as parseYaml } from 'yaml';
import { JanitorConfigError } from '../errors.js';
import type { LabelSelector, LabelSelectorRequirement } from './label-selector.js';

/** Upstream's fallback when neither the controller nor `global` sets a timeout (pkg/config/default.go). */
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;

export interface CspProviderSettings {
  cspProviderHost?: string;
  cspProviderCAPath?: string;
  cspProviderInsecure?: boolean;
  cspProviderTokenPath?: string;
}

/** What every controller section resolves to once `global` is applied. */
export interface ControllerConfig extends CspProviderSettings {
  enabled: boolean;
  timeoutMs: number;
  manualMode: boolean;
  /** Global `nodes.exclusions` plus the controller's own `exclusions`. */
  exclusions: LabelSelector[];
}

/** How GPU-operator services are stopped on a node for a reset and started again. */
interface ServiceManagerConfig {
  name: 'gpu-operator';
  /** Namespace of the GPU operator's DaemonSet pods. */
  namespace: string;
  /**
   * Node labels the GPU operator's deploy switch reads (`nvidia.com/gpu.deploy.<component>`).
   * Teardown sets them to `false`; restore puts the earlier value back.
   */
  deployLabels: string[];
  /** `app` label values of the pods that must be gone before the reset and back after it. */
  podApps: string[];
  teardownTimeoutMs: number;
  restoreTimeoutMs: number;
}

interface ResetJobConfig {
  image: string;
  imagePullSecrets: string[];
  runtimeClassName?: string;
  writeSysLogEvent: boolean;
  uploadURL?: string;
  resources?: Record<string, unknown>;
  /** Where the reset Job runs; janitor's own namespace when unset. */
  namespace?: string;
}

export interface GpuResetControllerConfig extends ControllerConfig {
  mock: boolean;
  serviceManager: ServiceManagerConfig;
  resetJob: ResetJobConfig;
}

export interface ExternalRemediationConfig {
  enabled: boolean;
  /** The taint that tells schedulers and NVSentinel the node belongs to the external system now. */
  releaseTaint: { key: string; value: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' };
}

export interface JanitorConfig {
  rebootNode: ControllerConfig;
  terminateNode: ControllerConfig;
  gpuReset: GpuResetControllerConfig;
  externalRemediation: ExternalRemediationConfig;
}

type Raw = Record<string, unknown>;

class Reader {
  readonly problems: string[] = [];
  constructor(readonly source: string) {}

  section(value: unknown, path: string, allowed: readonly string[]): Raw {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problems.push(`${path} must be a mapping`);
      return {};
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.problems.push(`unknown key ${path ? `${path}.` : ''}${key} (allowed: ${allowed.join(', ')})`);
    }
    return value as Raw;
  }

  bool(section: Raw, key: string, path: string): boolean | undefined {
    const value = section[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean')
      this.problems.push(`${path}.${key} must be true or false, got ${JSON.stringify(value)}`);
    return typeof value === 'boolean' ? value : undefined;
  }

  string(section: Raw, key: string, path: string): string | undefined {
    const value = section[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') {
      this.problems.push(`${path}.${key} must be a non-empty string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  }

  duration(section: Raw, key: string, path: string): number | undefined {
    const value = section[key];
    if (value === undefined || value === null) return undefined;
    const ms = typeof value === 'string' ? parseDurationMs(value) : undefined;
    if (ms === undefined || ms <= 0) {
      this.problems.push(`${path}.${key} must be a positive duration such as 25m or 90s, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return ms;
  }

  stringList(section: Raw, key: string, path: string): string[] | undefined {
    const value = section[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
      this.problems.push(`${path}.${key} must be a list of non-empty strings`);
      return undefined;
    }
    return value as string[];
  }

  selectors(value: unknown, path: string): LabelSelector[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problems.push(`${path} must be a list of label selectors ({matchLabels, matchExpressions})`);
      return [];
    }
    return value.map((item, index) => this.selector(item, `${path}[${index}]`));
  }

  selector(value: unknown, path: string): LabelSelector {
    const raw = this.section(value, path, ['matchLabels', 'matchExpressions']);
    const selector: LabelSelector = {};
    if (raw.matchLabels !== undefined) {
      const labels = this.section(raw.matchLabels, `${path}.matchLabels`, Object.keys(raw.matchLabels ?? {}));
      const bad = Object.entries(labels).filter(([, v]) => typeof v !== 'string');
      if (bad.length)
        this.problems.push(
          `${path}.matchLabels values must be strings (quote them): ${bad.map(([k]) => k).join(', ')}`,
        );
      selector.matchLabels = labels as Record<string, string>;
    }
    if (raw.matchExpressions !== undefined) {
      if (!Array.isArray(raw.matchExpressions)) {
        this.problems.push(`${path}.matchExpressions must be a list`);
      } else {
        selector.matchExpressions = raw.matchExpressions.map((item, index) =>
          this.requirement(item, `${path}.matchExpressions[${index}]`),
        );
      }
    }
    if (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length) {
      this.problems.push(`${path} is empty and would exclude every node; give matchLabels or matchExpressions`);
    }
    return selector;
  }

  requirement(value: unknown, path: string): LabelSelectorRequirement {
    const raw = this.section(value, path, ['key', 'operator', 'values']);
    const key = this.string(raw, 'key', path) ?? '';
    const operator = raw.operator as LabelSelectorRequirement['operator'];
    const values = this.stringList(raw, 'values', path);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(operator)) {
      this.problems.push(
        `${path}.operator must be In, NotIn, Exists or DoesNotExist, got ${JSON.stringify(raw.operator)}`,
      );
    } else if ((operator === 'In' || operator === 'NotIn') && !values?.length) {
      this.problems.push(`${path}.values must list at least one value for operator ${operator}`);
    } else if ((operator === 'Exists' || operator === 'DoesNotExist') && values?.length) {
      this.problems.push(`${path}.values must be empty for operator ${operator}`);
    }
    return { key, operator, ...(values ? { values } : {}) };
  }
}

const CSP_KEYS = ['cspProviderHost', 'cspProviderCAPath', 'cspProviderInsecure', 'cspProviderTokenPath'] as const;
const CONTROLLER_KEYS = ['enabled', 'timeout', 'manualMode', 'exclusions', ...CSP_KEYS];

function cspSettings(reader: Reader, section: Raw, path: string, inherited: CspProviderSettings): CspProviderSettings {
  const result: CspProviderSettings = { ...inherited };
  const host = reader.string(section, 'cspProviderHost', path);
  const ca = reader.string(section, 'cspProviderCAPath', path);
  const insecure = reader.bool(section, 'cspProviderInsecure', path);
  const token = reader.string(section, 'cspProviderTokenPath', path);
  if (host !== undefined) result.cspProviderHost = host;
  if (ca !== undefined) result.cspProviderCAPath = ca;
  if (insecure !== undefined) result.cspProviderInsecure = insecure;
  if (token !== undefined) result.cspProviderTokenPath = token;
  return result;
}

interface Globals extends CspProviderSettings {
  timeoutMs: number;
  manualMode: boolean;
  exclusions: LabelSelector[];
}

function controller(reader: Reader, section: Raw, path: string, globals: Globals): ControllerConfig {
  return {
    ...cspSettings(reader, section, path, globals),
    enabled: reader.bool(section, 'enabled', path) ?? true,
    timeoutMs: reader.duration(section, 'timeout', path) ?? globals.timeoutMs,
    manualMode: reader.bool(section, 'manualMode', path) ?? globals.manualMode,
    exclusions: [...globals.exclusions, ...reader.selectors(section.exclusions, `${path}.exclusions`)],
  };
}

const GPU_OPERATOR_DEFAULTS: ServiceManagerConfig = {
  name: 'gpu-operator',
  namespace: 'gpu-operator',
  deployLabels: [
    'nvidia.com/gpu.deploy.device-plugin',
    'nvidia.com/gpu.deploy.dcgm-exporter',
    'nvidia.com/gpu.deploy.dcgm',
  ],
  podApps: ['nvidia-device-plugin-daemonset', 'nvidia-dcgm-exporter', 'nvidia-dcgm'],
  teardownTimeoutMs: 5 * 60_000,
  restoreTimeoutMs: 10 * 60_000,
};

function serviceManager(reader: Reader, value: unknown, path: string): ServiceManagerConfig {
  if (value === undefined || value === null) return { ...GPU_OPERATOR_DEFAULTS };
  // Upstream writes just the manager's name.
  if (typeof value === 'string') {
    if (value !== 'gpu-operator')
      reader.problems.push(`${path} must be gpu-operator (the only service manager), got ${JSON.stringify(value)}`);
    return { ...GPU_OPERATOR_DEFAULTS };
  }
  const raw = reader.section(value, path, [
    'name',
    'namespace',
    'deployLabels',
    'podApps',
    'teardownTimeout',
    'restoreTimeout',
  ]);
  const name = reader.string(raw, 'name', path);
  if (name !== undefined && name !== 'gpu-operator')
    reader.problems.push(`${path}.name must be gpu-operator, got ${JSON.stringify(name)}`);
  return {
    name: 'gpu-operator',
    namespace: reader.string(raw, 'namespace', path) ?? GPU_OPERATOR_DEFAULTS.namespace,
    deployLabels: reader.stringList(raw, 'deployLabels', path) ?? GPU_OPERATOR_DEFAULTS.deployLabels,
    podApps: reader.stringList(raw, 'podApps', path) ?? GPU_OPERATOR_DEFAULTS.podApps,
    teardownTimeoutMs: reader.duration(raw, 'teardownTimeout', path) ?? GPU_OPERATOR_DEFAULTS.teardownTimeoutMs,
    restoreTimeoutMs: reader.duration(raw, 'restoreTimeout', path) ?? GPU_OPERATOR_DEFAULTS.restoreTimeoutMs,
  };
}

function resetJob(reader: Reader, value: unknown, path: string): ResetJobConfig {
  const raw = reader.section(value, path, [
    'imageConfig',
    'resources',
    'runtimeClassName',
    'writeSysLogEvent',
    'uploadURL',
    'namespace',
  ]);
  const image = reader.section(raw.imageConfig, `${path}.imageConfig`, ['image', 'imagePullSecrets']);
  const resources =
    raw.resources === undefined
      ? undefined
      : reader.section(raw.resources, `${path}.resources`, ['limits', 'requests']);
  const runtimeClassName = reader.string(raw, 'runtimeClassName', path);
  const uploadURL = reader.string(raw, 'uploadURL', path);
  const namespace = reader.string(raw, 'namespace', path);
  return {
    image: reader.string(image, 'image', `${path}.imageConfig`) ?? 'ghcr.io/nvidia/nvsentinel/gpu-reset:latest',
    imagePullSecrets: reader.stringList(image, 'imagePullSecrets', `${path}.imageConfig`) ?? [],
    runtimeClassName: runtimeClassName ?? 'nvidia',
    writeSysLogEvent: reader.bool(raw, 'writeSysLogEvent', path) ?? true,
    ...(uploadURL ? { uploadURL } : {}),
    ...(resources ? { resources } : {}),
    ...(namespace ? { namespace } : {}),
  };
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

function externalRemediation(reader: Reader, value: unknown, path: string): ExternalRemediationConfig {
  const raw = reader.section(value, path, ['enabled', 'releaseTaint']);
  const taint = reader.section(raw.releaseTaint, `${path}.releaseTaint`, ['key', 'value', 'effect']);
  const effect = reader.string(taint, 'effect', `${path}.releaseTaint`) ?? 'NoSchedule';
  if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
    reader.problems.push(
      `${path}.releaseTaint.effect must be one of ${TAINT_EFFECTS.join(', ')}, got ${JSON.stringify(effect)}`,
    );
  }
  return {
    enabled: reader.bool(raw, 'enabled', path) ?? true,
    releaseTaint: {
      key: reader.string(taint, 'key', `${path}.releaseTaint`) ?? 'nvsentinel.dgxc.nvidia.com/ownership-released',
      value: typeof taint.value === 'string' ? taint.value : 'true',
      effect: effect as ExternalRemediationConfig['releaseTaint']['effect'],
    },
  };
}

/**
 * Parse config.yaml text. Throws `NVS_ERR_JANITOR_CONFIG_INVALID` listing every problem at once
 * (unknown keys by full path, wrong types, bad durations and selectors).
 */
export function parseJanitorConfig(text: string, source = 'config.yaml'): JanitorConfig {
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (err) {
    throw new JanitorConfigError(source, `it is not valid YAML (${(err as Error).message})`, { cause: err });
  }
  const reader = new Reader(source);
  const root = reader.section(document, '', [
    'global',
    'nodes',
    'rebootNodeController',
    'terminateNodeController',
    'gpuResetController',
    'externalRemediationController',
  ]);
  const global = reader.section(root.global, 'global', ['timeout', 'manualMode', 'nodes', ...CSP_KEYS]);
  // The chart renders `nodes.exclusions` at the top level; older files put it under `global`.
  const globalNodes = reader.section(global.nodes, 'global.nodes', ['exclusions']);
  const topNodes = reader.section(root.nodes, 'nodes', ['exclusions']);
  const globals: Globals = {
    ...cspSettings(reader, global, 'global', {}),
    timeoutMs: reader.duration(global, 'timeout', 'global') ?? DEFAULT_TIMEOUT_MS,
    manualMode: reader.bool(global, 'manualMode', 'global') ?? false,
    exclusions: [
      ...reader.selectors(globalNodes.exclusions, 'global.nodes.exclusions'),
      ...reader.selectors(topNodes.exclusions, 'nodes.exclusions'),
    ],
  };
  const reboot = reader.section(root.rebootNodeController, 'rebootNodeController', CONTROLLER_KEYS);
  const terminate = reader.section(root.terminateNodeController, 'terminateNodeController', CONTROLLER_KEYS);
  const gpu = reader.section(root.gpuResetController, 'gpuResetController', [
    ...CONTROLLER_KEYS,
    'mock',
    'serviceManager',
    'resetJob',
  ]);
  const config: JanitorConfig = {
    rebootNode: controller(reader, reboot, 'rebootNodeController', globals),
    terminateNode: controller(reader, terminate, 'terminateNodeController', globals),
    gpuReset: {
      ...controller(reader, gpu, 'gpuResetController', globals),
      mock: reader.bool(gpu, 'mock', 'gpuResetController') ?? false,
      serviceManager: serviceManager(reader, gpu.serviceManager, 'gpuResetController.serviceManager'),
      resetJob: resetJob(reader, gpu.resetJob, 'gpuResetController.resetJob'),
    },
    externalRemediation: externalRemediation(
      reader,
      root.externalRemediationController,
      'externalRemediationController',
    ),
  };
  if (reader.problems.length) throw new JanitorConfigError(source, reader.problems.join('; '));
  return config;
}

/** The configuration of an empty file: every controller enabled, upstream's defaults. */
export function defaultJanitorConfig(): JanitorConfig {
  return parseJanitorConfig('');
}
