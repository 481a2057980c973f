#!/usr/bin/env node
/**
 * fault-quarantine entry point: flags/env (upstream's flag names), builds the datastore and the
 * kube client, starts the service and serves /healthz /readyz /metrics.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createKubeClient } from '@nvsentinel/k8s';
import {
  CONFIG_ERROR_EXIT_CODE,
  consumerReadinessCheck,
  createLogger,
  createService,
  createServiceServer,
  defineConfigSchema,
  loadConfigOrExit,
  setting,
} from '@nvsentinel/service-kit';
import { createDataStore, loadDatastoreConfig } from '@nvsentinel/store-client';
import { DEFAULT_CONFIG_PATH } from './config/default-config.js';
import type { FaultQuarantineConfig } from './config/config-types.js';
import { loadConfigFile } from './config/parse-config.js';
import { RuleEngine } from './rules/rule-engine.js';
import { DEFAULT_GPU_NODE_LABEL, createFaultQuarantine } from './service.js';

const CHART_CONFIG_PATH = '/etc/config/config.toml';
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

const schema = defineConfigSchema({
  metricsPort: setting.int({ env: 'METRICS_PORT', flag: 'metrics-port', min: 0, max: 65535, default: 2112, doc: 'Port for /metrics, /healthz, /readyz' }),
  kubeconfigPath: setting.string({ env: 'KUBECONFIG', flag: 'kubeconfig-path', doc: 'Kubeconfig file; in-cluster service account when unset and running in a pod' }),
  configPath: setting.string({ env: 'CONFIG_PATH', flag: 'config-path', doc: `Rule-set TOML (upstream format); unset: ${CHART_CONFIG_PATH} when it exists, else the shipped default rule sets` }),
  dryRun: setting.bool({ env: 'DRY_RUN', flag: 'dry-run', default: false, doc: 'Decide and write statuses back, but change nothing in the cluster' }),
  circuitBreakerEnabled: setting.bool({ env: 'CIRCUIT_BREAKER_ENABLED', flag: 'circuit-breaker-enabled', default: true, doc: 'Stop quarantining when too many GPU nodes are cordoned' }),
  gpuNodeLabel: setting.string({ env: 'GPU_NODE_LABEL', flag: 'gpu-node-label', default: DEFAULT_GPU_NODE_LABEL, doc: 'Label selector of the GPU nodes FQ manages and the breaker counts' }),
  namespace: setting.string({ env: 'POD_NAMESPACE', flag: 'namespace', doc: 'Namespace of the circuit-breaker and resume-control ConfigMaps (default: the pod namespace, else nvsentinel)' }),
  workers: setting.int({ env: 'WORKERS', flag: 'workers', min: 1, max: 1024, default: 16, doc: 'Nodes handled in parallel; events of one node stay in order' }),
  maxInFlight: setting.int({ env: 'MAX_IN_FLIGHT', flag: 'max-in-flight', min: 1, default: 1000, doc: 'Events pulled but not finished before pulling pauses' }),
  kubeQps: setting.number({ env: 'KUBE_API_QPS', flag: 'kube-api-qps', min: 1, default: 20, doc: 'Sustained Kubernetes API requests per second' }),
  kubeBurst: setting.int({ env: 'KUBE_API_BURST', flag: 'kube-api-burst', min: 1, default: 40, doc: 'Kubernetes API request burst' }),
});

const settings = loadConfigOrExit(schema, { program: 'fault-quarantine' });
const logger = createLogger({ name: 'fault-quarantine' });

function podNamespace(): string {
  if (settings.namespace) return settings.namespace;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
  } catch {
    return 'nvsentinel';
  }
}

/** An explicitly named file must exist (a typo must not silently select other rules). */
function ruleConfigPath(): string {
  if (settings.configPath) return settings.configPath;
  if (existsSync(CHART_CONFIG_PATH)) return CHART_CONFIG_PATH;
  logger.info({ configPath: DEFAULT_CONFIG_PATH }, 'no --config-path given; using the shipped default rule sets');
  return DEFAULT_CONFIG_PATH;
}

/** Rule file problems are operator errors: one clear message and exit code 2, like bad flags. */
function loadRulesOrExit(): FaultQuarantineConfig {
  const path = ruleConfigPath();
  try {
    const config = loadConfigFile(path);
    RuleEngine.compile(config.ruleSets);
    return config;
  } catch (err) {
    process.stderr.write(`fault-quarantine: ${(err as Error).message}\n`);
    return process.exit(CONFIG_ERROR_EXIT_CODE);
  }
}

async function main(): Promise<void> {
  const config = loadRulesOrExit();
  const kube = createKubeClient({
    ...(settings.kubeconfigPath ? { kubeconfigPath: settings.kubeconfigPath } : process.env['KUBERNETES_SERVICE_HOST'] ? { inCluster: true } : {}),
    qps: settings.kubeQps,
    burst: settings.kubeBurst,
    userAgent: 'nvsentinel-fault-quarantine',
  });
  const server = createServiceServer({ name: 'fault-quarantine', port: settings.metricsPort, logger });
  const service = createService({ name: 'fault-quarantine', logger, server });
  const dataStore = await createDataStore(loadDatastoreConfig(process.env));
  service.onShutdown(() => dataStore.close(), { name: 'datastore' });
  server.addReadinessCheck('datastore', async () => ({ ok: await dataStore.ping().then(() => true, () => false) }));

  const fq = createFaultQuarantine({
    dataStore,
    kube,
    logger,
    config,
    registry: server.registry,
    options: {
      namespace: podNamespace(),
      dryRun: settings.dryRun,
      circuitBreakerEnabled: settings.circuitBreakerEnabled,
      gpuNodeLabel: settings.gpuNodeLabel,
      workers: settings.workers,
      maxInFlight: settings.maxInFlight,
    },
  });
  service.onShutdown(() => fq.stop(), { name: 'fault-quarantine' });
  await fq.start();
  const consumer = fq.consumer;
  if (consumer) {
    server.addReadinessCheck('change-stream', consumerReadinessCheck(consumer));
    consumer.done.catch((err: unknown) => service.shutdown(err instanceof Error ? err : new Error(String(err))));
  }
  await service.start();
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'fault-quarantine failed to start');
  process.exitCode = 1;
  setImmediate(() => process.exit(1));
});
