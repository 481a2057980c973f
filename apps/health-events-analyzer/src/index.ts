export { createHealthEventsAnalyzer, DEFAULT_ANALYZER_OPTIONS, derivedEvent, parseProcessingStrategy } from './service.js';
export type { HealthEventsAnalyzerDeps, HealthEventsAnalyzerOptions, HealthEventsAnalyzerService } from './service.js';
export { settingsSchema } from './config/settings.js';
export { DEFAULT_RULES_PATH, loadRules, parseRules, parseRuleSwitches, ruleSwitchName, type Rule } from './config/rules.js';
export { testRule, checkRulesCompile, evaluateRule, type TestRuleOptions, type TestRuleResult } from './rules/evaluate.js';
export { buildRulePipeline, fixedFirstStage, substitute, isMatch, ANALYZER_AGENT } from './rules/pipeline.js';
export { CLIENT_NAME, analyzerInsertsPipeline } from './stream/pipeline.js';
export { createGrpcPublisher, UPSTREAM_PUBLISH_RETRY, type Publisher, type PublishRetryPolicy } from './publish/publisher.js';
export * from './errors.js';
