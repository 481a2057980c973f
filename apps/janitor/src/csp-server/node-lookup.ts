/** janitor-provider resolves the Node by name before calling the provider (needs nodes get). */
import type { V1Node } from '@kubernetes/client-node';
import { isNotFound, isTransient, type KubeClient } from '@nvsentinel/k8s';
import { CspRequestFailedError, CspUnavailableError, NodeNotFoundError } from '../providers/errors.js';

export async function readNode(kube: KubeClient, name: string): Promise<V1Node> {
  try {
    return await kube.core.readNode({ name });
  } catch (error) {
    if (isNotFound(error)) throw new NodeNotFoundError(name, { cause: error });
    const message = (error as Error).message;
    if (isTransient(error))
      throw new CspUnavailableError('the Kubernetes API', 'read', name, message, { cause: error });
    throw new CspRequestFailedError('the Kubernetes API', 'read', name, message, { cause: error });
  }
}
