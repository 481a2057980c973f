export { createFaultQuarantine, DEFAULT_GPU_NODE_LABEL } from './service.js';
export type { FaultQuarantine, FaultQuarantineDeps, FaultQuarantineOptions } from './service.js';
export { loadConfigFile, parseConfigText } from './config/parse-config.js';
export { DEFAULT_CONFIG_PATH } from './config/default-config.js';
export type {
  FaultQuarantineConfig,
  RuleSetConfig,
  MatchRule,
  TaintConfig,
  CircuitBreakerConfig,
} from './config/config-types.js';
export { RuleEngine, resolveTaints } from './rules/rule-engine.js';
export { CircuitBreaker } from './breaker/circuit-breaker.js';
export { CLIENT_NAME, processableInsertsPipeline } from './pipeline.js';
export { Annotations, STATE_LABEL, QUARANTINED_STATE, OPT_OUT_LABEL, cordonLabels } from './quarantine/node-keys.js';
export type { HandleOutcome } from './quarantine/event-handler.js';
export * from './errors.js';
export { faultQuarantineService, type FaultQuarantineHooks } from './definition.js';
