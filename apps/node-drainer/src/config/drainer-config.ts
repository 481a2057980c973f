/**
 * node-drainer's TOML configuration, in upstream's format (the Helm chart renders the same file),
 * so an existing `config.toml` works unchanged:
 *
 *     evictionTimeoutInSeconds = "60"
 *     systemNamespaces = "^(nvsentinel|kube-system|gpu-operator)$"
 *     deleteAfterTimeoutMinutes = 60
 *     notReadyTimeoutMinutes = 5
 *     partialDrainEnabled = false
 *     drainGPUPods = false
 *     [[userNamespaces]]
 *     name = "*"
 *     mode = "AllowCompletion"
 */
import { parse as parseToml } from 'smol-toml';
import { compileNamespaceGlob, isGlob } from './namespace-glob.js';
import { DrainConfigError } from '../errors.js';

export const EvictionMode = {
  Immediate: 'Immediate',
  AllowCompletion: 'AllowCompletion',
  DeleteAfterTimeout: 'DeleteAfterTimeout',
} as const;
export type EvictionMode = (typeof EvictionMode)[keyof typeof EvictionMode];
const EVICTION_MODES = Object.values(EvictionMode) as string[];

export interface NamespaceRule {
  /** The pattern as written (`*`, `team-?`, `inference`). */
  name: string;
  mode: EvictionMode;
  matcher: RegExp;
  exact: boolean;
}

export interface DrainerConfig {
  /** Grace period passed to the Eviction API in Immediate mode, seconds. */
  evictionTimeoutSeconds: number;
  /** Namespaces matching this are never drained. */
  systemNamespaces: RegExp;
  deleteAfterTimeoutMinutes: number;
  /** Pods NotReady for longer than this are treated as already gone. */
  notReadyTimeoutMinutes: number;
  /** Only pods carrying the device annotation (`dgxc.nvidia.com/devices`) are drained. */
  drainGPUPods: boolean;
  /** COMPONENT_RESET events with a GPU_UUID entity drain only the pods using that GPU. */
  partialDrainEnabled: boolean;
  userNamespaces: NamespaceRule[];
}

/** Upstream's chart defaults, used for keys the file omits. */
export const DEFAULT_DRAINER_CONFIG_TOML = `
evictionTimeoutInSeconds = "60"
systemNamespaces = "^(nvsentinel|kube-system|gpu-operator|gmp-system|network-operator|skyhook)$"
deleteAfterTimeoutMinutes = 60
notReadyTimeoutMinutes = 5
partialDrainEnabled = false
drainGPUPods = false

[[userNamespaces]]
name = "*"
mode = "AllowCompletion"
`;

const KNOWN_KEYS = new Set([
  'evictionTimeoutInSeconds',
  'systemNamespaces',
  'deleteAfterTimeoutMinutes',
  'notReadyTimeoutMinutes',
  'drainGPUPods',
  'partialDrainEnabled',
  'userNamespaces',
  'customDrain',
]);

/**
 * Parses and validates the TOML text. Every problem is collected and reported at once in a
 * DrainConfigError whose message lists them with the fix, so an operator fixes the file in one go.
 */
export function parseDrainerConfig(text: string, source = 'config.toml'): DrainerConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new DrainConfigError(source, `not valid TOML: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown key '${key}' (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const customDrain = raw.customDrain as Record<string, unknown> | undefined;
  if (customDrain && customDrain.enabled === true) {
    problems.push(
      '[customDrain] enabled = true is not supported by this node-drainer; set enabled = false and describe the policy with [[userNamespaces]]',
    );
  }

  const evictionTimeoutSeconds = nonNegativeInteger(
    raw.evictionTimeoutInSeconds ?? '60',
    'evictionTimeoutInSeconds',
    problems,
  );
  const deleteAfterTimeoutMinutes = nonNegativeInteger(
    raw.deleteAfterTimeoutMinutes ?? 60,
    'deleteAfterTimeoutMinutes',
    problems,
  );
  const notReadyTimeoutMinutes = nonNegativeInteger(
    raw.notReadyTimeoutMinutes ?? 5,
    'notReadyTimeoutMinutes',
    problems,
  );
  const drainGPUPods = bool(raw.drainGPUPods ?? false, 'drainGPUPods', problems);
  const partialDrainEnabled = bool(raw.partialDrainEnabled ?? false, 'partialDrainEnabled', problems);

  let systemNamespaces = /^$/;
  const systemText =
    raw.systemNamespaces ?? '^(nvsentinel|kube-system|gpu-operator|gmp-system|network-operator|skyhook)$';
  if (typeof systemText !== 'string')
    problems.push(`systemNamespaces must be a regular expression string, got ${describe(systemText)}`);
  else {
    try {
      systemNamespaces = new RegExp(systemText);
    } catch (err) {
      problems.push(`systemNamespaces '${systemText}' is not a valid regular expression: ${(err as Error).message}`);
    }
  }

  const userNamespaces: NamespaceRule[] = [];
  const rules = raw.userNamespaces ?? [{ name: '*', mode: EvictionMode.AllowCompletion }];
  if (!Array.isArray(rules))
    problems.push('userNamespaces must be an array of tables: write [[userNamespaces]] with name and mode');
  else {
    rules.forEach((rule: unknown, index) => {
      const where = `userNamespaces[${index}]`;
      if (typeof rule !== 'object' || rule === null)
        return void problems.push(`${where} must be a table with name and mode`);
      const { name, mode } = rule as { name?: unknown; mode?: unknown };
      if (typeof name !== 'string' || name === '')
        return void problems.push(`${where}.name must be a non-empty namespace name or glob such as "*"`);
      if (typeof mode !== 'string' || !EVICTION_MODES.includes(mode)) {
        return void problems.push(`${where}.mode must be one of ${EVICTION_MODES.join(', ')}, got ${describe(mode)}`);
      }
      try {
        userNamespaces.push({
          name,
          mode: mode as EvictionMode,
          matcher: compileNamespaceGlob(name),
          exact: !isGlob(name),
        });
      } catch (err) {
        problems.push(`${where}.name: ${(err as Error).message}`);
      }
    });
  }

  if (problems.length > 0) throw new DrainConfigError(source, problems.join('; '));
  return {
    evictionTimeoutSeconds,
    systemNamespaces,
    deleteAfterTimeoutMinutes,
    notReadyTimeoutMinutes,
    drainGPUPods,
    partialDrainEnabled,
    userNamespaces,
  };
}

/**
 * The eviction mode for a namespace: undefined for system namespaces and namespaces no rule
 * covers (their pods are left alone). An exact name beats a glob; among globs the first wins.
 */
export function modeForNamespace(config: DrainerConfig, namespace: string): EvictionMode | undefined {
  if (config.systemNamespaces.test(namespace)) return undefined;
  const exact = config.userNamespaces.find((rule) => rule.exact && rule.name === namespace);
  if (exact) return exact.mode;
  return config.userNamespaces.find((rule) => rule.matcher.test(namespace))?.mode;
}

// The chart writes evictionTimeoutInSeconds as a string ("60"), other integers as numbers; accept both.
function nonNegativeInteger(value: unknown, key: string, problems: string[]): number {
  const n =
    typeof value === 'string' && /^\s*\d+\s*$/.test(value)
      ? Number(value)
      : typeof value === 'bigint'
        ? Number(value)
        : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  problems.push(`${key} must be a whole number ≥ 0 (a number or a string of digits), got ${describe(value)}`);
  return 0;
}

function bool(value: unknown, key: string, problems: string[]): boolean {
  if (typeof value === 'boolean') return value;
  problems.push(`${key} must be true or false, got ${describe(value)}`);
  return false;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
