/**
 * The all-in-one stack: every NVSentinel service that exists, wired to one datastore and one
 * Kubernetes API. The cluster is given (the simulator, started by the caller, or any cluster a
 * kubeconfig names), so this module only composes services.
 *
 * - embedded datastore → the services run in this process (PGlite lives in one process);
 * - a datastore server → by default each service is its own process, as in Kubernetes
 *   (`mode: 'in-process'` keeps them here, which the end-to-end test uses to observe them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FaultQuarantineHooks } from '@nvsentinel/fault-quarantine';
import { createKubeClient } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore, type DataStoreConfig } from '@nvsentinel/store-client';
import { sendOverGrpc } from '../cli/senders.js';
import { startRebootRecovery, type RebootRecovery } from '../node-agent/reboot-recovery.js';
import { followDatastore, type DatastoreProgress } from '../progress/datastore-progress.js';
import type { ProgressSink } from '../progress/progress-line.js';
import { startInProcessServices } from './in-process-services.js';
import { writeStackConfigs } from './local-config.js';
import { startServiceProcesses, type RestartedService } from './service-processes.js';
import type { ServiceEndpoint, StackPorts, StackServiceName } from './stack-types.js';

export type StackMode = 'in-process' | 'processes';

export interface LocalStackOptions {
  datastore: DataStoreConfig;
  /** Already opened from `datastore` (lets the caller open it while the cluster starts); the stack closes it. */
  openedDatastore?: DataStore;
  /** Default: 'in-process' for the embedded provider, 'processes' for a server. */
  mode?: StackMode;
  kubeconfig: string;
  kubeconfigPath: string;
  socketPath: string;
  ports: StackPorts;
  host?: string;
  logger: Logger;
  /** Datastore-side progress lines (events stored, status fields written). */
  progress?: ProgressSink;
  /** Lines logged by service processes (processes mode). Default: stderr. */
  writeServiceLog?: (line: string) => void;
  /** node-drainer TOML; default the stack's own config/node-drainer.toml. */
  nodeDrainerConfigPath?: string;
  /** csp-health-monitor / maintenance-notifier TOML; default the stack's own config/csp-health-monitor.toml. */
  cspHealthMonitorConfigPath?: string;
  /** Environment of the service processes (processes mode; they read DATASTORE_* from it). Default process.env. */
  env?: NodeJS.ProcessEnv;
  onQuarantineOutcome?: FaultQuarantineHooks['onOutcome'];
  /** The node side of a simulated reboot: downtime, and how often the reboot does not fix the fault. */
  reboot?: { downSeconds?: number; notFixedFraction?: number; random?: () => number };
  /** Aborted when the stack is told to stop: in-process, the ingest closes at once, even mid-start. */
  signal?: AbortSignal;
}

/** Defaults of `npm start`: a 10 s reboot that always fixes the fault. */
export const DEFAULT_REBOOT = { downSeconds: 10, notFixedFraction: 0 };

export interface LocalStack {
  readonly mode: StackMode;
  readonly ingestUrl: string;
  readonly socketPath: string;
  readonly services: ServiceEndpoint[];
  /** The stack's own datastore connection (the services' one in-process; an observer's otherwise). */
  readonly datastore: DataStore;
  /** Processes mode: kill one service (SIGKILL by default) and start it again; resolves when it is ready. */
  restartService(name: StackServiceName, options?: { signal?: NodeJS.Signals }): Promise<RestartedService>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const mode: StackMode = options.mode ?? (options.datastore.provider === 'embedded' ? 'in-process' : 'processes');
  if (mode === 'processes' && options.datastore.provider === 'embedded') {
    throw new Error(
      'the embedded datastore lives inside one process; run the services in-process or set DATASTORE_PROVIDER=postgresql (or mongodb) with its DATASTORE_* variables',
    );
  }
  // Every service finds the cluster through this file, in-process and as a process alike.
  await mkdir(dirname(options.kubeconfigPath), { recursive: true });
  await writeFile(options.kubeconfigPath, options.kubeconfig, { mode: 0o600 });
  const datastore = options.openedDatastore ?? (await createDataStore(options.datastore));
  const reboot = { ...DEFAULT_REBOOT, ...options.reboot };
  // The run's config files sit next to its kubeconfig; they name this run's paths and ports.
  const ports = options.ports;
  const configs = writeStackConfigs(
    dirname(options.kubeconfigPath),
    options.cspHealthMonitorConfigPath ? { cspHealthMonitorConfigPath: options.cspHealthMonitorConfigPath } : {},
  );
  const kube = createKubeClient({ kubeconfig: options.kubeconfig, userAgent: 'nvsentinel-node-monitors' });
  let progress: DatastoreProgress | undefined;
  let recovery: RebootRecovery | undefined;
  let running:
    | {
        ingestUrl: string;
        socketPath: string;
        readonly services: ServiceEndpoint[];
        restart?: (name: StackServiceName, options?: { signal?: NodeJS.Signals }) => Promise<RestartedService>;
        stop(): Promise<void>;
      }
    | undefined;
  try {
    if (options.progress) progress = followDatastore(datastore, options.progress);
    running =
      mode === 'in-process'
        ? await startInProcessServices({
            datastore,
            kubeconfigPath: options.kubeconfigPath,
            socketPath: options.socketPath,
            ports,
            host,
            configs,
            rebootDownSeconds: reboot.downSeconds,
            logger: options.logger,
            ...(options.nodeDrainerConfigPath ? { nodeDrainerConfigPath: options.nodeDrainerConfigPath } : {}),
            ...(options.onQuarantineOutcome ? { onQuarantineOutcome: options.onQuarantineOutcome } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          })
        : await startServiceProcesses({
            kubeconfigPath: options.kubeconfigPath,
            socketPath: options.socketPath,
            ports,
            host,
            configs,
            rebootDownSeconds: reboot.downSeconds,
            env: options.env ?? process.env,
            ...(options.nodeDrainerConfigPath ? { nodeDrainerConfigPath: options.nodeDrainerConfigPath } : {}),
            write: options.writeServiceLog ?? ((line) => process.stderr.write(`${line}\n`)),
          });
    const services = running;
    recovery = await startRebootRecovery({
      kube,
      datastore,
      send: async (events) => void (await sendOverGrpc(services.socketPath, events)),
      notFixedFraction: reboot.notFixedFraction,
      ...(reboot.random ? { random: reboot.random } : {}),
      logger: options.logger,
      ...(options.progress ? { progress: options.progress } : {}),
    });
    let stopping: Promise<void> | undefined;
    return {
      mode,
      ingestUrl: services.ingestUrl,
      socketPath: services.socketPath,
      get services() {
        return services.services;
      },
      datastore,
      restartService(name, restartOptions) {
        if (!services.restart)
          throw new Error(
            `${name} runs inside this process (mode ${mode}); only mode 'processes' can kill and restart one service`,
          );
        return services.restart(name, restartOptions);
      },
      stop() {
        stopping ??= (async () => {
          await recovery?.stop();
          kube.close();
          await services.stop();
          await progress?.stop();
          await datastore.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await recovery?.stop().catch(() => undefined);
    await running?.stop().catch(() => undefined);
    kube.close();
    await progress?.stop().catch(() => undefined);
    await datastore.close().catch(() => undefined);
    throw err;
  }
}
