/**
 * Environment of the janitor-provider process (upstream's names; ours are marked). The entry point
 * adds metrics-port, kubeconfig and namespace for every service.
 */
import { defineConfigSchema, setting, type ConfigOf, kubeRateSettings } from '@nvsentinel/service-kit';

export const CSP_NAMES = ['kind', 'generic', 'sim', 'aws', 'gcp', 'azure', 'oci'] as const;
export type CspName = (typeof CSP_NAMES)[number];

export const settingsSchema = defineConfigSchema({
  port: setting.int({
    env: 'JANITOR_PROVIDER_PORT',
    flag: 'port',
    min: 0,
    max: 65535,
    default: 50051,
    doc: 'gRPC port of CSPProviderService (0 = any free port)',
  }),
  host: setting.string({
    env: 'JANITOR_PROVIDER_HOST',
    flag: 'host',
    default: '0.0.0.0',
    doc: 'Interface the gRPC port listens on, e.g. 127.0.0.1 for a local run (ours)',
  }),
  socket: setting.string({
    env: 'JANITOR_PROVIDER_SOCKET',
    flag: 'socket',
    doc: 'Listen on this Unix socket path instead of host:port; janitor then uses unix://<path> (ours)',
  }),
  csp: setting.enum({
    env: 'CSP',
    flag: 'csp',
    values: CSP_NAMES,
    default: 'kind',
    doc: 'Which provider reboots and terminates nodes (empty = kind, as upstream)',
  }),
  tlsCertPath: setting.string({
    env: 'TLS_CERT_PATH',
    flag: 'tls-cert-path',
    doc: 'Serving certificate (PEM); set with TLS_KEY_PATH, or neither for plaintext',
  }),
  tlsKeyPath: setting.string({
    env: 'TLS_KEY_PATH',
    flag: 'tls-key-path',
    doc: 'Private key of the serving certificate (PEM)',
  }),
  tlsReloadInterval: setting.duration({
    env: 'TLS_RELOAD_INTERVAL',
    flag: 'tls-reload-interval',
    default: '10s',
    minMs: 10,
    doc: 'How often the certificate files are re-read (ours; upstream: certwatcher)',
  }),
  authAudiences: setting.string({
    env: 'AUTH_AUDIENCES',
    flag: 'auth-audiences',
    doc: 'Comma-separated token audiences; when set every call needs a bearer token a TokenReview accepts',
  }),
  authCacheTtl: setting.duration({
    env: 'AUTH_CACHE_TTL',
    flag: 'auth-cache-ttl',
    default: '1m',
    minMs: 0,
    doc: 'How long a TokenReview verdict is reused for the same token (ours)',
  }),
  ...kubeRateSettings({
    qps: 'Kubernetes API requests per second (every call reads its Node; sim also patches it) (ours)',
    burst: 'Kubernetes API request burst (ours)',
  }),
  simRebootDownSeconds: setting.int({
    env: 'SIM_REBOOT_DOWN_SECONDS',
    flag: 'sim-reboot-down-seconds',
    min: 0,
    default: 10,
    doc: 'sim: simulated seconds a rebooted node stays NotReady (ours)',
  }),
  genericRebootJobNamespace: setting.string({
    env: 'GENERIC_REBOOT_JOB_NAMESPACE',
    flag: 'generic-reboot-job-namespace',
    doc: "generic/kind: namespace of reboot Jobs (default: janitor-provider's namespace)",
  }),
  genericRebootImage: setting.string({
    env: 'GENERIC_REBOOT_IMAGE',
    flag: 'generic-reboot-image',
    default: 'busybox:1.37.0',
    doc: 'generic/kind: image of the reboot Job',
  }),
  genericRebootImagePullSecrets: setting.string({
    env: 'GENERIC_REBOOT_IMAGE_PULL_SECRETS',
    flag: 'generic-reboot-image-pull-secrets',
    doc: 'generic/kind: comma-separated image pull secrets of the reboot Job',
  }),
  genericRebootUseSysrq: setting.bool({
    env: 'GENERIC_REBOOT_USE_SYSRQ',
    flag: 'generic-reboot-use-sysrq',
    default: false,
    doc: "generic/kind: reboot by writing 'b' to /proc/sysrq-trigger instead of chroot /host reboot",
  }),
  genericRebootJobTtl: setting.int({
    env: 'GENERIC_REBOOT_JOB_TTL',
    flag: 'generic-reboot-job-ttl',
    min: 0,
    default: 3600,
    doc: 'generic/kind: ttlSecondsAfterFinished of reboot Jobs',
  }),
  awsRegion: setting.string({
    env: 'AWS_REGION',
    flag: 'aws-region',
    doc: 'aws: EC2 region (default: the zone in the providerID minus its letter)',
  }),
  awsEndpoint: setting.string({
    env: 'AWS_ENDPOINT_URL_EC2',
    flag: 'aws-endpoint',
    doc: 'aws: EC2 endpoint override (AWS SDK standard variable)',
  }),
  gcpEndpoint: setting.string({
    env: 'GCP_COMPUTE_ENDPOINT',
    flag: 'gcp-endpoint',
    doc: 'gcp: Compute API endpoint override, e.g. http://127.0.0.1:8085 (ours)',
  }),
  azureEndpoint: setting.string({
    env: 'AZURE_RESOURCE_MANAGER_ENDPOINT',
    flag: 'azure-endpoint',
    doc: 'azure: ARM endpoint override (ours; default https://management.azure.com)',
  }),
  ociRegion: setting.string({ env: 'OCI_REGION', flag: 'oci-region', doc: 'oci: region of the Compute API' }),
  ociCredentialsFile: setting.string({
    env: 'OCI_CREDENTIALS_FILE',
    flag: 'oci-credentials-file',
    doc: 'oci: API-key config file; instance principals when unset',
  }),
  ociProfile: setting.string({
    env: 'OCI_PROFILE',
    flag: 'oci-profile',
    default: 'DEFAULT',
    doc: 'oci: profile in OCI_CREDENTIALS_FILE',
  }),
  ociEndpoint: setting.string({
    env: 'OCI_COMPUTE_ENDPOINT',
    flag: 'oci-endpoint',
    doc: 'oci: Compute API endpoint override (ours)',
  }),
  ociHardReset: setting.bool({
    env: 'OCI_HARD_RESET',
    flag: 'oci-hard-reset',
    default: true,
    doc: 'oci: RESET instead of SOFTRESET (upstream #1819)',
  }),
});

export type CspProviderSettings = ConfigOf<typeof settingsSchema>;
