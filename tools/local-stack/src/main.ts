#!/usr/bin/env node
/**
 * `npm start`: the whole system on one machine. Starts the cluster simulator (8 GPU nodes with
 * workload pods), the datastore (embedded unless DATASTORE_* name a server) and every service,
 * prints where everything is, then streams what happens until Ctrl+C.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createKubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import { createDataStore } from '@nvsentinel/store-client';
import { formatBanner } from './banner.js';
import { followCluster } from './progress/cluster-progress.js';
import { followRemediation } from './progress/remediation-progress.js';
import { terminalSink } from './progress/progress-line.js';
import { localScenario, LOCAL_NODE_COUNT } from './stack/cluster-scenario.js';
import { chooseDatastore } from './stack/datastore-choice.js';
import { DEFAULT_REBOOT, startLocalStack } from './stack/local-stack.js';
import { stackPaths } from './stack/paths.js';
import { startSimulatorProcess } from './stack/simulator-process.js';
import { DEFAULT_PORTS, type StackEndpoints } from './stack/stack-types.js';

const USAGE = `usage: npm start [-- --nodes N] [--k8s-port P] [--in-process] [--reboot-seconds S] [--reboot-not-fixed F]

  Starts the cluster simulator, the datastore and every NVSentinel service.
  --nodes N       simulated GPU nodes (default ${LOCAL_NODE_COUNT})
  --k8s-port P    simulated Kubernetes API port (default 6443)
  --in-process    with a datastore server, run the services in this process instead of one process each
  --reboot-seconds S    how long a node rebooted by janitor stays down (default ${DEFAULT_REBOOT.downSeconds})
  --reboot-not-fixed F  fraction of reboots after which the node's monitors report the fault again (0…1, default 0)
  Environment: DATASTORE_PROVIDER=postgresql DATASTORE_HOST=… (see libs/store-client) selects a server;
  DATASTORE_DATA_DIR=.nvsentinel/data keeps the embedded database on disk; LOG_LEVEL=info shows service logs.`;

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string' },
      'k8s-port': { type: 'string' },
      'in-process': { type: 'boolean' },
      'reboot-seconds': { type: 'string' },
      'reboot-not-fixed': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const nodeCount = Number(values.nodes ?? LOCAL_NODE_COUNT);
  const k8sPort = Number(values['k8s-port'] ?? 6443);
  if (!Number.isInteger(nodeCount) || nodeCount < 1)
    throw new Error(`--nodes must be a positive integer, got "${values.nodes}"\n${USAGE}`);
  const rebootSeconds = Number(values['reboot-seconds'] ?? DEFAULT_REBOOT.downSeconds);
  if (!Number.isInteger(rebootSeconds) || rebootSeconds < 1)
    throw new Error(`--reboot-seconds must be a positive integer, got "${values['reboot-seconds']}"\n${USAGE}`);
  const notFixed = Number(values['reboot-not-fixed'] ?? DEFAULT_REBOOT.notFixedFraction);
  if (!(notFixed >= 0 && notFixed <= 1))
    throw new Error(
      `--reboot-not-fixed must be a fraction between 0 and 1, got "${values['reboot-not-fixed']}"\n${USAGE}`,
    );

  const paths = stackPaths();
  await mkdir(paths.home, { recursive: true });
  const choice = chooseDatastore();
  const logger = createLogger({ name: 'nvsentinel', level: process.env['LOG_LEVEL'] ?? 'warn' });
  const sink = terminalSink();

  console.log(`Starting NVSentinel locally: cluster simulator (${nodeCount} nodes), ${choice.description} …`);
  // The simulator and the database start in parallel: they are the two slow, independent parts.
  const [simStart, datastoreOpen] = await Promise.allSettled([
    startSimulatorProcess({
      scenario: localScenario(nodeCount),
      scenarioPath: paths.scenario,
      kubeconfigPath: paths.kubeconfig,
      port: k8sPort,
    }),
    createDataStore(choice.config),
  ]);
  if (simStart.status === 'rejected' || datastoreOpen.status === 'rejected') {
    if (simStart.status === 'fulfilled') await simStart.value.stop();
    if (datastoreOpen.status === 'fulfilled') await datastoreOpen.value.close();
    throw (simStart.status === 'rejected' ? simStart.reason : (datastoreOpen as PromiseRejectedResult).reason) as Error;
  }
  const sim = simStart.value;
  const cleanups: Array<() => Promise<void>> = [() => sim.stop()];
  // Told to stop, the ingest closes first, even while the stack is still starting: an event
  // sent from then on is refused and resent by its sender, never acknowledged by a stack whose
  // consumers are going away (with the in-memory datastore it would be lost with the process).
  const stopping = new AbortController();
  let starting: Promise<unknown> | undefined;
  const shutdown = async (code: number) => {
    stopping.abort();
    await starting?.catch(() => undefined);
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((err: unknown) => console.error(`shutdown: ${(err as Error).message}`));
    await rm(paths.endpoints, { force: true });
    process.exit(code);
  };
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (++signals > 1) process.exit(1); // a second Ctrl+C does not wait
      console.log('\nStopping NVSentinel …');
      void shutdown(0);
    });
  }

  try {
    const stackStart = startLocalStack({
      datastore: choice.config,
      openedDatastore: datastoreOpen.value,
      ...(values['in-process'] ? { mode: 'in-process' as const } : {}),
      kubeconfig: sim.kubeconfig,
      kubeconfigPath: sim.kubeconfigPath,
      socketPath: paths.socket,
      ports: DEFAULT_PORTS,
      logger,
      progress: sink,
      reboot: { downSeconds: rebootSeconds, notFixedFraction: notFixed },
      signal: stopping.signal,
    });
    starting = stackStart;
    const stack = await stackStart;
    cleanups.push(() => stack.stop());
    const kube = createKubeClient({ kubeconfig: sim.kubeconfig, userAgent: 'nvsentinel-local-stack' });
    const [cluster, remediation] = await Promise.all([followCluster(kube, sink), followRemediation(kube, sink)]);
    cleanups.push(async () => {
      await Promise.all([cluster.stop(), remediation.stop()]);
      kube.close();
    });
    const nodes = (await kube.core.listNode()).items.map((n) => n.metadata?.name ?? '').sort(byNumber);

    const endpoints: StackEndpoints = {
      ingestUrl: stack.ingestUrl,
      socketPath: stack.socketPath,
      kubeconfigPath: sim.kubeconfigPath,
      kubernetesUrl: sim.url,
      datastore: choice.description,
      mode: stack.mode,
      services: stack.services,
      startedAt: new Date(startedAt).toISOString(),
      pid: process.pid,
    };
    await writeFile(paths.endpoints, JSON.stringify(endpoints, null, 2));
    console.log(
      formatBanner({
        endpoints,
        nodes,
        readyInMs: performance.now() /* since this process started, module loading included */,
      }),
    );
  } catch (err) {
    if (stopping.signal.aborted) return; // the signal handler's shutdown finishes the stop
    const message = (err as Error).message;
    const busy = /EADDRINUSE.*:(\d+)/.exec(message)?.[1];
    console.error(`\nNVSentinel did not start: ${message}`);
    if (busy)
      console.error(
        `Port ${busy} is taken — is another \`npm start\` still running? Stop it (Ctrl+C in its terminal) and try again.`,
      );
    await shutdown(1);
  }
}

/** gpu-node-2 before gpu-node-10. */
function byNumber(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

main().catch((err: unknown) => {
  console.error(`nvsentinel: ${(err as Error).message}`);
  process.exit(1);
});
