export { healthEventsAnalyzerService, type HealthEventsAnalyzerHooks } from './definition.js';
export { CHART_CONFIG_PATH } from './config/settings.js';
export {
  createHealthEventsAnalyzer,
  DEFAULT_ANALYZER_OPTIONS,
  derivedEvent,
  parseProcessingStrategy,
} from './service.js';
export type { HealthEventsAnalyzerDeps, HealthEventsAnalyzerOptions, HealthEventsAnalyzerService } from './service.js';
export { settingsSchema } from './config/settings.js';
export { analyzerInputs, type AnalyzerSettings } from './config/from-settings.js';
export { CLIENT_NAME as ANALYZER_CLIENT_NAME } from './stream/pipeline.js';
export {
  DEFAULT_RULES_PATH,
  loadRules,
  parseRules,
  parseRuleSwitches,
  ruleSwitchName,
  type Rule,
} from './config/rules.js';
export { replayHistory, type ReplayOptions, type ReplayMatch, type ReplayResult } from './rules/replay.js';
export { isAnalysable } from './stream/pipeline.js';
export {
  testRule,
  checkRulesCompile,
  compileCheckTrigger,
  evaluateRule,
  type TestRuleOptions,
  type TestRuleResult,
} from './rules/evaluate.js';
export { gatedOut } from './rules/constant-gate.js';
export { buildRulePipeline, fixedFirstStage, substitute, isMatch, ANALYZER_AGENT } from './rules/pipeline.js';
export { CLIENT_NAME, analyzerInsertsPipeline, coldStartFilter } from './stream/pipeline.js';
export {
  createGrpcPublisher,
  UPSTREAM_PUBLISH_RETRY,
  type Publisher,
  type PublishRetryPolicy,
} from './publish/publisher.js';
export * from './errors.js';
