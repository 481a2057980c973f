/** Facts about a Node every provider reads the same way. */
import type { V1Node } from '@kubernetes/client-node';

export function nodeName(node: V1Node): string {
  return node.metadata?.name ?? '<unnamed>';
}

export function providerIdOf(node: V1Node): string {
  return node.spec?.providerID ?? '';
}

/** The kubelet's boot ID: it changes on every boot, which is how a finished reboot is recognised. */
export function bootIdOf(node: V1Node): string {
  return node.status?.nodeInfo?.bootID ?? '';
}

function isReady(node: V1Node): boolean {
  return (
    node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false
  );
}

/** Rebooted = booted again since the signal (new bootID) and the kubelet reports Ready. */
export function hasRebootedSince(node: V1Node, bootIdBefore: string): boolean {
  const now = bootIdOf(node);
  return now !== '' && now !== bootIdBefore && isReady(node);
}
