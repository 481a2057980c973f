/** health-events-analyzer's Prometheus metrics, with upstream's names so existing dashboards keep working. */
import { counter, histogram, type Registry } from '@nvsentinel/service-kit';

export type AnalyzerMetrics = ReturnType<typeof createAnalyzerMetrics>;

export function createAnalyzerMetrics(registry: Registry) {
  return {
    eventsReceived: counter(registry, {
      name: 'health_event_analyzer_events_received_total',
      help: 'Unhealthy events received from the change stream',
      labelNames: ['node_name'],
    }),
    eventsProcessed: counter(registry, {
      name: 'health_event_analyzer_events_successfully_processed_total',
      help: 'Events whose rules all ran (and whose matches were published)',
    }),
    eventsReplayed: counter(registry, {
      name: 'health_event_analyzer_events_replayed_total',
      help: 'Events found by the first-start scan (stored before the change stream was positioned)',
    }),
    processingErrors: counter(registry, {
      name: 'health_event_analyzer_event_processing_errors',
      help: 'Failed rule evaluations or publications, by kind (the event is retried)',
      labelNames: ['error_type'],
    }),
    handlingDuration: histogram(registry, {
      name: 'health_event_analyzer_event_handling_duration_seconds',
      help: 'Time to evaluate every enabled rule for one event and publish its matches',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    ruleMatched: counter(registry, {
      name: 'rule_matched_total',
      help: 'Rule matches, by rule and node',
      labelNames: ['rule_name', 'node_name'],
    }),
    fatalEventsPublished: counter(registry, {
      name: 'fatal_events_published_total',
      help: 'Events published to the platform connector, by the first impacted entity value',
      labelNames: ['entity_value'],
    }),
    publishingErrors: counter(registry, {
      name: 'fatal_event_publishing_errors',
      help: 'Failed publish attempts to the platform connector socket',
      labelNames: ['error_type'],
    }),
    // Upstream's name; it measures the rule's aggregate() on any provider.
    queryDuration: histogram(registry, {
      name: 'mongo_query_execution_duration_seconds',
      help: "Duration of one rule's aggregation, by rule",
      labelNames: ['rule_name'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    }),
  };
}
