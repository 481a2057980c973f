/**
 * Flags and environment variables of the fault-remediation process, with upstream's flag names
 * (`--config-path`, `--dry-run`, `--leader-elect`, `--leader-elect-namespace`,
 * `--enable-log-collector`) and env names (`LOG_COLLECTOR_MANIFEST_PATH`, `LOG_COLLECTOR_TIMEOUT`).
 * The entry point supplies metrics port, kubeconfig, datastore certificates and namespace.
 */
import { defineConfigSchema, setting, kubeRateSettings } from '@nvsentinel/service-kit';

export const settingsSchema = defineConfigSchema({
  configPath: setting.string({
    env: 'CONFIG_PATH',
    flag: 'config-path',
    default: '/etc/config/config.toml',
    doc: 'fault-remediation TOML configuration (upstream format)',
  }),
  dryRun: setting.bool({
    env: 'DRY_RUN',
    flag: 'dry-run',
    default: false,
    doc: 'Create maintenance CRs with dryRun=All (nothing is created); statuses and labels are still written',
  }),
  leaderElect: setting.bool({
    env: 'LEADER_ELECT',
    flag: 'leader-elect',
    default: false,
    doc: 'Only the replica holding the Lease acts (chart: true)',
  }),
  leaderElectNamespace: setting.string({
    env: 'LEADER_ELECT_NAMESPACE',
    flag: 'leader-elect-namespace',
    doc: 'Namespace of the leader Lease; the service namespace when unset',
  }),
  leaderElectId: setting.string({
    env: 'LEADER_ELECT_ID',
    flag: 'leader-elect-id',
    default: 'fault-remediation-leader',
    doc: 'Name of the leader Lease',
  }),
  leaseDuration: setting.duration({
    env: 'LEADER_ELECT_LEASE_DURATION',
    flag: 'leader-elect-lease-duration',
    default: '15s',
    minMs: 1000,
    doc: 'A leader not renewed for this long may be replaced',
  }),
  renewDeadline: setting.duration({
    env: 'LEADER_ELECT_RENEW_DEADLINE',
    flag: 'leader-elect-renew-deadline',
    default: '10s',
    minMs: 100,
    doc: 'The leader stops acting when it could not renew for this long',
  }),
  retryPeriod: setting.duration({
    env: 'LEADER_ELECT_RETRY_PERIOD',
    flag: 'leader-elect-retry-period',
    default: '2s',
    minMs: 10,
    doc: 'Pause between leader election attempts',
  }),
  enableLogCollector: setting.bool({
    env: 'ENABLE_LOG_COLLECTOR',
    flag: 'enable-log-collector',
    default: false,
    doc: 'Run the log-collector Job before each remediation',
  }),
  logCollectorManifestPath: setting.string({
    env: 'LOG_COLLECTOR_MANIFEST_PATH',
    flag: 'log-collector-manifest-path',
    doc: 'Job manifest; <template.mountPath>/log-collector-job.yaml when unset',
  }),
  logCollectorTimeout: setting.duration({
    env: 'LOG_COLLECTOR_TIMEOUT',
    flag: 'log-collector-timeout',
    default: '10m',
    minMs: 1,
    doc: 'Remediation goes on after this long even if the Job has not finished',
  }),
  workers: setting.int({
    env: 'REMEDIATION_WORKERS',
    flag: 'workers',
    min: 1,
    max: 1024,
    default: 16,
    doc: 'Nodes remediated in parallel (events of one node stay in order; upstream: 1)',
  }),
  ...kubeRateSettings(),
  inProgressRequeue: setting.duration({
    env: 'IN_PROGRESS_REQUEUE',
    flag: 'in-progress-requeue',
    default: '30s',
    minMs: 10,
    doc: 'How often an event held behind an in-progress CR looks again',
  }),
  coldStartBatchSize: setting.int({
    env: 'COLD_START_BATCH_SIZE',
    flag: 'cold-start-batch-size',
    min: 1,
    default: 1000,
    doc: 'Events per datastore page in the cold-start scan',
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
    doc: 'Skip the stored resume token and the cold-start scan',
  }),
});
