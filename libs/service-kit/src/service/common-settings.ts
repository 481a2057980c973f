/**
 * Settings every service accepts, with the flag names upstream's Helm charts pass to every
 * component. A service declares only its own settings; these are merged in by `defineService`.
 * Accepting them everywhere matters: an unknown flag is fatal, so a chart that passes
 * `--database-client-cert-mount-path` to a service that did not declare it would crash-loop it.
 */
import { defineConfigSchema } from '../config/load-config.js';
import { setting } from '../config/settings.js';
import { LOG_LEVELS } from '../logging/create-logger.js';

export const commonSettingsSchema = defineConfigSchema({
  metricsPort: setting.int({
    env: 'METRICS_PORT',
    flag: 'metrics-port',
    min: 0,
    max: 65535,
    default: 2112,
    doc: 'Port for /metrics, /healthz and /readyz (0 = any free port)',
  }),
  kubeconfig: setting.string({
    env: 'KUBECONFIG',
    flag: 'kubeconfig',
    aliases: ['kubeconfig-path'],
    doc: 'kubeconfig file; unset: the in-cluster service account when running in a pod, else ~/.kube/config',
  }),
  namespace: setting.string({
    env: 'POD_NAMESPACE',
    flag: 'namespace',
    aliases: ['pod-namespace'],
    doc: "Namespace of this service's ConfigMaps and Leases; unset: the service account's namespace, else nvsentinel",
  }),
  databaseClientCertMountPath: setting.string({
    env: 'DATABASE_CLIENT_CERT_MOUNT_PATH',
    flag: 'database-client-cert-mount-path',
    aliases: ['mongo-client-cert-mount-path'],
    doc: 'Folder with the datastore client certificate (tls.crt, tls.key, ca.crt), as upstream charts mount it',
  }),
  tlsEnabled: setting.bool({
    env: 'DATABASE_TLS_ENABLED',
    flag: 'tls-enabled',
    default: true,
    doc: 'Use the client certificate folder above; false ignores it (upstream --tls-enabled=false)',
  }),
  logLevel: setting.enum({
    env: 'LOG_LEVEL',
    flag: 'log-level',
    values: LOG_LEVELS,
    default: 'info',
    doc: 'Log level',
  }),
  shutdownGrace: setting.duration({
    env: 'SHUTDOWN_GRACE',
    flag: 'shutdown-grace',
    default: '10s',
    minMs: 100,
    doc: 'Longest graceful shutdown before the process exits anyway; keep terminationGracePeriodSeconds above it',
  }),
});

export type CommonSettings = {
  readonly [
    K in keyof typeof commonSettingsSchema
  ]: (typeof commonSettingsSchema)[K] extends import('../config/settings.js').Setting<infer T> ? T : never;
};
