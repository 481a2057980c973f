/**
 * Every metric the service exports, created once per registry. Names of metrics upstream has
 * keep upstream's names (dashboards and alerts carry over); the persistence metrics are ours,
 * because upstream has no acknowledged write path to measure.
 */
import {
  counter,
  gauge,
  histogram,
  type Counter,
  type Gauge,
  type Histogram,
  type Registry,
} from '@nvsentinel/service-kit';

export interface ConnectorMetrics {
  eventsReceived: Counter;
  batchesRejected: Counter<'reason'>;
  ackLatency: Histogram;
  storeInserts: Counter;
  storeInsertedEvents: Counter;
  storeCoalescedRequests: Counter;
  storeInsertDuration: Histogram;
  storeInsertFailures: Counter;
  storeQueueEvents: Gauge;
  datastoreAvailable: Gauge;
  overridesApplied: Counter<'rule' | 'field'>;
  overrideEvaluationErrors: Counter;
  dedupStoreAndAnalyse: Counter;
  transformerErrors: Counter<'transformer'>;
  nodeConditionUpdates: Counter<'status'>;
  nodeConditionUpdateDurationMs: Histogram;
  nodeEventOperations: Counter<'node' | 'operation' | 'status'>;
  nodeEventDurationMs: Histogram;
  mirrorDroppedEvents: Counter<'reason'>;
  mirrorPendingEvents: Gauge;
  workqueueDepth: Gauge;
  workqueueAdds: Counter;
  workqueueLatency: Histogram;
  workqueueWorkDuration: Histogram;
  workqueueRetries: Counter;
  workqueueUnfinishedWork: Gauge;
  workqueueLongestRunning: Gauge;
}

const MS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  return {
    eventsReceived: counter(registry, {
      name: 'platform_connector_health_events_received_total',
      help: 'Health events received over gRPC and HTTP (before validation)',
    }),
    batchesRejected: counter(registry, {
      name: 'platform_connector_health_event_batches_rejected_total',
      help: 'Batches refused: invalid, datastore_unavailable, overloaded, store_failed, shutting_down',
      labelNames: ['reason'],
    }),
    ackLatency: histogram(registry, {
      name: 'platform_connector_ack_latency_seconds',
      help: 'From receiving a batch to acknowledging it as durably stored',
      buckets: SECONDS_BUCKETS,
    }),
    storeInserts: counter(registry, {
      name: 'platform_connector_store_insert_batches_total',
      help: 'Multi-row insert statements sent to the datastore (one round trip each)',
    }),
    storeInsertedEvents: counter(registry, {
      name: 'platform_connector_store_inserted_events_total',
      help: 'Health events durably stored',
    }),
    storeCoalescedRequests: counter(registry, {
      name: 'platform_connector_store_coalesced_requests_total',
      help: 'Client requests served by the inserts (divide by inserts for the coalescing factor)',
    }),
    storeInsertDuration: histogram(registry, {
      name: 'platform_connector_store_insert_duration_seconds',
      help: 'Duration of one multi-row insert',
      buckets: SECONDS_BUCKETS,
    }),
    storeInsertFailures: counter(registry, {
      name: 'platform_connector_store_insert_failures_total',
      help: 'Insert statements that failed (their callers were told to resend)',
    }),
    storeQueueEvents: gauge(registry, {
      name: 'platform_connector_store_queue_events',
      help: 'Events accepted and waiting for the datastore',
    }),
    datastoreAvailable: gauge(registry, {
      name: 'platform_connector_datastore_available',
      help: '1 while the datastore accepts writes, 0 during an outage (batches are refused with 503/UNAVAILABLE)',
    }),
    overridesApplied: counter(registry, {
      name: 'nvsentinel_overrides_applied_total',
      help: 'Health event fields changed by override rules',
      labelNames: ['rule', 'field'],
    }),
    overrideEvaluationErrors: counter(registry, {
      name: 'nvsentinel_override_evaluation_errors_total',
      help: 'Override rule evaluations that failed',
    }),
    dedupStoreAndAnalyse: counter(registry, {
      name: 'nvsentinel_platform_connector_dedup_store_and_analyse_total',
      help: 'Repeated events downgraded to STORE_AND_ANALYSE by the de-duplicator',
    }),
    transformerErrors: counter(registry, {
      name: 'platform_connector_transformer_errors_total',
      help: 'Transformer failures (logged; the events continue unchanged)',
      labelNames: ['transformer'],
    }),
    nodeConditionUpdates: counter(registry, {
      name: 'k8s_platform_connector_node_condition_update_total',
      help: 'Node condition updates by result',
      labelNames: ['status'],
    }),
    nodeConditionUpdateDurationMs: histogram(registry, {
      name: 'k8s_platform_connector_node_condition_update_duration_milliseconds',
      help: 'Duration of one node condition update (read-modify-write)',
      buckets: MS_BUCKETS,
    }),
    nodeEventOperations: counter(registry, {
      name: 'k8s_platform_connector_node_event_operations_total',
      help: 'Node Event creates and updates by node and result',
      labelNames: ['node', 'operation', 'status'],
    }),
    nodeEventDurationMs: histogram(registry, {
      name: 'k8s_platform_connector_node_event_update_create_duration_milliseconds',
      help: 'Duration of one node Event create or update',
      buckets: MS_BUCKETS,
    }),
    mirrorDroppedEvents: counter(registry, {
      name: 'platform_connector_k8s_mirror_dropped_events_total',
      help: 'Events not mirrored to Kubernetes: queue_full or retries_exhausted (they are stored regardless)',
      labelNames: ['reason'],
    }),
    mirrorPendingEvents: gauge(registry, {
      name: 'platform_connector_k8s_mirror_pending_events',
      help: 'Stored events waiting to be mirrored to Kubernetes',
    }),
    // Upstream names its per-connector work queue metrics with the queue name as a suffix.
    workqueueDepth: gauge(registry, {
      name: 'platform_connector_workqueue_depth_kubernetes',
      help: 'Nodes waiting in the Kubernetes work queue',
    }),
    workqueueAdds: counter(registry, {
      name: 'platform_connector_workqueue_adds_total_kubernetes',
      help: 'Adds to the Kubernetes work queue',
    }),
    workqueueLatency: histogram(registry, {
      name: 'platform_connector_workqueue_latency_seconds_kubernetes',
      help: 'Time a node waited in the Kubernetes work queue',
      buckets: SECONDS_BUCKETS,
    }),
    workqueueWorkDuration: histogram(registry, {
      name: 'platform_connector_workqueue_work_duration_seconds_kubernetes',
      help: 'Time spent mirroring one node',
      buckets: SECONDS_BUCKETS,
    }),
    workqueueRetries: counter(registry, {
      name: 'platform_connector_workqueue_retries_total_kubernetes',
      help: 'Retries in the Kubernetes work queue',
    }),
    workqueueUnfinishedWork: gauge(registry, {
      name: 'platform_connector_workqueue_unfinished_work_seconds_kubernetes',
      help: 'Seconds of work in progress not yet observed by work_duration (stuck workers show here)',
    }),
    workqueueLongestRunning: gauge(registry, {
      name: 'platform_connector_workqueue_longest_running_processor_seconds_kubernetes',
      help: 'How long the longest-running mirror worker has been busy with its node',
    }),
  };
}
