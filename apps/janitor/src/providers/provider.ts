import type { V1Node } from '@kubernetes/client-node';

/**
 * What janitor needs from a cloud (or from the cluster itself) to reboot or terminate a node.
 * One implementation per folder under `providers/<name>/`; the instance is read from
 * `node.spec.providerID`. The gRPC client (`csp-server/client.ts`) implements this too, so the
 * controllers never know whether the provider runs in-process or in janitor-provider.
 */
export interface CspProvider {
  readonly name: string; // 'sim' | 'kind' | 'generic' | 'aws' | ...
  sendRebootSignal(node: V1Node): Promise<{ requestRef: string }>;
  isNodeReady(node: V1Node, requestRef: string): Promise<boolean>;
  sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }>;
}
