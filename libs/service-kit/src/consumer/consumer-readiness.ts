/**
 * Readiness of a consumer: ready while it pulls from its stream and nothing blocks its checkpoint
 * (an event still failing after its retries means the service cannot act right now).
 */
import type { ReadinessCheck } from '../server/readiness.js';
import type { Consumer } from './types.js';

export function consumerReadinessCheck(consumer: Consumer): ReadinessCheck {
  return () => {
    const { state, inFlight, processed, failed, blockingCheckpoint, checkpoint } = consumer.stats();
    return {
      ok: state === 'running' && blockingCheckpoint === 0,
      detail: { state, inFlight, processed, failed, blockingCheckpoint, checkpoint },
    };
  };
}
