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
import type { Logger } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore, type DataStoreConfig } from '@nvsentinel/store-client';
import { followDatastore, type DatastoreProgress } from '../progress/datastore-progress.js';
import type { ProgressSink } from '../progress/progress-line.js';
import { startInProcessServices } from './in-process-services.js';
import { startServiceProcesses } from './service-processes.js';
import type { ServiceEndpoint, StackPorts } from './stack-types.js';

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
  onQuarantineOutcome?: FaultQuarantineHooks['onOutcome'];
}

export interface LocalStack {
  readonly mode: StackMode;
  readonly ingestUrl: string;
  readonly socketPath: string;
  readonly services: ServiceEndpoint[];
  /** The stack's own datastore connection (the services' one in-process; an observer's otherwise). */
  readonly datastore: DataStore;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const mode: StackMode = options.mode ?? (options.datastore.provider === 'embedded' ? 'in-process' : 'processes');
  if (mode === 'processes' && options.datastore.provider === 'embedded') {
    throw new Error('the embedded datastore lives inside one process; run the services in-process or set DATASTORE_PROVIDER=postgresql (or mongodb) with its DATASTORE_* variables');
  }
  // Every service finds the cluster through this file, in-process and as a process alike.
  await mkdir(dirname(options.kubeconfigPath), { recursive: true });
  await writeFile(options.kubeconfigPath, options.kubeconfig, { mode: 0o600 });
  const datastore = options.openedDatastore ?? (await createDataStore(options.datastore));
  let progress: DatastoreProgress | undefined;
  try {
    if (options.progress) progress = followDatastore(datastore, options.progress);
    const running =
      mode === 'in-process'
        ? await startInProcessServices({
            datastore,
            kubeconfigPath: options.kubeconfigPath,
            socketPath: options.socketPath,
            ports: options.ports,
            host,
            logger: options.logger,
            ...(options.nodeDrainerConfigPath ? { nodeDrainerConfigPath: options.nodeDrainerConfigPath } : {}),
            ...(options.onQuarantineOutcome ? { onQuarantineOutcome: options.onQuarantineOutcome } : {}),
          })
        : await startServiceProcesses({
            kubeconfigPath: options.kubeconfigPath,
            socketPath: options.socketPath,
            ports: options.ports,
            host,
            env: process.env,
            ...(options.nodeDrainerConfigPath ? { nodeDrainerConfigPath: options.nodeDrainerConfigPath } : {}),
            write: options.writeServiceLog ?? ((line) => process.stderr.write(`${line}\n`)),
          });
    let stopping: Promise<void> | undefined;
    return {
      mode,
      ingestUrl: running.ingestUrl,
      socketPath: running.socketPath,
      services: running.services,
      datastore,
      stop() {
        stopping ??= (async () => {
          await running.stop();
          await progress?.stop();
          await datastore.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await progress?.stop().catch(() => undefined);
    await datastore.close().catch(() => undefined);
    throw err;
  }
}
