/**
 * Flags and environment variables of fault-quarantine (upstream's flag names). The settings every
 * service shares (metrics port, kubeconfig, namespace, datastore certificates) come from
 * service-kit's common settings.
 */
import { defineConfigSchema, setting, kubeRateSettings } from '@nvsentinel/service-kit';
import { DEFAULT_GPU_NODE_LABEL } from '../service.js';

export const CHART_CONFIG_PATH = '/etc/config/config.toml';

export const settingsSchema = defineConfigSchema({
  configPath: setting.string({
    env: 'CONFIG_PATH',
    flag: 'config-path',
    doc: `Rule-set TOML (upstream format); unset: ${CHART_CONFIG_PATH} when it exists, else the shipped default rule sets`,
  }),
  dryRun: setting.bool({
    env: 'DRY_RUN',
    flag: 'dry-run',
    default: false,
    doc: 'Decide and write statuses back, but change nothing in the cluster',
  }),
  circuitBreakerEnabled: setting.bool({
    env: 'CIRCUIT_BREAKER_ENABLED',
    flag: 'circuit-breaker-enabled',
    default: true,
    doc: 'Stop quarantining when too many GPU nodes are cordoned',
  }),
  gpuNodeLabel: setting.string({
    env: 'GPU_NODE_LABEL',
    flag: 'gpu-node-label',
    default: DEFAULT_GPU_NODE_LABEL,
    doc: 'Label selector of the GPU nodes FQ manages and the breaker counts',
  }),
  workers: setting.int({
    env: 'WORKERS',
    flag: 'workers',
    min: 1,
    max: 1024,
    default: 16,
    doc: 'Nodes handled in parallel; events of one node stay in order',
  }),
  maxInFlight: setting.int({
    env: 'MAX_IN_FLIGHT',
    flag: 'max-in-flight',
    min: 1,
    default: 1000,
    doc: 'Events pulled but not finished before pulling pauses',
  }),
  ...kubeRateSettings(),
  coldStartWindow: setting.duration({
    env: 'COLD_START_WINDOW',
    flag: 'cold-start-window',
    default: '24h',
    minMs: 0,
    doc: 'On start, events stored this recently that were never quarantine-checked are handled first (0 = no scan)',
  }),
});
