/**
 * Command-line flags and environment variables of platform-connectors (`--help` prints them). The
 * settings every service shares (metrics port, kubeconfig, namespace, datastore certificates) come
 * from service-kit's common settings.
 */
import { defineConfigSchema, setting } from '@nvsentinel/service-kit';

export const settingsSchema = defineConfigSchema({
  socket: setting.string({
    flag: 'socket',
    env: 'SOCKET',
    default: 'unix:///var/run/nvsentinel.sock',
    doc: 'gRPC unix socket monitors send to',
  }),
  grpcEnabled: setting.bool({ flag: 'grpc', env: 'GRPC_ENABLED', default: true, doc: 'Serve gRPC on --socket' }),
  httpPort: setting.int({
    flag: 'http-port',
    env: 'HTTP_PORT',
    min: 0,
    max: 65535,
    default: 8080,
    doc: 'HTTP ingest port (POST /api/v1/health-events); 0 = any free port',
  }),
  httpEnabled: setting.bool({
    flag: 'http',
    env: 'HTTP_ENABLED',
    default: true,
    doc: 'Serve HTTP ingest on --http-port',
  }),
  httpHost: setting.string({
    flag: 'http-host',
    env: 'HTTP_HOST',
    default: '0.0.0.0',
    doc: 'Address the HTTP ingest server binds',
  }),
  config: setting.string({
    flag: 'config',
    env: 'PLATFORM_CONNECTOR_CONFIG',
    default: '/etc/config/config.json',
    doc: "Upstream's platform-connector config.json (connectors, pipeline)",
  }),
  kubernetes: setting.bool({
    flag: 'kubernetes',
    env: 'KUBERNETES_ENABLED',
    default: true,
    doc: 'Talk to the API server (mirror, metadata); false = store only',
  }),
  maxBatchEvents: setting.int({
    flag: 'max-batch-events',
    env: 'MAX_BATCH_EVENTS',
    min: 1,
    default: 1000,
    doc: 'Most events per coalesced insert',
  }),
  maxQueuedEvents: setting.int({
    flag: 'max-queued-events',
    env: 'MAX_QUEUED_EVENTS',
    min: 1,
    default: 50_000,
    doc: 'Events waiting for the datastore before batches are refused (503/UNAVAILABLE)',
  }),
  maxConcurrentInserts: setting.int({
    flag: 'max-concurrent-inserts',
    env: 'MAX_CONCURRENT_INSERTS',
    min: 1,
    default: 2,
    doc: 'Inserts in flight at once',
  }),
  outageProbeInterval: setting.duration({
    flag: 'outage-probe-interval',
    env: 'OUTAGE_PROBE_INTERVAL',
    default: '1s',
    minMs: 50,
    doc: 'Datastore ping interval during an outage (also the Retry-After)',
  }),
  mirrorWorkers: setting.int({
    flag: 'mirror-workers',
    env: 'MIRROR_WORKERS',
    min: 1,
    default: 4,
    doc: 'Nodes mirrored to Kubernetes in parallel',
  }),
  mirrorMaxPendingEvents: setting.int({
    flag: 'mirror-max-pending-events',
    env: 'MIRROR_MAX_PENDING_EVENTS',
    min: 1,
    default: 100_000,
    doc: 'Bound of the Kubernetes mirror queue',
  }),
});
