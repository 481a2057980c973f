/**
 * csp-health-monitor's TOML configuration in upstream's format (the chart renders the same
 * `config.toml` for both containers), so an existing file works unchanged:
 *
 *     maintenanceEventPollIntervalSeconds = 60
 *     triggerQuarantineWorkflowTimeLimitMinutes = 30
 *     postMaintenanceHealthyDelayMinutes = 15
 *     nodeReadinessTimeoutMinutes = 60
 *     clusterName = "prod-a"
 *     [gcp]
 *     enabled = true
 *     targetProjectId = "my-project"
 *     apiPollingIntervalSeconds = 60
 *     logFilter = 'protoPayload.methodName="compute.instances.upcomingMaintenance"'
 *     [aws]
 *     enabled = false
 *
 * `[sim]` is ours: maintenance windows scheduled by `scheduleSimMaintenance` for the local stack.
 * At most one CSP may be enabled (upstream's rule); every problem is reported at once.
 *
 * Also ours, for runs where a maintenance window lasts seconds (the local stack, end-to-end tests):
 * each minute key has a `…Seconds` twin that replaces it (setting both is an error), and
 * `[testing] allowShortPollInterval = true` lets `maintenanceEventPollIntervalSeconds` go below
 * upstream's minimum of 10 s (down to 1 s) — only when asked, so a production file keeps the minimum:
 *
 *     triggerQuarantineWorkflowTimeLimitSeconds = 60
 *     postMaintenanceHealthyDelaySeconds = 2
 *     nodeReadinessTimeoutSeconds = 60
 *     maintenanceEventPollIntervalSeconds = 1
 *     [testing]
 *     allowShortPollInterval = true
 *
 * The services use the resolved `…Ms` durations; the minute fields keep what upstream's keys say.
 */
import { parse as parseToml } from 'smol-toml';
import { CspConfigError } from '../errors.js';

export type CspName = 'gcp' | 'aws' | 'sim';

export interface GcpConfig {
  targetProjectId: string;
  apiPollingIntervalSeconds: number;
  gcpServiceAccountName: string;
  logFilter: string;
  /** `host:port` or `http(s)://host:port` of a Cloud Logging REST endpoint (tests, mocks). */
  endpointOverride: string;
}

export interface AwsConfig {
  accountId: string;
  pollingIntervalSeconds: number;
  region: string;
  endpointOverride: string;
}

export interface SimConfig {
  pollingIntervalSeconds: number;
  /** ConfigMap holding the scheduled windows (namespace: the service's). */
  configMapName: string;
}

export interface CspConfig {
  maintenanceEventPollIntervalSeconds: number;
  triggerQuarantineWorkflowTimeLimitMinutes: number;
  postMaintenanceHealthyDelayMinutes: number;
  nodeReadinessTimeoutMinutes: number;
  /** The durations in effect: the `…Seconds` override when set, else upstream's key. */
  maintenanceEventPollIntervalMs: number;
  triggerQuarantineWorkflowTimeLimitMs: number;
  postMaintenanceHealthyDelayMs: number;
  nodeReadinessTimeoutMs: number;
  /** `[testing] allowShortPollInterval`: the poll interval may be below upstream's 10 s minimum. */
  shortPollIntervalAllowed: boolean;
  clusterName: string;
  kubeconfigPath: string;
  /** The enabled CSP, or undefined when none is (the notifier still runs; the monitor idles). */
  csp: CspName | undefined;
  gcp: GcpConfig;
  aws: AwsConfig;
  sim: SimConfig;
}

export const DEFAULT_SIM_CONFIGMAP = 'nvsentinel-sim-maintenance';

const TOP_KEYS = new Set([
  'maintenanceEventPollIntervalSeconds',
  'triggerQuarantineWorkflowTimeLimitMinutes',
  'postMaintenanceHealthyDelayMinutes',
  'nodeReadinessTimeoutMinutes',
  'triggerQuarantineWorkflowTimeLimitSeconds',
  'postMaintenanceHealthyDelaySeconds',
  'nodeReadinessTimeoutSeconds',
  'testing',
  'clusterName',
  'kubeconfigPath',
  'gcp',
  'aws',
  'sim',
  'lambda',
]);

/** Parses and validates the TOML text; throws CspConfigError listing every problem. */
export function parseCspConfig(text: string, source = 'config.toml'): CspConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new CspConfigError(source, `not valid TOML (${(err as Error).message})`);
  }
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!TOP_KEYS.has(key)) problems.push(`unknown key '${key}'`);
  const reader = new Reader(raw, '', problems);
  const gcpRaw = reader.table('gcp');
  const awsRaw = reader.table('aws');
  const simRaw = reader.table('sim');
  const lambdaRaw = reader.table('lambda');
  const testing = new Reader(reader.table('testing'), 'testing.', problems);
  for (const key of Object.keys(testing.keys()))
    if (key !== 'allowShortPollInterval') problems.push(`unknown key 'testing.${key}'`);
  const shortPollIntervalAllowed = testing.bool('allowShortPollInterval', false);
  const gcp = new Reader(gcpRaw, 'gcp.', problems);
  const aws = new Reader(awsRaw, 'aws.', problems);
  const sim = new Reader(simRaw, 'sim.', problems);
  const enabled: CspName[] = [];
  if (gcp.bool('enabled', false)) enabled.push('gcp');
  if (aws.bool('enabled', false)) enabled.push('aws');
  if (sim.bool('enabled', false)) enabled.push('sim');
  if (new Reader(lambdaRaw, 'lambda.', problems).bool('enabled', false)) {
    problems.push('lambda.enabled: the Lambda CSP is not implemented here; disable it or enable gcp, aws or sim');
  }
  if (enabled.length > 1) problems.push(`at most one CSP may be enabled, found ${enabled.join(', ')}; keep one`);
  const csp = enabled.length === 1 ? enabled[0] : undefined;

  const pollIntervalSeconds = reader.int(
    'maintenanceEventPollIntervalSeconds',
    60,
    shortPollIntervalAllowed ? 1 : 10,
    shortPollIntervalAllowed ? '' : ' (below that only with [testing] allowShortPollInterval = true, for tests)',
  );
  const quarantineLead = reader.minutesOrSeconds('triggerQuarantineWorkflowTimeLimit', 30);
  const healthyDelay = reader.minutesOrSeconds('postMaintenanceHealthyDelay', 15);
  const readinessTimeout = reader.minutesOrSeconds('nodeReadinessTimeout', 60);
  const config: CspConfig = {
    maintenanceEventPollIntervalSeconds: pollIntervalSeconds,
    triggerQuarantineWorkflowTimeLimitMinutes: quarantineLead.minutes,
    postMaintenanceHealthyDelayMinutes: healthyDelay.minutes,
    nodeReadinessTimeoutMinutes: readinessTimeout.minutes,
    maintenanceEventPollIntervalMs: pollIntervalSeconds * 1000,
    triggerQuarantineWorkflowTimeLimitMs: quarantineLead.ms,
    postMaintenanceHealthyDelayMs: healthyDelay.ms,
    nodeReadinessTimeoutMs: readinessTimeout.ms,
    shortPollIntervalAllowed,
    clusterName: reader.string('clusterName', ''),
    kubeconfigPath: reader.string('kubeconfigPath', ''),
    csp,
    gcp: {
      targetProjectId: gcp.string('targetProjectId', ''),
      // The minimum applies only to the enabled CSP, as upstream.
      apiPollingIntervalSeconds: gcp.int('apiPollingIntervalSeconds', 60, csp === 'gcp' ? 30 : 1),
      gcpServiceAccountName: gcp.string('gcpServiceAccountName', ''),
      logFilter: gcp.string('logFilter', ''),
      endpointOverride: gcp.string('endpointOverride', ''),
    },
    aws: {
      accountId: aws.string('accountId', ''),
      pollingIntervalSeconds: aws.int('pollingIntervalSeconds', 60, csp === 'aws' ? 30 : 1),
      region: aws.string('region', ''),
      endpointOverride: aws.string('endpointOverride', ''),
    },
    sim: {
      pollingIntervalSeconds: sim.int('pollingIntervalSeconds', 5, 1),
      configMapName: sim.string('configMapName', DEFAULT_SIM_CONFIGMAP),
    },
  };
  if (config.clusterName === '') problems.push('clusterName is required (the name stored on every maintenance event)');
  if (csp === 'gcp') {
    if (config.gcp.targetProjectId === '') problems.push('gcp.targetProjectId is required when gcp is enabled');
    if (config.gcp.logFilter === '') {
      problems.push(
        'gcp.logFilter is required when gcp is enabled, e.g. protoPayload.methodName="compute.instances.upcomingMaintenance"',
      );
    }
  }
  if (csp === 'aws' && config.aws.region === '')
    problems.push('aws.region is required when aws is enabled, e.g. "us-east-1"');
  if (problems.length > 0) throw new CspConfigError(source, problems.join('; '));
  return config;
}

/** Reads typed keys of one table, recording a problem (with the dotted key) instead of throwing. */
class Reader {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly prefix: string,
    private readonly problems: string[],
  ) {}

  keys(): Record<string, unknown> {
    return this.raw;
  }

  /**
   * Upstream's `<name>Minutes` key or our `<name>Seconds` twin (at least 1 s), never both. The
   * minutes value is upstream's key (its default when only seconds are given).
   */
  minutesOrSeconds(name: string, defaultMinutes: number): { minutes: number; ms: number } {
    const minutesKey = `${name}Minutes`;
    const secondsKey = `${name}Seconds`;
    const minutes = this.int(minutesKey, defaultMinutes, 1);
    if (this.raw[secondsKey] === undefined) return { minutes, ms: minutes * 60_000 };
    if (this.raw[minutesKey] !== undefined) {
      this.problems.push(
        `${this.prefix}${minutesKey} and ${this.prefix}${secondsKey} are both set; keep one (${secondsKey} replaces ${minutesKey})`,
      );
    }
    return { minutes, ms: this.int(secondsKey, defaultMinutes * 60, 1) * 1000 };
  }

  table(key: string): Record<string, unknown> {
    const value = this.raw[key];
    if (value === undefined) return {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    this.problems.push(`${this.prefix}${key} must be a table ([${key}])`);
    return {};
  }

  string(key: string, fallback: string): string {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (typeof value === 'string') return value;
    this.problems.push(`${this.prefix}${key} must be a string, got ${JSON.stringify(value)}`);
    return fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.problems.push(`${this.prefix}${key} must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  }

  /** Integers may be written as numbers or numeric strings (the chart quotes some values). */
  int(key: string, fallback: number, min: number, belowMinimumHint = ''): number {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      this.problems.push(`${this.prefix}${key} must be an integer, got ${JSON.stringify(value)}`);
      return fallback;
    }
    if (n < min) {
      this.problems.push(`${this.prefix}${key} must be at least ${min}, got ${n}${belowMinimumHint}`);
      return fallback;
    }
    return n;
  }
}
