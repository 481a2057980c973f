export { createFaultRemediation, DEFAULT_FAULT_REMEDIATION_OPTIONS } from './service.js';
export type {
  FaultRemediationDeps,
  FaultRemediationOptions,
  FaultRemediationService,
  LogCollectorSettings,
} from './service.js';
export { settingsSchema } from './config/settings.js';
export { parseRemediationConfig, PARTIAL_ENTITY_TYPES } from './config/remediation-config.js';
export type { ParseOptions, RemediationAction, RemediationConfig } from './config/remediation-config.js';
export { compileTemplate, type CompiledTemplate } from './template/template.js';
export { CLIENT_NAME, quarantinedAndDrainedPipeline } from './stream/pipeline.js';
export { coldStartFilter } from './cold-start.js';
export {
  REMEDIATION_STATE_ANNOTATION,
  parseRemediationState,
  type RemediationState,
} from './remediation/annotation.js';
export { NODE_STATE_LABEL, RemediationLabel } from './remediation/node-metadata.js';
export { loadLogCollectorSettings, LOG_COLLECTOR_MANIFEST_FILE } from './config/log-collector-settings.js';
export { RemediationConfigError, TemplateError } from './errors.js';
export { faultRemediationService } from './definition.js';
