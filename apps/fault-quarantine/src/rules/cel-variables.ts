/**
 * The values rule expressions see. Upstream hands CEL the HealthEvent as a map with camelCase
 * names and every field present (enums as numbers), and the Node as its unstructured JSON, so
 * rules written for upstream evaluate the same here.
 */
import type { V1Node } from '@kubernetes/client-node';
import type { HealthEvent } from '@nvsentinel/health-model';

export type CelMap = Record<string, unknown>;

export function eventVariable(event: HealthEvent): CelMap {
  return {
    version: event.version,
    agent: event.agent,
    componentClass: event.componentClass,
    checkName: event.checkName,
    isFatal: event.isFatal,
    isHealthy: event.isHealthy,
    message: event.message,
    recommendedAction: event.recommendedAction,
    errorCode: [...event.errorCode],
    entitiesImpacted: event.entitiesImpacted.map((e) => ({ entityType: e.entityType, entityValue: e.entityValue })),
    metadata: { ...event.metadata },
    generatedTimestamp: {
      seconds: event.generatedTimestamp?.seconds ?? 0,
      nanos: event.generatedTimestamp?.nanos ?? 0,
    },
    nodeName: event.nodeName,
    quarantineOverrides: {
      force: event.quarantineOverrides?.force ?? false,
      skip: event.quarantineOverrides?.skip ?? false,
    },
    drainOverrides: { force: event.drainOverrides?.force ?? false, skip: event.drainOverrides?.skip ?? false },
    processingStrategy: event.processingStrategy,
    id: event.id,
    customRecommendedAction: event.customRecommendedAction,
  };
}

/**
 * The node as plain JSON (dates become strings, as in the API's wire form). Labels and
 * annotations are always maps, so `'key' in node.metadata.labels` works on unlabelled nodes.
 */
export function nodeVariable(node: V1Node): CelMap {
  const json = JSON.parse(JSON.stringify(node)) as CelMap;
  const metadata = (json['metadata'] ?? {}) as CelMap;
  json['metadata'] = { ...metadata, labels: metadata['labels'] ?? {}, annotations: metadata['annotations'] ?? {} };
  json['spec'] ??= {};
  json['status'] ??= {};
  return json;
}
