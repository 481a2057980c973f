/**
 * Where the local stack keeps its files. Everything lives under one directory — `.nvsentinel/` at
 * the repository root, or `NVSENTINEL_HOME` — so the CLI finds the running stack from whatever
 * directory it is started in.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from src/stack or dist/stack alike. */
const WORKSPACE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface StackPaths {
  readonly home: string;
  /** kubeconfig of the simulated cluster (what `kubectl` and the services use). */
  readonly kubeconfig: string;
  /** gRPC unix socket of platform-connectors (upstream: /var/run/nvsentinel.sock). */
  readonly socket: string;
  /** Addresses of the running stack, written at start-up for the CLI. */
  readonly endpoints: string;
  /** Scenario file handed to the cluster simulator process. */
  readonly scenario: string;
}

export function stackPaths(home = process.env['NVSENTINEL_HOME'] ?? join(WORKSPACE_ROOT, '.nvsentinel')): StackPaths {
  const dir = resolve(home);
  return {
    home: dir,
    kubeconfig: join(dir, 'kubeconfig'),
    socket: join(dir, 'nvsentinel.sock'),
    endpoints: join(dir, 'stack.json'),
    scenario: join(dir, 'cluster-scenario.json'),
  };
}
