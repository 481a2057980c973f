/** health-events-analyzer's error catalogue (NVS_ERR_ANALYZER_*): stable codes, messages that say what to do. */
import { createErrorClass } from '@nvsentinel/service-kit';

export const RuleConfigError = createErrorClass(
  'NVS_ERR_ANALYZER_RULE_CONFIG_INVALID',
  'analyzer rules %s are invalid: %s. Fix the TOML (see apps/health-events-analyzer/README.md for every key) and restart',
);

export const RuleCompileError = createErrorClass(
  'NVS_ERR_ANALYZER_RULE_UNSUPPORTED',
  'rule %s cannot run on the %s datastore: stage %s, operator %s: %s. Rewrite that stage with supported operators (libs/store-client/src/query/README.md) or set evaluate_rule = false for it',
);

export const ThisPathError = createErrorClass(
  'NVS_ERR_ANALYZER_THIS_PATH',
  'rule %s: "%s" names no field of the triggering health event (%s). Use a lowercase document path such as this.healthevent.nodename or this.healthevent.errorcode.0',
);

export const UnknownRuleError = createErrorClass(
  'NVS_ERR_ANALYZER_UNKNOWN_RULE',
  'no rule named "%s" in the configuration; known rules: %s',
);

export const PublishError = createErrorClass(
  'NVS_ERR_ANALYZER_PUBLISH_FAILED',
  'publishing the %s event for node %s to the platform connector failed (%s). Check that platform-connectors listens on the --socket path',
);

export const NoTriggerEventError = createErrorClass(
  'NVS_ERR_ANALYZER_NO_TRIGGER_EVENT',
  'node %s has no stored health event to test rule %s against; pass an event id or pick a node with events',
);
