import { parseArgs } from 'node:util';
import type { ClusterSimOptions } from './start-cluster-sim.js';

export const SERVE_USAGE = `usage: cluster-sim [--scenario file.yaml] [--nodes N] [--pods-per-node N] [--seed N]
                  [--time-scale X] [--host H] [--port P] [--kubeconfig path] [--log]`;

export const DEFAULT_KUBECONFIG_PATH = '.nvsentinel/kubeconfig';
const DEFAULT_PORT = 6443;
const DEFAULT_NODES = 8;

function numberOption(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value))
    throw new Error(`--${name} must be a number, got "${String(raw)}"\n${SERVE_USAGE}`);
  return value;
}

/**
 * Turns the standalone command line into startClusterSim options (or `help`). Without a scenario
 * or --nodes it serves 8 nodes, on port 6443, writing the kubeconfig to .nvsentinel/kubeconfig.
 */
export function parseServeArgs(argv: string[]): ClusterSimOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        nodes: { type: 'string' },
        'pods-per-node': { type: 'string' },
        seed: { type: 'string' },
        'time-scale': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        kubeconfig: { type: 'string' },
        log: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${SERVE_USAGE}`, { cause: error });
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const options: ClusterSimOptions = {
    kubeconfigPath: values.kubeconfig ?? DEFAULT_KUBECONFIG_PATH,
    port: numberOption(values, 'port') ?? DEFAULT_PORT,
    host: values.host ?? '127.0.0.1',
    logger: values.log ?? false,
  };
  if (values.scenario) options.scenarioFile = values.scenario;
  const nodes = numberOption(values, 'nodes');
  if (nodes !== undefined) options.nodes = nodes;
  else if (!values.scenario) options.nodes = DEFAULT_NODES;
  const podsPerNode = numberOption(values, 'pods-per-node');
  if (podsPerNode !== undefined) options.podsPerNode = podsPerNode;
  const seed = numberOption(values, 'seed');
  if (seed !== undefined) options.seed = seed;
  const timeScale = numberOption(values, 'time-scale');
  if (timeScale !== undefined) options.timeScale = timeScale;
  return options;
}
