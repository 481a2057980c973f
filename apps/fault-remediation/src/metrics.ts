/** fault-remediation's Prometheus metrics, with upstream's names and labels (`node_name`). */
import { counter, gauge, histogram, type Registry } from '@nvsentinel/service-kit';

export type RemediationMetrics = ReturnType<typeof createRemediationMetrics>;

/** `cr_status` values of `fault_remediation_events_processed_total`. */
export const CRStatusLabel = { Created: 'created', Skipped: 'skipped', Failed: 'failed' } as const;

export function createRemediationMetrics(registry: Registry) {
  return {
    eventsReceived: counter(registry, {
      name: 'fault_remediation_events_received_total',
      help: 'Change-stream and cold-start events received',
    }),
    eventsProcessed: counter(registry, {
      name: 'fault_remediation_events_processed_total',
      help: 'Remediation-ready events handled, by CR outcome (created, skipped, failed)',
      labelNames: ['cr_status', 'node_name'],
    }),
    processingErrors: counter(registry, {
      name: 'fault_remediation_processing_errors_total',
      help: 'Failed attempts to handle an event',
      labelNames: ['error_type', 'node_name'],
    }),
    unsupportedActions: counter(registry, {
      name: 'fault_remediation_unsupported_actions_total',
      help: 'Events whose recommended action has no configured remediation',
      labelNames: ['action', 'node_name'],
    }),
    eventHandlingDuration: histogram(registry, {
      name: 'fault_remediation_event_handling_duration_seconds',
      help: 'Duration of handling one event',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    crGenerateDuration: histogram(registry, {
      name: 'fault_remediation_cr_generate_duration_seconds',
      help: 'From the drain finishing (drainFinishTimestamp) to the maintenance CR being created',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
    eventsReplayed: counter(registry, {
      name: 'fault_remediation_events_replayed_total',
      help: 'Unresolved events queued again by the cold-start scan',
    }),
    leader: gauge(registry, {
      name: 'fault_remediation_leader',
      help: '1 while this replica holds the leader lease (always 1 without --leader-elect)',
    }),
    logCollectorJobs: counter(registry, {
      name: 'fault_remediation_log_collector_jobs_total',
      help: 'Log-collector Jobs finished, by status (Complete, Failed, Timeout)',
      labelNames: ['node_name', 'status'],
    }),
    logCollectorJobDuration: histogram(registry, {
      name: 'fault_remediation_log_collector_job_duration_seconds',
      help: 'From a log-collector Job being created to it finishing',
      labelNames: ['node_name', 'status'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200],
    }),
    logCollectorErrors: counter(registry, {
      name: 'fault_remediation_log_collector_errors_total',
      help: 'Errors creating or reading log-collector Jobs',
      labelNames: ['error_type', 'node_name'],
    }),
  };
}
