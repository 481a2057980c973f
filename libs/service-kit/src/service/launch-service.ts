/**
 * Starts a service definition: builds the shared dependencies, creates the instance, starts it
 * and wires its readiness into the probe server. The process entry point (`runServiceMain`), the
 * local all-in-one stack and tests all go through here, so a service runs the same code whichever
 * way it is started. `stop()` works at any moment, also while the start is still waiting.
 */
import { readFileSync } from 'node:fs';
import { createKubeClient, type KubeClient, type KubeClientOptions } from '@nvsentinel/k8s';
import { createDataStore, isDatastoreError, loadDatastoreConfig, type DataStore } from '@nvsentinel/store-client';
import type { Registry } from 'prom-client';
import { ConfigError, ServiceCreateError, ServiceStartError } from '../errors/catalogue.js';
import { loadConfig } from '../config/load-config.js';
import type { ConfigOf, ConfigSchema } from '../config/settings.js';
import { createLogger, type Logger } from '../logging/create-logger.js';
import { backoffDelayMs, resolveRetryPolicy, sleep } from '../consumer/backoff.js';
import { counter, createMetricsRegistry } from '../server/metrics.js';
import type { ServiceServer } from '../server/create-service-server.js';
import type { CommonSettings } from './common-settings.js';
import { serviceSchema, type ServiceContext, type ServiceDefinition, type ServiceInstance } from './define-service.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const DEFAULT_NAMESPACE = 'nvsentinel';

export interface LaunchOptions<S extends ConfigSchema> {
  /** Parsed settings; otherwise they are read from `argv` and `env`. */
  settings?: ConfigOf<S> & CommonSettings;
  /** Default `process.argv.slice(2)` (only when `settings` is not given). */
  argv?: readonly string[];
  /** Default `process.env`: settings, datastore configuration, in-cluster detection. */
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  /** Where readiness checks go and metrics are served; without one, checks are only kept. */
  server?: ServiceServer;
  /** Default: the server's registry, else a fresh one. */
  registry?: Registry;
  /** An already open datastore (shared in-process); it is not closed by `stop()`. */
  datastore?: DataStore;
  /** An existing Kubernetes client (tests, the local stack). */
  kube?: KubeClient;
  /** Overrides the namespace discovery. */
  namespace?: string;
  /** In-process observation hooks handed to the service (see `ServiceContext.hooks`). */
  hooks?: object;
}

export interface LaunchedService {
  readonly name: string;
  /** Resolves once the instance has started; rejects with ConfigError/ServiceCreateError/ServiceStartError. */
  readonly started: Promise<void>;
  /** Settles when the instance stops by itself (rejects on a fatal error) or after `stop()`. */
  readonly done: Promise<void>;
  /** Present once created. */
  readonly instance: ServiceInstance | undefined;
  /** Idempotent; also cancels a start that is still waiting (e.g. for the datastore). */
  stop(): Promise<void>;
}

export function launchService<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  options: LaunchOptions<S> = {},
): LaunchedService {
  const env = options.env ?? process.env;
  const stopping = new AbortController();
  let instance: ServiceInstance | undefined;
  let ownedDatastore: DataStore | undefined;
  let stopPromise: Promise<void> | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {});

  const started = (async () => {
    const settings = options.settings ?? readSettings(definition, options.argv, env);
    const logger = options.logger ?? createLogger({ name: definition.name, level: settings.logLevel, env });
    const registry = options.registry ?? options.server?.registry ?? createMetricsRegistry();
    const inCluster = isInCluster(env);
    const namespace = options.namespace ?? settings.namespace ?? serviceAccountNamespace() ?? DEFAULT_NAMESPACE;

    const datastore = definition.needs.datastore
      ? (options.datastore ??
        (ownedDatastore = await connectDatastore(
          definition.name,
          settings,
          env,
          logger,
          registry,
          options.server,
          stopping.signal,
        )))
      : undefined;
    if (stopping.signal.aborted) return;

    const needsKube =
      typeof definition.needs.kube === 'function' ? definition.needs.kube(settings) : definition.needs.kube;
    const makeKube = (overrides: Pick<KubeClientOptions, 'qps' | 'burst' | 'metrics'> = {}): KubeClient =>
      options.kube ??
      createKubeClient({
        ...(settings.kubeconfig ? { kubeconfigPath: settings.kubeconfig } : inCluster ? { inCluster: true } : {}),
        ...overrides,
        userAgent: `nvsentinel-${definition.name}`,
      });
    let kube: KubeClient | undefined;

    const context: ServiceContext<S> = {
      name: definition.name,
      settings,
      logger,
      registry,
      namespace,
      inCluster,
      env,
      hooks: options.hooks ?? {},
      get datastore(): DataStore {
        if (!datastore)
          throw new TypeError(
            `${definition.name}: the datastore is not available; set needs.datastore in its definition`,
          );
        return datastore;
      },
      get kube(): KubeClient {
        if (!needsKube)
          throw new TypeError(`${definition.name}: no Kubernetes client; set needs.kube in its definition`);
        kube ??= makeKube(definition.kubeOptions?.(settings, registry));
        return kube;
      },
      createKubeClient: makeKube,
    };

    try {
      instance = await definition.create(context);
    } catch (err) {
      throw ConfigError.is(err) ? err : new ServiceCreateError(definition.name, describe(err), { cause: err });
    }
    for (const [name, check] of Object.entries(instance.readinessChecks?.() ?? {}))
      options.server?.addReadinessCheck(name, check);
    if (stopping.signal.aborted) return;
    try {
      await instance.start();
    } catch (err) {
      if (stopping.signal.aborted) return;
      throw new ServiceStartError(definition.name, describe(err), { cause: err });
    }
    if (stopping.signal.aborted) return;
    options.server?.markStarted();
    logger.info({ namespace, inCluster, datastore: datastore?.provider }, `${definition.name} started`);
    (instance.done ?? new Promise<void>(() => {})).then(resolveDone, rejectDone);
  })();
  started.catch((err: unknown) => rejectDone(err));

  return {
    name: definition.name,
    started,
    done,
    get instance() {
      return instance;
    },
    stop() {
      stopPromise ??= (async () => {
        stopping.abort();
        try {
          await instance?.stop();
        } finally {
          await ownedDatastore?.close().catch(() => undefined);
          resolveDone();
        }
      })();
      return stopPromise;
    },
  };
}

/** Reads the definition's settings plus the common ones; throws ConfigError listing every problem. */
export function readSettings<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> & CommonSettings {
  return loadConfig(serviceSchema(definition), { argv, env }) as unknown as ConfigOf<S> & CommonSettings;
}

function isInCluster(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env['KUBERNETES_SERVICE_HOST']) && fileExists(`${SERVICE_ACCOUNT_DIR}/token`);
}

function serviceAccountNamespace(): string | undefined {
  try {
    return readFileSync(`${SERVICE_ACCOUNT_DIR}/namespace`, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function fileExists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Datastore errors that no amount of waiting fixes: the operator must change the configuration. */
const CONFIGURATION_CODES = new Set([
  'configuration',
  'provider_not_found',
  'validation',
  'schema_version',
  'unsupported_pipeline',
]);

/**
 * Opens the datastore, waiting for as long as it is unreachable (readiness says why): a database
 * outage at start-up must not become a crash loop. Configuration mistakes fail at once.
 */
async function connectDatastore(
  name: string,
  settings: CommonSettings,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  registry: Registry,
  server: ServiceServer | undefined,
  signal: AbortSignal,
): Promise<DataStore | undefined> {
  const log = logger.child({ module: 'datastore' });
  let config;
  try {
    config = loadDatastoreConfig(withCertMountPath(env, settings));
  } catch (err) {
    throw new ConfigError([{ source: 'datastore', message: describe(err) }]);
  }
  const recoveries = counter(registry, {
    name: 'change_stream_resume_token_recoveries_total',
    help: 'Change streams restarted because their resume position was lost (oplog window or changelog maximum age)',
    labelNames: ['client', 'phase'],
  });
  config.options = {
    ...config.options,
    appName: config.options.appName ?? name,
    logger: log,
    onResumeTokenRecovery: (info: { client: string; phase: string }) =>
      recoveries.inc({ client: info.client, phase: info.phase }),
  };
  let lastError: string | undefined;
  let attempt = 0;
  server?.readiness.set('datastore', () => ({ ok: false, detail: { connecting: true, attempt, lastError } }));
  const retry = resolveRetryPolicy({ initialDelayMs: 500, maxDelayMs: 15_000 });
  for (;;) {
    attempt += 1;
    try {
      const datastore = await createDataStore(config);
      server?.readiness.set('datastore', async () => ({
        ok: await datastore.ping().then(
          () => true,
          () => false,
        ),
      }));
      if (attempt > 1) log.info({ attempt }, 'datastore reachable; continuing start-up');
      if (signal.aborted) {
        await datastore.close();
        return undefined;
      }
      return datastore;
    } catch (err) {
      if (isDatastoreError(err) && CONFIGURATION_CODES.has(err.code))
        throw new ConfigError([{ source: 'datastore', message: err.message }]);
      lastError = describe(err);
      const delayMs = backoffDelayMs(retry, attempt);
      log.warn({ err, attempt, retryInMs: Math.round(delayMs) }, 'datastore unreachable at start-up; waiting for it');
      if (!(await sleep(delayMs, signal))) return undefined;
    }
  }
}

/** Upstream's `--database-client-cert-mount-path` names the folder of whichever provider is configured. */
function withCertMountPath(
  env: Readonly<Record<string, string | undefined>>,
  settings: CommonSettings,
): Record<string, string | undefined> {
  if (!settings.tlsEnabled || !settings.databaseClientCertMountPath) return { ...env };
  const mount = settings.databaseClientCertMountPath;
  return {
    ...env,
    MONGODB_CLIENT_CERT_MOUNT_PATH: env['MONGODB_CLIENT_CERT_MOUNT_PATH'] || mount,
    POSTGRESQL_CLIENT_CERT_MOUNT_PATH: env['POSTGRESQL_CLIENT_CERT_MOUNT_PATH'] || mount,
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
