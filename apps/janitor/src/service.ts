/**
 * janitor as a value: `createJanitor(deps)` wires one controller per maintenance CR kind
 * (RebootNode, TerminateNode, GPUReset, ExternalRemediationRequest), the shared node lock, the
 * node watch that wakes waiting CRs, leader election, TTL collection and the admission webhook
 * around injected dependencies, so the entry point, the local stack and the tests run one code.
 *
 *   CR watch (per kind) ──▶ WorkQueue<name> ──runWorkers──▶ reconcile (fresh GET, CAS status write)
 *   Node watch ──────────▶ wake the CRs of that node        (a Ready flip ends a wait at once)
 *   lock released ───────▶ wake the other CRs of that node
 *   leader Lease ────────▶ only the leader reconciles and collects TTLs; every replica serves
 *                          the webhook from its warm caches
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  type CustomObject,
  CustomObjectOps,
  type CustomResourceRef,
  type KubeClient,
  LeaderElection,
  NodeCache,
} from '@nvsentinel/k8s';
import {
  type ConfigOf,
  type Logger,
  type Registry,
  createMetricsRegistry,
  moduleLogger,
} from '@nvsentinel/service-kit';
import { type JanitorConfig, parseJanitorConfig } from './config/janitor-config.js';
import type { settingsSchema } from './config/settings.js';
import { EXTERNAL_REMEDIATIONS, GPU_RESETS, KINDS, REBOOT_NODES, TERMINATE_NODES } from './controllers/api.js';
import {
  type ControllerTiming,
  type ReconcileContext,
  UPSTREAM_TIMING,
  WriteMemo,
  readNode,
} from './controllers/context.js';
import { Controller, type Reconciler } from './controllers/controller.js';
import { ExternalRemediationReconciler } from './controllers/external-remediation.js';
import { GpuResetReconciler } from './controllers/gpu-reset.js';
import { NodeActionReconciler } from './controllers/node-action.js';
import { NodeLock } from './controllers/node-lock.js';
import { JanitorConfigError, LeaderElectionError } from './errors.js';
import { createJanitorMetrics, type JanitorMetrics } from './metrics.js';
import type { CspProvider } from './providers/provider.js';
import { TtlCollector } from './ttl/ttl-collector.js';
import { type AdmissionServer, startAdmissionServer } from './webhook/admission-server.js';
import { JanitorValidator } from './webhook/validator.js';

/** The name janitor's requests carry (User-Agent) and its logs use. */
export const CLIENT_NAME = 'janitor';

export interface LeaderElectionSettings {
  enabled: boolean;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface WebhookSettings {
  enabled: boolean;
  port: number;
  host: string;
  /** PEM text, or read from certFile/keyFile. */
  cert?: string;
  key?: string;
  certFile?: string;
  keyFile?: string;
}

export interface JanitorOptions {
  /** Reconciles in parallel per controller. */
  workers: number;
  leaderElection: LeaderElectionSettings;
  ttl: { enabled: boolean; defaultTtlMs: number; intervalMs: number };
  webhook: WebhookSettings;
  timing: ControllerTiming;
}

export const DEFAULT_JANITOR_OPTIONS: JanitorOptions = {
  workers: 16,
  leaderElection: {
    enabled: false,
    name: 'janitor.dgxc.nvidia.com',
    identity: hostname(),
    leaseDurationMs: 90_000,
    renewDeadlineMs: 60_000,
    retryPeriodMs: 5_000,
  },
  ttl: { enabled: true, defaultTtlMs: 336 * 3_600_000, intervalMs: 60_000 },
  webhook: { enabled: false, port: 9443, host: '0.0.0.0' },
  timing: UPSTREAM_TIMING,
};

export interface JanitorDeps {
  kube: KubeClient;
  logger: Logger;
  /** Namespace of the node-lock and leader Leases (and of GPU reset Jobs by default). */
  namespace: string;
  config: JanitorConfig;
  provider: CspProvider;
  registry?: Registry;
  options?: Partial<Omit<JanitorOptions, 'timing' | 'leaderElection' | 'ttl' | 'webhook'>> & {
    timing?: Partial<ControllerTiming>;
    leaderElection?: Partial<LeaderElectionSettings>;
    ttl?: Partial<JanitorOptions['ttl']>;
    webhook?: Partial<WebhookSettings>;
  };
  now?: () => Date;
}

export interface JanitorService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
  readinessChecks(): Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
}

/** The running janitor's parts, for tests and the bench. */
export interface Janitor extends JanitorService {
  readonly metrics: JanitorMetrics;
  readonly registry: Registry;
  /** Whether this replica currently reconciles (always true without leader election once started). */
  readonly leading: boolean;
  /** The webhook's address once it serves (port 0 picks a free one). */
  readonly webhookPort: number | undefined;
}

/** Settings (flags/env) → options. */
export function janitorOptionsFromSettings(
  settings: ConfigOf<typeof settingsSchema>,
): NonNullable<JanitorDeps['options']> {
  return {
    workers: settings.maxConcurrentReconciles,
    leaderElection: {
      enabled: settings.leaderElect,
      name: settings.leaderElectionId,
      identity: settings.podName ?? hostname(),
      leaseDurationMs: settings.leaseDuration,
      renewDeadlineMs: settings.renewDeadline,
      retryPeriodMs: settings.retryPeriod,
    },
    ttl: { enabled: settings.enableTtl, defaultTtlMs: settings.defaultTtl, intervalMs: settings.ttlInterval },
    webhook: {
      enabled: settings.enableWebhook,
      port: settings.webhookPort,
      certFile: join(settings.webhookCertPath, settings.webhookCertName),
      keyFile: join(settings.webhookCertPath, settings.webhookCertKey),
    },
  };
}

/** Read and parse config.yaml; a missing file is a config error naming the path. */
export async function loadJanitorConfig(path: string): Promise<JanitorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new JanitorConfigError(
      path,
      `it cannot be read (${(err as Error).message}); pass --config with the mounted file`,
      { cause: err },
    );
  }
  return parseJanitorConfig(text, path);
}

interface ControllerEntry {
  kind: string;
  controller: Controller<CustomObject<unknown, unknown>>;
}

export function createJanitor(deps: JanitorDeps): Janitor {
  const logger = moduleLogger(deps.logger, 'janitor');
  const registry = deps.registry ?? createMetricsRegistry();
  const metrics = createJanitorMetrics(registry);
  const defaults = DEFAULT_JANITOR_OPTIONS;
  const input = deps.options ?? {};
  const options: JanitorOptions = {
    ...defaults,
    ...input,
    timing: { ...defaults.timing, ...input.timing },
    leaderElection: { ...defaults.leaderElection, ...input.leaderElection },
    ttl: { ...defaults.ttl, ...input.ttl },
    webhook: { ...defaults.webhook, ...input.webhook },
  };
  const now = deps.now ?? (() => new Date());
  const { kube, config } = deps;
  const nodes = new NodeCache(kube, {
    onError: (err, restartInMs) => logger.warn({ err, restartInMs }, 'node watch failed; restarting'),
  });
  const holderKinds = new Map<string, CustomResourceRef>([
    [KINDS.rebootnodes, REBOOT_NODES],
    [KINDS.terminatenodes, TERMINATE_NODES],
    [KINDS.gpuresets, GPU_RESETS],
    [KINDS.externalremediationrequests, EXTERNAL_REMEDIATIONS],
  ]);
  const lock = new NodeLock(kube, {
    namespace: deps.namespace,
    holderKinds,
    onOutcome: (action, status) => {
      if (status === 'failed') metrics.actions.inc({ action_type: action, status, node: '' });
    },
  });
  const entries: ControllerEntry[] = [];
  const memo = new WriteMemo();
  const context: ReconcileContext = {
    written: memo,
    kube,
    objects: new CustomObjectOps(kube),
    nodes,
    lock,
    provider: deps.provider,
    metrics,
    logger,
    namespace: deps.namespace,
    timing: options.timing,
    now,
    lockReleased: (nodeName) => {
      for (const entry of entries) entry.controller.wakeNode(nodeName);
    },
  };
  const add = <T extends CustomObject<unknown, unknown>>(
    kind: string,
    ref: CustomResourceRef,
    reconciler: Reconciler<T>,
  ): void => {
    const controller = new Controller<T>(kube, reconciler, { name: kind, ref, workers: options.workers, logger, memo });
    entries.push({ kind, controller: controller as unknown as Controller<CustomObject<unknown, unknown>> });
  };
  if (config.rebootNode.enabled)
    add(KINDS.rebootnodes, REBOOT_NODES, new NodeActionReconciler('reboot', context, config.rebootNode));
  if (config.terminateNode.enabled)
    add(KINDS.terminatenodes, TERMINATE_NODES, new NodeActionReconciler('terminate', context, config.terminateNode));
  if (config.gpuReset.enabled) add(KINDS.gpuresets, GPU_RESETS, new GpuResetReconciler(context, config.gpuReset));
  if (config.externalRemediation.enabled) {
    add(
      KINDS.externalremediationrequests,
      EXTERNAL_REMEDIATIONS,
      new ExternalRemediationReconciler(context, config.externalRemediation),
    );
  }

  const ttl = new TtlCollector({
    objects: context.objects,
    api: kube.customObjects,
    sources: () =>
      entries.map((entry) => ({ ref: entry.controller.ref, kind: entry.kind, list: () => entry.controller.list() })),
    defaultTtlMs: options.ttl.defaultTtlMs,
    intervalMs: options.ttl.intervalMs,
    metrics,
    logger,
    now,
  });
  const validator = new JanitorValidator({
    config,
    nodes,
    readNode: (name) => readNode(kube, name),
    active: (kind) => entries.find((entry) => entry.kind === kind)?.controller.list() ?? [],
  });
  const election = options.leaderElection.enabled
    ? new LeaderElection(kube, {
        name: options.leaderElection.name,
        namespace: deps.namespace,
        identity: options.leaderElection.identity,
        leaseDurationMs: options.leaderElection.leaseDurationMs,
        renewDeadlineMs: options.leaderElection.renewDeadlineMs,
        retryPeriodMs: options.leaderElection.retryPeriodMs,
        onError: (err) => logger.warn({ err }, 'leader election request failed'),
      })
    : undefined;

  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined);
  const stopping = new AbortController();
  let started = false;
  let stopped = false;
  let leading = false;
  let webhook: AdmissionServer | undefined;
  let unsubscribeNodes: (() => void) | undefined;

  const lead = async (): Promise<void> => {
    if (election) {
      await election.acquire(stopping.signal);
      logger.info({ identity: options.leaderElection.identity }, 'became leader');
      void election.lost.then(() => {
        if (stopped) return;
        leading = false;
        // As controller-runtime does: a replica that lost leadership exits and restarts as a follower.
        rejectDone(
          new LeaderElectionError(
            options.leaderElection.name,
            'this replica lost leadership; it stops so that only the new leader acts',
          ),
        );
      });
    }
    if (stopping.signal.aborted) return;
    for (const entry of entries) await entry.controller.start(stopping.signal);
    if (options.ttl.enabled) ttl.start();
    leading = true;
  };

  return {
    metrics,
    registry,
    get leading() {
      return leading;
    },
    get webhookPort() {
      return webhook?.port;
    },
    async start() {
      if (started) return;
      started = true;
      nodes.start();
      unsubscribeNodes = nodes.onChange((change) => {
        const name = change.object.metadata?.name;
        if (name) for (const entry of entries) entry.controller.wakeNode(name);
      });
      await nodes.waitForSync(stopping.signal);
      await Promise.all(entries.map((entry) => entry.controller.startWatch(stopping.signal)));
      if (options.webhook.enabled) {
        webhook = await startAdmissionServer({ validator, logger, ...options.webhook });
      }
      // A follower is ready (it serves the webhook); becoming leader happens in the background.
      const leadership = lead();
      if (election) {
        leadership.catch((err) => {
          if (!stopping.signal.aborted) rejectDone(err);
        });
      } else {
        await leadership;
      }
      logger.info(
        { controllers: entries.map((entry) => entry.kind), leaderElection: Boolean(election) },
        'janitor started',
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopping.abort();
      leading = false;
      await ttl.stop();
      await Promise.all(entries.map((entry) => entry.controller.stop()));
      await election?.stop();
      await webhook?.close();
      unsubscribeNodes?.();
      await nodes.stop();
      resolveDone();
    },
    done,
    readinessChecks() {
      return {
        'janitor-caches': async () => {
          const synced = nodes.synced && entries.every((entry) => entry.controller.watch !== undefined);
          return synced ? { ok: true } : { ok: false, detail: 'node and CR caches are not synced yet' };
        },
        ...(election
          ? {
              'janitor-leader': async () => ({
                ok: true,
                detail: leading ? 'leader' : 'follower (waiting for the leader Lease)',
              }),
            }
          : {}),
      };
    },
  };
}
