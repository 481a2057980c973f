#!/usr/bin/env node
/**
 * Standalone simulator: `nx run cluster-sim:serve` (or `node tools/cluster-sim/dist/serve.js`).
 * Writes a kubeconfig (default .nvsentinel/kubeconfig under the current directory) and serves
 * until SIGINT/SIGTERM.
 */
import { SERVE_USAGE, parseServeArgs } from './serve-options.js';
import { startClusterSim } from './start-cluster-sim.js';

async function main(): Promise<void> {
  const options = parseServeArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(SERVE_USAGE);
    return;
  }
  const sim = await startClusterSim(options);
  console.log(`cluster-sim serving ${sim.url} (${sim.state.nodes().length} nodes, ${sim.state.pods().length} pods)`);
  console.log(`kubeconfig written to ${sim.kubeconfigPath}  —  export KUBECONFIG=${sim.kubeconfigPath}`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`cluster-sim: ${(error as Error).message}`);
  process.exit(1);
});
