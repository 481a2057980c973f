/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas shipped in kubernetes-models
 * (v1.x core, apps, batch, rbac, networking, admissionregistration, apiextensions…).
 * cert-manager and prometheus-operator kinds are not in that package; they are checked for the
 * fields the chart relies on by the chart spec instead.
 */
import { createRequire } from 'node:module';
import type { KubeObject } from './helm.js';

const require = createRequire(import.meta.url);

export const UNMODELLED_GROUPS = ['cert-manager.io', 'monitoring.coreos.com'];

interface Model {
  new (data: unknown): { validate(): void };
}

const cache = new Map<string, Promise<Model>>();

function modelFor(apiVersion: string, kind: string): Promise<Model> {
  const key = `${apiVersion}/${kind}`;
  let model = cache.get(key);
  if (!model) {
    // core/v1 lives at kubernetes-models/v1, the others at kubernetes-models/<group>/<version>
    model = Promise.resolve().then(() => {
      const ctor = (require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, Model>)[kind];
      if (!ctor) throw new Error(`kubernetes-models has no ${kind} in ${apiVersion}`);
      return ctor;
    });
    cache.set(key, model);
  }
  return model;
}

/** One message per invalid object ('' when valid); unmodelled groups return undefined. */
export async function validateObject(object: KubeObject): Promise<string | undefined> {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
  if (UNMODELLED_GROUPS.includes(group)) return undefined;
  const Model = await modelFor(object.apiVersion, object.kind);
  try {
    new Model(object).validate();
    return '';
  } catch (err) {
    return `${object.kind}/${object.metadata.name}: ${(err as Error).message}`;
  }
}
