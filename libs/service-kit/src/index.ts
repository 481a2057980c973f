// Error catalogue
export { NvsError, isNvsError, createErrorClass } from './errors/create-error-class.js';
export type {
  CatalogueError,
  ErrorClassOptions,
  NvsErrorClass,
  NvsErrorOptions,
  TemplateArgs,
} from './errors/create-error-class.js';
export {
  CheckpointFailedError,
  ConfigError,
  ConfigSchemaError,
  ConsumerUsageError,
  DuplicateReadinessCheckError,
  HandlerFailedError,
  ReadinessCheckTimeoutError,
  ShutdownStepTimeoutError,
} from './errors/catalogue.js';
export type { ConfigProblem } from './errors/catalogue.js';

// Configuration
export { setting } from './config/settings.js';
export { kubeRateSettings, type KubeRateDocs } from './config/kube-rate-settings.js';
export type { ConfigOf, ConfigSchema, Setting, SettingType } from './config/settings.js';
export { defineConfigSchema, loadConfig } from './config/load-config.js';
export type { LoadConfigOptions } from './config/load-config.js';
export { isHelpRequested } from './config/argv.js';
export { formatHelp } from './config/help.js';
export { CONFIG_ERROR_EXIT_CODE, loadConfigOrExit } from './config/load-config-or-exit.js';
export type { LoadConfigOrExitOptions } from './config/load-config-or-exit.js';
export type { HelpOptions } from './config/help.js';
export { formatDurationMs, parseDurationMs } from './config/duration.js';

// Logging
export {
  DEFAULT_REDACT_PATHS,
  LOG_LEVELS,
  createLogger,
  moduleLogger,
  type LogLevel,
} from './logging/create-logger.js';
export type { CreateLoggerOptions, Logger } from './logging/create-logger.js';

// HTTP server: /healthz, /readyz, /metrics
export { DEFAULT_METRICS_PORT, createServiceServer } from './server/create-service-server.js';
export type { ServiceServer, ServiceServerOptions } from './server/create-service-server.js';
export { DEFAULT_READINESS_TIMEOUT_MS, Readiness } from './server/readiness.js';
export type {
  CheckReport,
  ReadinessCheck,
  ReadinessCheckOptions,
  ReadinessPhase,
  ReadinessReport,
  ReadinessResult,
} from './server/readiness.js';
export {
  MetricTypeConflictError,
  Registry,
  counter,
  createMetricsRegistry,
  gauge,
  histogram,
} from './server/metrics.js';
export type { Counter, Gauge, Histogram, MetricsRegistryOptions } from './server/metrics.js';

// Lifecycle and graceful shutdown
export { DEFAULT_SHUTDOWN_DELAY_MS, DEFAULT_STEP_TIMEOUT_MS, createService } from './lifecycle/create-service.js';
export type {
  Closer,
  CloserOptions,
  CreateServiceOptions,
  ProcessLike,
  Service,
  ServiceState,
} from './lifecycle/create-service.js';

// Change-stream consumer loop
export { runConsumer } from './consumer/run-consumer.js';
export { consumerReadinessCheck } from './consumer/consumer-readiness.js';
export type {
  ChangeStreamEventLike,
  ChangeStreamLike,
  Consumer,
  ConsumerOptions,
  ConsumerState,
  ConsumerStats,
  HandlerContext,
  RetryPolicy,
} from './consumer/types.js';
export { LowWaterMark } from './consumer/low-water-mark.js';
export { PartitionScheduler } from './consumer/partition-scheduler.js';
export { backoffDelayMs, resolveRetryPolicy } from './consumer/backoff.js';
export { KeyedMutex } from './concurrency/keyed-mutex.js';

// The service shape and entry point: every app is a definition started by runServiceMain.
export { defineService, serviceSchema } from './service/define-service.js';
export type {
  ServiceContext,
  ServiceDefinition,
  ServiceInstance,
  ServiceNeeds,
  ServiceSchema,
} from './service/define-service.js';
export { commonSettingsSchema, type CommonSettings } from './service/common-settings.js';
export {
  DEFAULT_NAMESPACE,
  launchService,
  readSettings,
  type LaunchedService,
  type LaunchOptions,
} from './service/launch-service.js';
export { EXIT_CODES, runServiceMain, type RunServiceMainOptions } from './service/run-service-main.js';
export { ServiceCreateError, ServiceStartError } from './errors/catalogue.js';
export { MAX_BUFFERED_BYTES, flushOutput, processOutput, type ProcessOutput } from './logging/output.js';
