/**
 * One measured drain: N quarantined nodes with P workload pods each, Immediate eviction, no
 * PodDisruptionBudgets, so the client-side API budget (QPS/burst) and the drainer's parallelism
 * are what the number shows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentPaths, sampleHealthEvent } from '@nvsentinel/health-model';
import { createDataStore, datastoreEnvironment } from '@nvsentinel/store-client';
import { createBenchDatabase } from '../store/database.js';
import { DRAINER_MAIN, SIM_SERVE, freePort, startChild, waitForOutput } from './processes.js';

export interface DrainRunOptions {
  label: string;
  nodes: number;
  podsPerNode: number;
  qps: number;
  burst: number;
  workers: number;
}

export interface DrainRunResult extends DrainRunOptions {
  seconds: number;
  nodesPerSecond: number;
  kubeRequests: number;
  requestsPerNode: number;
  /** Best possible nodes/s at this QPS given the requests one node needs. */
  qpsCeilingNodesPerSecond: number;
}

const TOML = `evictionTimeoutInSeconds = "30"
systemNamespaces = "^(kube-system|gpu-operator)$"
[[userNamespaces]]
name = "*"
mode = "Immediate"
`;

export async function runDrain(options: DrainRunOptions, log: (line: string) => void): Promise<DrainRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-bench-'));
  const database = await createBenchDatabase();
  const scenario = join(dir, 'scenario.json');
  // timeScale 1000: a 30 s grace period passes in 30 ms, so pod termination never dominates.
  writeFileSync(
    scenario,
    JSON.stringify({
      nodes: options.nodes,
      podsPerNode: options.podsPerNode,
      workloadNamespaces: ['ml-training', 'inference', 'batch'],
      disruptionBudgets: false,
      timeScale: 1000,
    }),
  );
  writeFileSync(join(dir, 'config.toml'), TOML);
  const kubeconfig = join(dir, 'kubeconfig');
  const sim = startChild(SIM_SERVE, ['--scenario', scenario, '--port', '0', '--kubeconfig', kubeconfig]);
  const datastore = await createDataStore(database.config({ changeStreamPollIntervalMs: 100 }));
  let drainer: ReturnType<typeof startChild> | undefined;
  try {
    await waitForOutput(sim, 'kubeconfig written');
    const store = datastore.healthEventStore();
    await store.countHealthEvents(); // creates the schema before the drainer starts
    const metricsPort = await freePort();
    drainer = startChild(
      DRAINER_MAIN,
      [
        `--kubeconfig-path=${kubeconfig}`,
        `--config-path=${join(dir, 'config.toml')}`,
        `--metrics-port=${metricsPort}`,
        `--qps=${options.qps}`,
        `--burst=${options.burst}`,
        `--workers=${options.workers}`,
        '--verify-interval=100ms',
        '--poll-interval=1s',
        '--retry-base=200ms',
        '--retry-max=2s',
      ],
      {
        ...datastoreEnvironment(database.config()),
        DATASTORE_SSLMODE: 'disable',
        DATASTORE_CHANGE_STREAM_POLL_MS: '100',
        LOG_LEVEL: 'warn',
      },
    );
    await waitForReady(metricsPort, drainer.output);

    const ids = await store.insertHealthEvents(
      ...Array.from({ length: options.nodes }, (_, i) => ({
        healthEvent: sampleHealthEvent({ nodeName: `gpu-node-${i}` }),
      })),
    );
    const started = performance.now();
    // fault-quarantine's part, as fast as the datastore takes it: every node quarantined at once.
    await Promise.all(ids.map((id) => store.updateNodeQuarantineStatus(id, 'Quarantined')));
    let done = 0;
    let lastReport = started;
    while (done < options.nodes) {
      await new Promise((r) => setTimeout(r, 100));
      done = await store.countHealthEvents({ [DocumentPaths.evictionStatus]: 'Succeeded' });
      if (performance.now() - lastReport > 30_000) {
        log(
          `  … ${options.label}: ${done}/${options.nodes} nodes drained after ${((performance.now() - started) / 1000).toFixed(0)} s`,
        );
        lastReport = performance.now();
      }
      if (drainer.process.exitCode !== null) throw new Error(`node-drainer exited:\n${drainer.output()}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const kubeRequests = await scrapeRequests(metricsPort);
    const requestsPerNode = kubeRequests / options.nodes;
    return {
      ...options,
      seconds,
      nodesPerSecond: options.nodes / seconds,
      kubeRequests,
      requestsPerNode,
      qpsCeilingNodesPerSecond: options.qps / requestsPerNode,
    };
  } finally {
    await drainer?.stop();
    await sim.stop();
    await datastore.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForReady(port: number, output: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node-drainer never became ready:\n${output()}`);
}

/** Sum of node_drainer_kube_requests_total over all labels. */
async function scrapeRequests(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('node_drainer_kube_requests_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
