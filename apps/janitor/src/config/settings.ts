/**
 * Flags and environment variables of the janitor process, with upstream's flag names
 * (`janitor/main.go`, kubebuilder's scaffold for the webhook certificate flags). The entry point
 * adds metrics-port, kubeconfig and namespace.
 */
import { defineConfigSchema, setting, kubeRateSettings } from '@nvsentinel/service-kit';

export const settingsSchema = defineConfigSchema({
  configPath: setting.string({
    env: 'JANITOR_CONFIG',
    flag: 'config',
    default: '/etc/nvsentinel/janitor/config.yaml',
    doc: 'janitor config.yaml (upstream format)',
  }),
  leaderElect: setting.bool({
    env: 'LEADER_ELECT',
    flag: 'leader-elect',
    default: false,
    doc: 'Only the replica holding the leader Lease runs the controllers',
  }),
  leaseDuration: setting.duration({
    env: 'LEADER_ELECTION_LEASE_DURATION',
    flag: 'lease-duration',
    default: '90s',
    minMs: 1,
    doc: 'How long a leader Lease is valid without renewal',
  }),
  renewDeadline: setting.duration({
    env: 'LEADER_ELECTION_RENEW_DEADLINE',
    flag: 'renew-deadline',
    default: '60s',
    minMs: 1,
    doc: 'A leader that could not renew for this long stops its controllers',
  }),
  retryPeriod: setting.duration({
    env: 'LEADER_ELECTION_RETRY_PERIOD',
    flag: 'retry-period',
    default: '5s',
    minMs: 1,
    doc: 'Pause between leader election attempts and renewals',
  }),
  leaderElectionId: setting.string({
    env: 'LEADER_ELECTION_ID',
    flag: 'leader-election-id',
    default: 'janitor.dgxc.nvidia.com',
    doc: 'Name of the leader Lease',
  }),
  enableTtl: setting.bool({
    env: 'ENABLE_TTL',
    flag: 'enable-ttl',
    default: true,
    doc: 'Delete completed maintenance CRs once their TTL (nvsentinel.nvidia.com/ttl) has passed',
  }),
  defaultTtl: setting.duration({
    env: 'DEFAULT_TTL',
    flag: 'default-ttl',
    default: '336h',
    minMs: 1,
    doc: 'TTL of completed CRs without a ttl annotation',
  }),
  ttlInterval: setting.duration({
    env: 'TTL_INTERVAL',
    flag: 'ttl-interval',
    default: '1m',
    minMs: 10,
    doc: 'How often the TTL collector looks for expired CRs',
  }),
  enableWebhook: setting.bool({
    env: 'ENABLE_WEBHOOKS',
    flag: 'enable-webhook',
    default: true,
    doc: 'Serve the validating admission webhook',
  }),
  webhookPort: setting.int({
    env: 'WEBHOOK_PORT',
    flag: 'webhook-port',
    min: 0,
    max: 65535,
    default: 9443,
    doc: 'HTTPS port of the admission webhook',
  }),
  webhookCertPath: setting.string({
    env: 'WEBHOOK_CERT_PATH',
    flag: 'webhook-cert-path',
    default: '/tmp/k8s-webhook-server/serving-certs',
    doc: 'Directory holding the webhook serving certificate',
  }),
  webhookCertName: setting.string({
    env: 'WEBHOOK_CERT_NAME',
    flag: 'webhook-cert-name',
    default: 'tls.crt',
    doc: 'Certificate file name in --webhook-cert-path',
  }),
  webhookCertKey: setting.string({
    env: 'WEBHOOK_CERT_KEY',
    flag: 'webhook-cert-key',
    default: 'tls.key',
    doc: 'Key file name in --webhook-cert-path',
  }),
  maxConcurrentReconciles: setting.int({
    env: 'MAX_CONCURRENT_RECONCILES',
    flag: 'max-concurrent-reconciles',
    min: 1,
    max: 1024,
    default: 16,
    doc: 'Reconciles run in parallel per controller (controller-runtime default: 1)',
  }),
  ...kubeRateSettings(),
  cspProviderHost: setting.string({
    env: 'CSP_PROVIDER_HOST',
    flag: 'csp-provider-host',
    doc: 'janitor-provider address (host:port or unix:///path); overrides cspProviderHost of config.yaml (ours)',
  }),
  podName: setting.string({
    env: 'POD_NAME',
    flag: 'pod-name',
    doc: 'This replica’s identity in the leader Lease; the host name when unset',
  }),
});
