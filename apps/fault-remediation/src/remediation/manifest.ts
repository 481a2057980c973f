/**
 * Render → YAML → one Kubernetes object, then the Node as owner reference (upstream: a CR whose
 * node is gone is garbage-collected with it).
 */
import type { V1Node } from '@kubernetes/client-node';
import type { CustomObject } from '@nvsentinel/k8s';
import { parse as parseYaml } from 'yaml';
import type { RemediationAction } from '../config/remediation-config.js';
import { RenderedManifestError } from '../errors.js';
import type { GoStruct } from '../template/values.js';

export function renderManifest(action: RemediationAction, data: GoStruct): CustomObject {
  const text = action.template.render(data);
  let object: unknown;
  try {
    object = parseYaml(text);
  } catch (err) {
    throw new RenderedManifestError(action.templateFileName, `YAML: ${(err as Error).message}`);
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw new RenderedManifestError(action.templateFileName, 'the result is not a YAML mapping');
  }
  const manifest = object as CustomObject;
  if (typeof manifest.apiVersion !== 'string' || typeof manifest.kind !== 'string') {
    throw new RenderedManifestError(action.templateFileName, 'apiVersion and kind are required');
  }
  if (typeof manifest.metadata?.name !== 'string' || manifest.metadata.name === '') {
    throw new RenderedManifestError(action.templateFileName, 'metadata.name is required');
  }
  if (action.scope === 'Namespaced' && !manifest.metadata.namespace) manifest.metadata.namespace = action.namespace;
  return manifest;
}

export function withNodeOwner(manifest: CustomObject, node: V1Node): CustomObject {
  const owner = { apiVersion: 'v1', kind: 'Node', name: node.metadata!.name!, uid: node.metadata!.uid! };
  return { ...manifest, metadata: { ...manifest.metadata, ownerReferences: [owner] } };
}
