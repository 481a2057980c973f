/**
 * Flags and environment variables of node-drainer (upstream's flag names where they exist). The
 * settings every service shares (metrics port, kubeconfig, namespace, datastore certificates) come
 * from service-kit's common settings.
 */
import { defineConfigSchema, setting, kubeRateSettings } from '@nvsentinel/service-kit';

export const settingsSchema = defineConfigSchema({
  configPath: setting.string({
    env: 'CONFIG_PATH',
    flag: 'config-path',
    default: '/etc/config/config.toml',
    doc: 'node-drainer TOML configuration (upstream format)',
  }),
  dryRun: setting.bool({
    env: 'DRY_RUN',
    flag: 'dry-run',
    default: false,
    doc: 'Evictions and deletes are sent with dryRun=All; statuses and labels are still written',
  }),
  workers: setting.int({
    env: 'DRAIN_WORKERS',
    flag: 'workers',
    min: 1,
    max: 256,
    default: 4,
    doc: 'Nodes drained in parallel (upstream: 1)',
  }),
  ...kubeRateSettings(),
  pollInterval: setting.duration({
    env: 'DRAIN_POLL_INTERVAL',
    flag: 'poll-interval',
    default: '10s',
    minMs: 10,
    doc: 'How often a waiting drain (AllowCompletion, DeleteAfterTimeout) looks again',
  }),
  podWatch: setting.bool({
    env: 'DRAIN_POD_WATCH',
    flag: 'pod-watch',
    default: true,
    doc: 'Watch the pods of nodes where a drain waits and finish it as soon as they end (off: only the polls notice)',
  }),
  verifyInterval: setting.duration({
    env: 'DRAIN_VERIFY_INTERVAL',
    flag: 'verify-interval',
    default: '2s',
    minMs: 10,
    doc: 'How soon after evictions a drain checks the pods are gone',
  }),
  retryBase: setting.duration({
    env: 'DRAIN_RETRY_BASE',
    flag: 'retry-base',
    default: '10s',
    minMs: 1,
    doc: 'First wait after a failed or PDB-blocked attempt; doubles per failure',
  }),
  retryMax: setting.duration({
    env: 'DRAIN_RETRY_MAX',
    flag: 'retry-max',
    default: '2m',
    minMs: 1,
    doc: 'Longest wait between attempts of one drain',
  }),
  coldStartBatchSize: setting.int({
    env: 'COLD_START_BATCH_SIZE',
    flag: 'cold-start-batch-size',
    min: 1,
    default: 1000,
    doc: 'Events per datastore page when resuming in-flight drains',
  }),
  resumeControl: setting.bool({
    env: 'RESUME_CONTROL',
    flag: 'resume-control',
    default: true,
    doc: 'Honour the resume-control ConfigMap (CREATE = skip the backlog, cold-start cut-off)',
  }),
  startFresh: setting.bool({
    env: 'START_FRESH',
    flag: 'start-fresh',
    default: false,
    doc: 'Skip the stored resume token and the cold-start scan (upstream resume-control CREATE)',
  }),
});
