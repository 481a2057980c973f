/** Readiness of a consumer: ready while it is pulling from its stream. */
import type { ReadinessCheck } from '../server/readiness.js';
import type { Consumer } from './types.js';

export function consumerReadinessCheck(consumer: Consumer): ReadinessCheck {
  return () => {
    const { state, inFlight, processed, failed, blockingCheckpoint, checkpoint } = consumer.stats();
    return { ok: state === 'running', detail: { state, inFlight, processed, failed, blockingCheckpoint, checkpoint } };
  };
}
