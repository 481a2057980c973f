/** Upstream's csp_health_monitor_* metrics (pkg/metrics/metrics.go), shared by both processes. */
import { counter, histogram, type Registry } from '@nvsentinel/service-kit';

const P = 'csp_health_monitor_';

export function createMonitorMetrics(registry: Registry) {
  return {
    cspEventsReceived: counter(registry, {
      name: `${P}csp_events_received_total`,
      help: 'Events received from the CSP',
      labelNames: ['csp'],
    }),
    cspPollingDuration: histogram(registry, {
      name: `${P}csp_polling_duration_seconds`,
      help: 'Duration of one CSP poll',
      labelNames: ['csp'],
    }),
    cspApiErrors: counter(registry, {
      name: `${P}csp_api_errors_total`,
      help: 'CSP API errors',
      labelNames: ['csp', 'error_type'],
    }),
    cspApiPollingDuration: histogram(registry, {
      name: `${P}csp_api_polling_duration_seconds`,
      help: 'Duration of CSP API calls',
      labelNames: ['csp', 'api'],
    }),
    cspMonitorErrors: counter(registry, {
      name: `${P}csp_monitor_errors_total`,
      help: 'Errors of the CSP monitor loop',
      labelNames: ['csp', 'error_type'],
    }),
    eventsByTypeUnsupported: counter(registry, {
      name: `${P}csp_events_by_type_unsupported_total`,
      help: 'CSP events of an unsupported type',
      labelNames: ['csp', 'type'],
    }),
    eventsToNormalize: counter(registry, {
      name: `${P}main_events_to_normalize_total`,
      help: 'Raw CSP items handed to the normaliser',
      labelNames: ['csp'],
    }),
    normalizationErrors: counter(registry, {
      name: `${P}main_normalization_errors_total`,
      help: 'Raw CSP items that could not be normalised (skipped)',
      labelNames: ['csp'],
    }),
    eventsReceived: counter(registry, {
      name: `${P}main_events_received_total`,
      help: 'Normalised maintenance events received by the processor',
      labelNames: ['csp'],
    }),
    eventsProcessedSuccess: counter(registry, {
      name: `${P}main_events_processed_success_total`,
      help: 'Maintenance events stored',
      labelNames: ['csp'],
    }),
    processingErrors: counter(registry, {
      name: `${P}main_processing_errors_total`,
      help: 'Maintenance events that failed to process',
      labelNames: ['csp', 'error_type'],
    }),
    eventProcessingDuration: histogram(registry, {
      name: `${P}main_event_processing_duration_seconds`,
      help: 'Duration of processing one maintenance event',
      labelNames: ['csp'],
    }),
    upsertAttempts: counter(registry, {
      name: `${P}main_datastore_upsert_attempts_total`,
      help: 'Datastore upsert attempts',
      labelNames: ['csp'],
    }),
    upserts: counter(registry, {
      name: `${P}main_datastore_upsert_total`,
      help: 'Datastore upserts by outcome',
      labelNames: ['csp', 'status'],
    }),
  };
}
export type MonitorMetrics = ReturnType<typeof createMonitorMetrics>;

export function createNotifierMetrics(registry: Registry) {
  return {
    pollCycles: counter(registry, { name: `${P}trigger_poll_cycles_total`, help: 'Trigger engine poll cycles' }),
    pollErrors: counter(registry, {
      name: `${P}trigger_poll_errors_total`,
      help: 'Trigger engine poll cycles that failed',
    }),
    queryDuration: histogram(registry, {
      name: `${P}trigger_datastore_query_duration_seconds`,
      help: 'Datastore query duration',
      labelNames: ['query_type'],
    }),
    queryErrors: counter(registry, {
      name: `${P}trigger_datastore_query_errors_total`,
      help: 'Datastore query errors',
      labelNames: ['query_type'],
    }),
    updateErrors: counter(registry, {
      name: `${P}trigger_datastore_update_errors_total`,
      help: 'Datastore status update errors',
      labelNames: ['trigger_type'],
    }),
    eventsFound: counter(registry, {
      name: `${P}trigger_events_found_total`,
      help: 'Maintenance events found to trigger',
      labelNames: ['trigger_type'],
    }),
    attempts: counter(registry, {
      name: `${P}trigger_attempts_total`,
      help: 'Trigger attempts',
      labelNames: ['trigger_type'],
    }),
    success: counter(registry, {
      name: `${P}trigger_success_total`,
      help: 'Triggers completed',
      labelNames: ['trigger_type'],
    }),
    failures: counter(registry, {
      name: `${P}trigger_failures_total`,
      help: 'Trigger failures',
      labelNames: ['trigger_type', 'failure_reason'],
    }),
    sendDuration: histogram(registry, {
      name: `${P}trigger_uds_send_duration_seconds`,
      help: 'Duration of sending a trigger to platform-connectors',
    }),
    sendErrors: counter(registry, { name: `${P}trigger_uds_send_errors_total`, help: 'Failed trigger send attempts' }),
    duplicatesAvoided: counter(registry, {
      name: `${P}trigger_duplicates_avoided_total`,
      help: 'Triggers found already stored by platform-connectors and not sent again',
      labelNames: ['trigger_type'],
    }),
    nodeNotReadyTimeout: counter(registry, {
      name: `${P}node_not_ready_timeout_total`,
      help: 'Nodes not Ready before nodeReadinessTimeoutMinutes',
      labelNames: ['node_name'],
    }),
    readinessMonitoringStarted: counter(registry, {
      name: `${P}node_readiness_monitoring_started_total`,
      help: 'Readiness waits started',
      labelNames: ['node_name'],
    }),
  };
}
export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;
