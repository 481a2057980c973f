/** node-drainer's Prometheus metrics, with upstream's names so existing dashboards keep working. */
import { counter, gauge, histogram, type Registry } from '@nvsentinel/service-kit';

export type DrainerMetrics = ReturnType<typeof createDrainerMetrics>;

export function createDrainerMetrics(registry: Registry) {
  return {
    eventsReceived: counter(registry, {
      name: 'node_drainer_events_received_total',
      help: 'Change-stream events received',
    }),
    eventsReplayed: counter(registry, {
      name: 'node_drainer_events_replayed_total',
      help: 'In-flight drains resumed from the datastore at start-up',
    }),
    eventsProcessed: counter(registry, {
      name: 'node_drainer_events_processed_total',
      help: 'Events whose drain finished, by outcome',
      labelNames: ['drain_status', 'node'],
    }),
    cancelledEvents: counter(registry, {
      name: 'node_drainer_cancelled_event_total',
      help: 'Drains stopped because the quarantine was cancelled or ended',
      labelNames: ['node', 'check'],
    }),
    processingErrors: counter(registry, {
      name: 'node_drainer_processing_errors_total',
      help: 'Failed drain attempts (retried with backoff)',
      labelNames: ['error_type', 'node'],
    }),
    eventHandlingDuration: histogram(registry, {
      name: 'node_drainer_event_handling_duration_seconds',
      help: 'Duration of one drain attempt for one event',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    queueDepth: gauge(registry, { name: 'node_drainer_queue_depth', help: 'Events waiting in the drain queue' }),
    queueItemsAssigned: counter(registry, {
      name: 'node_drainer_queue_items_assigned_total',
      help: 'Events added to the drain queue',
    }),
    podEvictionDuration: histogram(registry, {
      name: 'node_drainer_pod_eviction_duration_seconds',
      help: 'From the quarantine finishing to the drain succeeding',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    }),
    waitingForTimeout: gauge(registry, {
      name: 'node_drainer_waiting_for_timeout',
      help: '1 while a node waits for DeleteAfterTimeout pods before force-deleting them',
      labelNames: ['node'],
    }),
    podWatchWakeups: counter(registry, {
      name: 'node_drainer_pod_watch_wakeups_total',
      help: 'Waiting drains woken by the pod watch because the pods they waited for ended (instead of at their next poll)',
    }),
    podWatches: gauge(registry, {
      name: 'node_drainer_pod_watches',
      help: 'Nodes whose pods are watched because a drain there waits on them',
    }),
    forceDeletedPods: counter(registry, {
      name: 'node_drainer_force_delete_pods_after_timeout',
      help: 'Pods force-deleted after deleteAfterTimeoutMinutes',
      labelNames: ['node', 'namespace'],
    }),
  };
}
