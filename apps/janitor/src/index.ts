export {
  CLIENT_NAME,
  DEFAULT_JANITOR_OPTIONS,
  createJanitor,
  janitorOptionsFromSettings,
  loadJanitorConfig,
  type Janitor,
  type JanitorDeps,
  type JanitorOptions,
  type JanitorService,
  type LeaderElectionSettings,
  type WebhookSettings,
} from './service.js';
export { settingsSchema } from './config/settings.js';
export {
  DEFAULT_TIMEOUT_MS,
  defaultJanitorConfig,
  parseJanitorConfig,
  type ControllerConfig,
  type ExternalRemediationConfig,
  type GpuResetControllerConfig,
  type JanitorConfig,
} from './config/janitor-config.js';
export * from './controllers/api.js';
export { UPSTREAM_TIMING, type ControllerTiming } from './controllers/context.js';
export { TTL_ANNOTATION, EXPIRY_ANNOTATION, PRESERVE_ANNOTATION, ttlDecision } from './ttl/ttl-collector.js';
export { JanitorValidator, type AdmissionDecision, type AdmissionRequest } from './webhook/validator.js';
export {
  JanitorConfigError,
  WebhookConfigError,
  LeaderElectionError,
  NodeLockError,
  GpuResetJobError,
} from './errors.js';
export type { CspProvider } from './providers/provider.js';
export { janitorService } from './definition.js';
