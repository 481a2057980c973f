/**
 * How the CLI finds the running stack: `.nvsentinel/stack.json`, written by `npm start`; each
 * address can be given instead by flag (so the CLI also works against a stack deployed elsewhere,
 * e.g. a port-forwarded platform-connectors and a real cluster's kubeconfig).
 */
import { existsSync, readFileSync } from 'node:fs';
import { stackPaths } from '../stack/paths.js';
import type { StackEndpoints } from '../stack/stack-types.js';

export interface EndpointFlags {
  ingestUrl?: string;
  socket?: string;
  kubeconfig?: string;
}

export interface CliEndpoints {
  ingestUrl: string;
  socketPath: string;
  kubeconfigPath: string;
}

export function resolveEndpoints(flags: EndpointFlags, home?: string): CliEndpoints {
  const paths = stackPaths(home);
  const running = existsSync(paths.endpoints)
    ? (JSON.parse(readFileSync(paths.endpoints, 'utf8')) as StackEndpoints)
    : undefined;
  return {
    ingestUrl: flags.ingestUrl ?? running?.ingestUrl ?? 'http://127.0.0.1:8080',
    socketPath: stripUnix(flags.socket ?? running?.socketPath ?? paths.socket),
    kubeconfigPath: flags.kubeconfig ?? running?.kubeconfigPath ?? paths.kubeconfig,
  };
}

function stripUnix(address: string): string {
  return address.replace(/^unix:\/\//, '');
}
