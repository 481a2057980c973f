import type { KubeClient } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { ConnectorMetrics } from '../metrics.js';
import { Deduplicator, type DeduplicatorConfig } from './deduplicator.js';
import { MetadataAugmentor, type MetadataAugmentorConfig } from './metadata-augmentor.js';
import { OverrideTransformer, type OverrideTransformerConfig } from './override-transformer.js';
import type { HealthEventTransformer } from './transformer.js';

/** One configured pipeline step, in upstream's names. */
export type PipelineStep =
  | { name: 'MetadataAugmentor'; config: MetadataAugmentorConfig }
  | { name: 'OverrideTransformer'; config: OverrideTransformerConfig }
  | { name: 'Deduplicator'; config: DeduplicatorConfig };

export const TRANSFORMER_NAMES = ['MetadataAugmentor', 'OverrideTransformer', 'Deduplicator'] as const;

export interface TransformerDeps {
  kube: KubeClient | undefined;
  metrics: ConnectorMetrics;
  logger: Logger;
}

/** Instantiates the steps in order. The metadata augmentor is skipped (with a warning) without a kube client. */
export function buildTransformers(steps: readonly PipelineStep[], deps: TransformerDeps): HealthEventTransformer[] {
  const transformers: HealthEventTransformer[] = [];
  for (const step of steps) {
    switch (step.name) {
      case 'MetadataAugmentor':
        if (!deps.kube) {
          deps.logger.warn('MetadataAugmentor needs Kubernetes access (--kubeconfig or in-cluster); it is skipped');
          break;
        }
        transformers.push(new MetadataAugmentor(deps.kube, step.config, deps.logger));
        break;
      case 'OverrideTransformer':
        transformers.push(new OverrideTransformer(step.config, deps.metrics, deps.logger));
        break;
      case 'Deduplicator':
        transformers.push(new Deduplicator(step.config, deps.metrics));
        break;
    }
  }
  return transformers;
}
