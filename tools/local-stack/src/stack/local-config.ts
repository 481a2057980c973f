/**
 * The configuration files the local stack runs the services with. They are the services' own
 * formats (upstream's TOML), read from files so the separate-process mode and the in-process mode
 * use exactly the same settings.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { DEFAULT_CONFIG_PATH } from '@nvsentinel/fault-quarantine';
import { parseDrainerConfig, type DrainerConfig } from '@nvsentinel/node-drainer';

/** Outside src/ so the same relative path works from src/ (tests) and dist/ (npm start). */
export const NODE_DRAINER_CONFIG_PATH = fileURLToPath(new URL('../../config/node-drainer.toml', import.meta.url));

/** fault-quarantine runs with its shipped defaults: upstream's chart rule sets and circuit breaker. */
export const FAULT_QUARANTINE_CONFIG_PATH = DEFAULT_CONFIG_PATH;

/** Namespace of NVSentinel's own objects (circuit-breaker ConfigMap, resume control). */
export const NVSENTINEL_NAMESPACE = 'nvsentinel';

export function loadNodeDrainerConfig(path = NODE_DRAINER_CONFIG_PATH): DrainerConfig {
  return parseDrainerConfig(readFileSync(path, 'utf8'), path);
}

/** The configuration files written for one run of the stack (they name paths and ports of this run). */
export interface StackConfigFiles {
  faultQuarantine: string;
  faultRemediation: string;
  janitor: string;
  cspHealthMonitor: string;
  /** Unix socket of janitor's CSP provider server. */
  janitorProviderSocket: string;
}

export function writeStackConfigs(
  home: string,
  overrides: { cspHealthMonitorConfigPath?: string } = {},
): StackConfigFiles {
  mkdirSync(home, { recursive: true });
  const janitorProviderSocket = join(home, 'janitor-provider.sock');
  return {
    janitorProviderSocket,
    faultQuarantine: writeConfig(
      home,
      'fault-quarantine.toml',
      `${readFileSync(FAULT_QUARANTINE_CONFIG_PATH, 'utf8')}${ANALYZER_RULE_SET}`,
    ),
    faultRemediation: writeFaultRemediationConfig(home),
    janitor: writeConfig(home, 'janitor.yaml', janitorConfig(`unix://${janitorProviderSocket}`)),
    cspHealthMonitor: writeConfig(
      home,
      'csp-health-monitor.toml',
      readFileSync(overrides.cspHealthMonitorConfigPath ?? CSP_HEALTH_MONITOR_CONFIG_PATH, 'utf8'),
    ),
  };
}

/**
 * fault-quarantine's chart defaults plus one rule set: the analyzer's fatal findings (repeated
 * XIDs, repeated remediations) quarantine the node. Upstream's chart has no such rule set — its
 * analyzer findings only become node conditions — so the local stack adds it to show the path
 * a platform team would enable.
 */
const ANALYZER_RULE_SET = `
# Added by npm start: quarantine on the health-events analyzer's fatal findings.
[[rule-sets]]
version = "1"
name = "Health events analyzer fatal finding ruleset"
enabled = true
priority = 0
  [[rule-sets.match.all]]
  kind = "HealthEvent"
  expression = "event.agent == 'health-events-analyzer' && event.isFatal == true"
  [rule-sets.cordon]
  shouldCordon = true
`;

/** csp-health-monitor and its notifier with the `sim` CSP and demo-sized delays (see the file). */
const CSP_HEALTH_MONITOR_CONFIG_PATH = fileURLToPath(new URL('../../config/csp-health-monitor.toml', import.meta.url));

/**
 * janitor in upstream's config.yaml format: every controller on, reaching the `sim` provider
 * server of this stack without TLS (the chart uses cert-manager certificates), and timeouts sized
 * for a simulated reboot of seconds rather than a real one of minutes.
 */
function janitorConfig(providerAddress: string): string {
  return [
    '# Written by npm start: janitor controllers of the local stack (upstream config.yaml format).',
    'global:',
    '  timeout: 5m',
    '  manualMode: false',
    `  cspProviderHost: "${providerAddress}"`,
    '  cspProviderInsecure: true',
    'rebootNodeController:',
    '  enabled: true',
    'terminateNodeController:',
    '  enabled: true',
    'gpuResetController:',
    '  enabled: true',
    '',
  ].join('\n');
}

function writeConfig(home: string, file: string, text: string): string {
  const path = join(home, file);
  writeFileSync(path, text);
  return path;
}

/**
 * fault-remediation runs with its shipped chart defaults (upstream's action map and templates).
 * Only the template folder differs: in a pod the ConfigMap is mounted at /etc/config, here the
 * templates are read from the package, so the stack writes a copy of the config that says where.
 */
function writeFaultRemediationConfig(home: string): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('@nvsentinel/fault-remediation/package.json'));
  const config = parseToml(readFileSync(join(packageDir, 'config', 'config.toml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  config['template'] = { ...config['template'], mountPath: join(packageDir, 'config', 'templates') };
  const path = join(home, 'fault-remediation.toml');
  writeFileSync(
    path,
    `# Written by npm start from apps/fault-remediation/config/config.toml (template.mountPath changed).\n${stringifyToml(config)}\n`,
  );
  return path;
}
