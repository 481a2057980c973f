/** node-drainer's error catalogue (NVS_ERR_DRAIN_*): stable codes, messages that say what to do. */
import { createErrorClass } from '@nvsentinel/service-kit';

export const DrainConfigError = createErrorClass(
  'NVS_ERR_DRAIN_CONFIG_INVALID',
  'node-drainer configuration %s is invalid: %s. Fix the file (see apps/node-drainer/README.md for every key) and restart',
);

/** Some pods of a node could not be evicted this attempt; the event is retried with backoff. */
export const EvictionsFailedError = createErrorClass(
  'NVS_ERR_DRAIN_EVICTIONS_FAILED',
  'evictions failed on node %s: %s; the drain is retried with backoff (check PodDisruptionBudgets and the API server)',
  { retryable: true },
);
