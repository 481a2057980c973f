/** Errors fault-quarantine raises, each with a stable code and a message that says what to fix. */
import { createErrorClass } from '@nvsentinel/service-kit';

export const ConfigFileUnreadableError = createErrorClass(
  'NVS_ERR_FQ_CONFIG_UNREADABLE',
  "Cannot read the fault-quarantine config file '%s': %s. Pass --config-path (CONFIG_PATH) pointing at a readable TOML file",
);

export const ConfigSyntaxError = createErrorClass(
  'NVS_ERR_FQ_CONFIG_SYNTAX',
  "The fault-quarantine config file '%s' is not valid TOML: %s",
);

export const ConfigInvalidError = createErrorClass(
  'NVS_ERR_FQ_CONFIG_INVALID',
  "The fault-quarantine config file '%s' is invalid:\n%s",
);

export const RuleExpressionError = createErrorClass(
  'NVS_ERR_FQ_RULE_EXPRESSION',
  "Rule set '%s' (%s) has an invalid CEL expression `%s`: %s. Fix the expression in the config file",
);

/** Thrown by the handler while the breaker blocks new quarantines; the event stays unfinished. */
export const BreakerTrippedError = createErrorClass(
  'NVS_ERR_FQ_BREAKER_TRIPPED',
  "Circuit breaker is %s: not quarantining node '%s'. The event is kept and redelivered after the operator resets the breaker (delete ConfigMap %s/circuit-breaker, restart fault-quarantine)",
  { retryable: true },
);
