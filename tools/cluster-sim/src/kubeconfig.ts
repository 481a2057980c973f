import { stringify } from 'yaml';

export const KUBECONFIG_CONTEXT = 'cluster-sim';

/**
 * A kubeconfig for the simulator. The server is plain HTTP, and client-node 1.4 refuses an http://
 * server unless `insecure-skip-tls-verify` is set — so it is, even though no TLS is involved.
 */
export function buildKubeconfig(url: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': KUBECONFIG_CONTEXT,
    clusters: [{ name: KUBECONFIG_CONTEXT, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: KUBECONFIG_CONTEXT, user: { token: 'cluster-sim' } }],
    contexts: [
      { name: KUBECONFIG_CONTEXT, context: { cluster: KUBECONFIG_CONTEXT, user: KUBECONFIG_CONTEXT, namespace } },
    ],
  });
}
