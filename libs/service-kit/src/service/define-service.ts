/**
 * The one shape every NVSentinel service has. A service is a definition — its name, its own
 * settings, what shared dependencies it needs, and `create(context)` returning an instance — and
 * nothing else: `runServiceMain` (the process entry point) and `startService` (tests, the local
 * all-in-one stack) build the dependencies, start it, serve its probes and stop it the same way.
 *
 * The split between `create` and `start` is the exit-code contract:
 * - `create` only validates and assembles (reads config files, compiles rules and templates).
 *   Anything it throws is a configuration problem: one log line, exit code 2.
 * - `start` connects and runs. It may wait for the API server or a lock for as long as it needs;
 *   SIGTERM during it still stops the process within the grace period.
 */
import type { KubeClient, KubeClientOptions } from '@nvsentinel/k8s';
import type { DataStore } from '@nvsentinel/store-client';
import type { Registry } from 'prom-client';
import type { ConfigOf, ConfigSchema } from '../config/settings.js';
import type { Logger } from '../logging/create-logger.js';
import type { ReadinessCheck } from '../server/readiness.js';
import { commonSettingsSchema, type CommonSettings } from './common-settings.js';

/** What a running service looks like to the entry point. */
export interface ServiceInstance {
  /** Resolves once the service is running: stream positioned, caches synced, servers listening. */
  start(): Promise<void>;
  /** Graceful and idempotent: stop taking work, finish or abandon what runs, flush checkpoints. */
  stop(): Promise<void>;
  /**
   * Settles when the service stopped by itself; a rejection is fatal (exit 1). Read once, after
   * `start()` resolved, so a getter over something `start` creates is fine.
   */
  readonly done?: Promise<void> | undefined;
  /** Checks behind `/readyz`, besides the datastore check the entry point adds. */
  readinessChecks?(): Record<string, ReadinessCheck>;
}

/** Everything a service is given; nothing is global. */
export interface ServiceContext<S extends ConfigSchema = ConfigSchema> {
  readonly name: string;
  /** The service's own settings merged with {@link CommonSettings}. */
  readonly settings: ConfigOf<S> & CommonSettings;
  readonly logger: Logger;
  /** Served on /metrics. */
  readonly registry: Registry;
  /** The namespace of this service's ConfigMaps and Leases. */
  readonly namespace: string;
  /** True when running in a pod with a service account. */
  readonly inCluster: boolean;
  /** The datastore, connected; only when the definition `needs.datastore`. */
  readonly datastore: DataStore;
  /** The Kubernetes client (built on first use with `kubeOptions`); only when the definition `needs.kube`. */
  readonly kube: KubeClient;
  /**
   * A Kubernetes client with other limits (e.g. from a config file), found the same way as `kube`
   * (kubeconfig flag, in-cluster service account, ~/.kube/config). An injected client is returned as is.
   */
  createKubeClient(options?: Pick<KubeClientOptions, 'qps' | 'burst' | 'metrics'>): KubeClient;
  /** The environment the settings were read from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Observation hooks for an in-process start (tests, the local stack), in the shape the service
   * documents (e.g. `FaultQuarantineHooks`). Empty in a real process.
   */
  readonly hooks: object;
}

export interface ServiceNeeds<S extends ConfigSchema> {
  /** Connect the datastore before `create` (retried while it is unreachable). */
  datastore: boolean;
  /** Build a Kubernetes client; a function decides from the settings (e.g. a `--kubernetes` switch). */
  kube: boolean | ((settings: ConfigOf<S> & CommonSettings) => boolean);
}

export interface ServiceDefinition<S extends ConfigSchema = ConfigSchema> {
  /** The program name: log `service` field, metrics, the resume-token client name where it is one. */
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** The service's own settings; the common ones are added. */
  readonly settings: S;
  readonly needs: ServiceNeeds<S>;
  /** Kubernetes client rate limits and request metrics; default the k8s library's limits. */
  kubeOptions?(
    settings: ConfigOf<S> & CommonSettings,
    registry: Registry,
  ): Pick<KubeClientOptions, 'qps' | 'burst' | 'metrics'>;
  create(context: ServiceContext<S>): ServiceInstance | Promise<ServiceInstance>;
}

/** The merged schema a definition is parsed with. */
export type ServiceSchema<S extends ConfigSchema> = S & typeof commonSettingsSchema;

/**
 * Checks a definition once at import (no setting clashes with the common ones) and returns it.
 * The generic keeps `create`'s context typed with the service's own settings.
 */
export function defineService<const S extends ConfigSchema>(definition: ServiceDefinition<S>): ServiceDefinition<S> {
  for (const key of Object.keys(definition.settings)) {
    if (key in commonSettingsSchema) {
      throw new TypeError(
        `${definition.name}: setting '${key}' is one of the common settings every service has; remove it`,
      );
    }
  }
  return definition;
}

export function serviceSchema<S extends ConfigSchema>(definition: ServiceDefinition<S>): ServiceSchema<S> {
  return { ...definition.settings, ...commonSettingsSchema };
}
