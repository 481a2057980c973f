/**
 * A ready-made, valid health event: what a GPU monitor reports for XID 79 (GPU fallen off the
 * bus) on GPU 0 of `gpu-node-0`. Tests, benchmarks and demos override what they are about.
 * It lives in the main entry (not only `./testing`) because benchmarks run from dist.
 */
import { ProcessingStrategy, RecommendedAction, type HealthEvent } from './types.js';

export function sampleHealthEvent(overrides: Partial<HealthEvent> = {}): HealthEvent {
  const now = Date.now();
  return {
    version: 1,
    agent: 'gpu-health-monitor',
    componentClass: 'GPU',
    checkName: 'GpuXidError',
    isFatal: true,
    isHealthy: false,
    message: 'XID 79: GPU has fallen off the bus',
    recommendedAction: RecommendedAction.RESTART_BM,
    errorCode: ['79'],
    entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
    metadata: {},
    generatedTimestamp: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1_000_000 },
    nodeName: 'gpu-node-0',
    processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION,
    id: '',
    customRecommendedAction: '',
    ...overrides,
  };
}
