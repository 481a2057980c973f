/** The start-up banner: where everything is and what to type next. */
import { relative } from 'node:path';
import type { StackEndpoints } from './stack/stack-types.js';

export interface BannerInput {
  endpoints: StackEndpoints;
  nodes: string[];
  readyInMs: number;
  cwd?: string;
}

export function formatBanner({ endpoints, nodes, readyInMs, cwd = process.cwd() }: BannerInput): string {
  const rel = (path: string) => (relative(cwd, path).startsWith('..') ? path : relative(cwd, path));
  const services = endpoints.services
    .map(
      (s) => `    ${s.name.padEnd(22)} ${s.metricsUrl}/metrics   /healthz /readyz${s.pid ? `   (pid ${s.pid})` : ''}`,
    )
    .join('\n');
  const nodeList = nodes.length > 4 ? `${nodes[0]} … ${nodes[nodes.length - 1]}` : nodes.join(', ');
  return `
  NVSentinel is running (ready ${(readyInMs / 1000).toFixed(1)} s after start, compile included)

  Datastore        ${endpoints.datastore}   [services ${endpoints.mode === 'in-process' ? 'in this process' : 'as separate processes'}]
  Ingest (HTTP)    ${endpoints.ingestUrl}/api/v1/health-events
  Ingest (gRPC)    unix://${endpoints.socketPath}
  Kubernetes API   ${endpoints.kubernetesUrl}   (${nodes.length} nodes: ${nodeList})
  kubeconfig       ${rel(endpoints.kubeconfigPath)}      export KUBECONFIG=${endpoints.kubeconfigPath}
  Metrics / health
${services}

  Try, in a second terminal:
    npx nvsentinel inject --node gpu-node-3 --xid 79          fatal XID: cordon → drain → RebootNode → reboot → healthy → uncordon
    npx nvsentinel cycle --node gpu-node-3                     that node's break-fix timeline, with the time of each step
    npx nvsentinel nodes                                       cordon state, NVSentinel state, taints, maintenance CR and phase, pods
    npx nvsentinel events --node gpu-node-3                    stored events with their status fields
    npx nvsentinel maintenance schedule --node gpu-node-2 --in 30s --duration 1m   cloud maintenance: quarantined before, healthy after
    npx nvsentinel inject --node gpu-node-5 --xid 13 --via http  a non-fatal XID: stored, nothing else happens

  Progress follows below. Ctrl+C stops everything.
`;
}
