/**
 * The `NVS_ERR_*` errors raised by service-kit itself. Other libraries build their own catalogue
 * with {@link createErrorClass}; codes are stable API — never reuse or rename one.
 */
import { createErrorClass } from './create-error-class.js';

/** One thing wrong with a setting, phrased so an operator knows what to change. */
export interface ConfigProblem {
  /** The env var or flag (`--x`) the bad value came from, or the setting's env var when missing. */
  source: string;
  /** Full sentence: what is wrong, what is expected, how to fix it. */
  message: string;
}

const ConfigInvalidBase = createErrorClass('NVS_ERR_CONFIG_INVALID', 'Invalid configuration (%s):\n%s', {
  name: 'ConfigError',
});

/** Every problem found while loading configuration, reported together so one restart fixes all. */
export class ConfigError extends ConfigInvalidBase {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(count, problems.map((p) => `  - ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

/** A config schema itself is wrong (programming error, caught at definition time). */
export const ConfigSchemaError = createErrorClass('NVS_ERR_CONFIG_SCHEMA', 'Config schema is invalid: %s', {
  name: 'ConfigSchemaError',
});

/** A readiness check did not answer within its time budget. */
export const ReadinessCheckTimeoutError = createErrorClass(
  'NVS_ERR_READINESS_CHECK_TIMEOUT',
  "Readiness check '%s' did not finish within %s ms; make the check cheaper or raise its timeoutMs",
  { retryable: true, status: 503 },
);

/** Two readiness checks with one name would hide each other in the /readyz body. */
export const DuplicateReadinessCheckError = createErrorClass(
  'NVS_ERR_READINESS_CHECK_DUPLICATE',
  "Readiness check '%s' is already registered; give each check a unique name",
);

/** A shutdown step (closer) ran past its timeout; shutdown continues with the next step. */
export const ShutdownStepTimeoutError = createErrorClass(
  'NVS_ERR_SHUTDOWN_STEP_TIMEOUT',
  "Shutdown step '%s' did not finish within %s ms; it was abandoned so the remaining steps could run",
);

/** A change-stream handler kept failing after every retry. */
export const HandlerFailedError = createErrorClass(
  'NVS_ERR_CONSUMER_HANDLER_FAILED',
  'Handler failed for event %s (partition %s) after %s attempt(s)',
);

/** Persisting the consumer checkpoint (markProcessed) failed. */
export const CheckpointFailedError = createErrorClass(
  'NVS_ERR_CONSUMER_CHECKPOINT_FAILED',
  'Could not save checkpoint %s; events after the previous checkpoint will be redelivered on restart',
  { retryable: true },
);

/** The consumer was misconfigured or used after it stopped. */
export const ConsumerUsageError = createErrorClass('NVS_ERR_CONSUMER_USAGE', 'Consumer misuse: %s');

/** A service's `create` step failed: its configuration (files, rules, templates) is unusable. */
export const ServiceCreateError = createErrorClass(
  'NVS_ERR_SERVICE_CREATE',
  '%s: configuration rejected: %s. Fix the configuration (see the service README) and restart',
);

/** A service's `start` step failed for a reason waiting would not fix (e.g. its port is taken). */
export const ServiceStartError = createErrorClass('NVS_ERR_SERVICE_START', '%s: could not start: %s');
