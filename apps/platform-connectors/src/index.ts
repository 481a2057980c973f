export {
  createPlatformConnectors,
  DEFAULT_HTTP_PORT,
  DEFAULT_SOCKET,
  type PlatformConnectors,
  type PlatformConnectorsConfig,
  type PlatformConnectorsDeps,
  type StartedAddresses,
} from './service.js';
export * from './errors.js';
export { loadConnectorConfig, parseConnectorConfig, type ConnectorConfig } from './config/connector-config.js';
export {
  CoalescingWriter,
  type BatchInserter,
  type CoalescingWriterOptions,
  type WriterState,
} from './persistence/coalescing-writer.js';
export { IngestPipeline, type IngestResult, type StoredEventSink } from './ingest/ingest-pipeline.js';
export { KubernetesMirror, type KubernetesMirrorOptions } from './mirror/kubernetes-mirror.js';
export * from './mirror/condition-message.js';
export { HEALTH_EVENTS_ROUTE, MAINTENANCE_EVENTS_ROUTE } from './transport/http-server.js';
export type { PipelineStep } from './transformers/build-transformers.js';
export type { HealthEventTransformer } from './transformers/transformer.js';
export { DEFAULT_ALLOWED_LABELS, type MetadataAugmentorConfig } from './transformers/metadata-augmentor.js';
export type { OverrideTransformerConfig, OverrideRuleConfig } from './transformers/override-transformer.js';
export { DEFAULT_DEDUP_CHECKS, type DeduplicatorConfig } from './transformers/deduplicator.js';
export { PLATFORM_CONNECTORS, platformConnectorsService, type PlatformConnectorsHooks } from './definition.js';
