/** node-drainer's error catalogue (NVS_ERR_DRAIN_*): stable codes, messages that say what to do. */
import { createErrorClass } from '@nvsentinel/service-kit';

export const DrainConfigError = createErrorClass(
  'NVS_ERR_DRAIN_CONFIG_INVALID',
  'node-drainer configuration %s is invalid: %s. Fix the file (see apps/node-drainer/README.md for every key) and restart',
);

export const EventUndecodableError = createErrorClass(
  'NVS_ERR_DRAIN_EVENT_UNDECODABLE',
  'health event %s cannot be decoded (%s); it is skipped. Check the writer of this document',
);
