/** Metrics of one consumer, labelled `consumer=<name>` so several consumers share the names. */
import type { Registry } from 'prom-client';
import { counter, createMetricsRegistry, gauge, histogram } from '../server/metrics.js';

export function createConsumerMetrics(options: { name: string; prefix?: string; registry?: Registry }) {
  const registry = options.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const p = options.prefix ?? 'nvsentinel_consumer';
  const labels = { consumer: options.name };
  const labelNames = ['consumer'] as const;
  return {
    processed: counter(registry, {
      name: `${p}_events_processed_total`,
      help: 'Events handled successfully',
      labelNames,
    }).labels(labels),
    failed: counter(registry, {
      name: `${p}_events_failed_total`,
      help: 'Events whose handler failed on every attempt',
      labelNames,
    }).labels(labels),
    retries: counter(registry, {
      name: `${p}_handler_retries_total`,
      help: 'Handler attempts retried after a failure',
      labelNames,
    }).labels(labels),
    duration: histogram(registry, {
      name: `${p}_handler_duration_seconds`,
      help: 'Duration of one handler attempt',
      labelNames,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }).labels(labels),
    inFlight: gauge(registry, {
      name: `${p}_events_in_flight`,
      help: 'Events pulled from the stream and not yet settled',
      labelNames,
    }).labels(labels),
    lag: gauge(registry, {
      name: `${p}_lag_seconds`,
      help: 'Age of the most recently handled event when it finished',
      labelNames,
    }).labels(labels),
    checkpointFailures: counter(registry, {
      name: `${p}_checkpoint_failures_total`,
      help: 'markProcessed calls that failed',
      labelNames,
    }).labels(labels),
    blockingCheckpoint: gauge(registry, {
      name: `${p}_checkpoint_blocked_events`,
      help: 'Failed events left unmarked that hold the checkpoint back until restart',
      labelNames,
    }).labels(labels),
  };
}
