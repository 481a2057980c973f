/**
 * Render → YAML → one Kubernetes object, then the Node as owner reference (upstream: a CR whose
 * node is gone is garbage-collected with it).
 */
import type { CustomObject } from '@nvsentinel/k8s';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import type { RemediationAction } from '../config/remediation-config.js';
import { RenderedManifestError } from '../errors.js';
import type { GoStruct } from '../template/values.js';

export function renderManifest(action: RemediationAction, data: GoStruct): CustomObject {
  const text = action.template.render(data);
  let object: unknown;
  try {
    // js-yaml with the YAML 1.2 core schema (as the `yaml` package's default, no timestamps, no merge
    // keys): the same objects at about a sixth of the cost, on the path of every CR.
    object = loadYaml(text, { schema: CORE_SCHEMA, filename: action.templateFileName });
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

export function withNodeOwner(manifest: CustomObject, node: { name: string; uid: string }): CustomObject {
  const owner = { apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid };
  return { ...manifest, metadata: { ...manifest.metadata, ownerReferences: [owner] } };
}
