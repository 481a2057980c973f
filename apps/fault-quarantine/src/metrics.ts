/** fault-quarantine's Prometheus metrics, under upstream's names (`fault_quarantine_*`). */
import { type Registry, counter, gauge, histogram } from '@nvsentinel/service-kit';

export type FaultQuarantineMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(registry: Registry) {
  const p = 'fault_quarantine_';
  return {
    eventsReceived: counter(registry, {
      name: `${p}events_received_total`,
      help: 'Health events received from the change stream',
    }),
    eventsProcessed: counter(registry, {
      name: `${p}events_successfully_processed_total`,
      help: 'Health events handled without error',
    }),
    processingErrors: counter(registry, {
      name: `${p}processing_errors_total`,
      help: 'Failures while handling an event, by kind',
      labelNames: ['error_type'],
    }),
    nodesQuarantined: counter(registry, {
      name: `${p}nodes_quarantined_total`,
      help: 'Nodes quarantined',
      labelNames: ['node'],
    }),
    nodesUnquarantined: counter(registry, {
      name: `${p}nodes_unquarantined_total`,
      help: 'Nodes un-quarantined after their faults cleared',
    }),
    nodesManuallyUncordoned: counter(registry, {
      name: `${p}nodes_manually_uncordoned_total`,
      help: 'Quarantined nodes an operator uncordoned',
    }),
    nodesManuallyUntainted: counter(registry, {
      name: `${p}nodes_manually_untainted_total`,
      help: 'Quarantined nodes an operator removed FQ taints from',
    }),
    currentQuarantinedNodes: gauge(registry, {
      name: `${p}current_quarantined_nodes`,
      help: '1 for each node currently quarantined by FQ',
      labelNames: ['node'],
    }),
    taintsApplied: counter(registry, {
      name: `${p}taints_applied_total`,
      help: 'Taints added to nodes',
      labelNames: ['key', 'effect'],
    }),
    taintsRemoved: counter(registry, { name: `${p}taints_removed_total`, help: 'FQ taints removed from nodes' }),
    cordonsApplied: counter(registry, { name: `${p}cordons_applied_total`, help: 'Nodes cordoned by FQ' }),
    cordonsRemoved: counter(registry, { name: `${p}cordons_removed_total`, help: 'Nodes uncordoned by FQ' }),
    rulesetEvaluations: counter(registry, {
      name: `${p}ruleset_evaluations_total`,
      help: 'Rule set evaluations by outcome (passed, failed, error)',
      labelNames: ['ruleset', 'status'],
    }),
    eventHandlingDuration: histogram(registry, {
      name: `${p}event_handling_duration_seconds`,
      help: 'Time to handle one event',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    nodeQuarantineDuration: histogram(registry, {
      name: `${p}node_quarantine_duration_seconds`,
      help: 'From the event generatedTimestamp to the node being quarantined',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
    nodeRemediationDuration: histogram(registry, {
      name: `${p}node_remediation_duration_seconds`,
      help: 'From a node being quarantined to fault-quarantine releasing it after its faults cleared, by recommended action',
      labelNames: ['action'],
      buckets: [60, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 259200],
    }),
    nodeRemediationDurationExcludingDrain: histogram(registry, {
      name: `${p}node_remediation_duration_excluding_drain_seconds`,
      help: 'node_remediation_duration_seconds without the time the drain took, by recommended action',
      labelNames: ['action'],
      buckets: [60, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 259200],
    }),
    breakerState: gauge(registry, {
      name: `${p}breaker_state`,
      help: '1 for the circuit breaker current state (CLOSED or TRIPPED)',
      labelNames: ['state'],
    }),
    breakerUtilization: gauge(registry, {
      name: `${p}breaker_utilization`,
      help: 'Counted quarantined nodes divided by the breaker threshold',
    }),
    eventBacklog: gauge(registry, {
      name: `${p}event_backlog_count`,
      help: 'Unprocessed events on the change stream (-1 when the datastore cannot tell)',
    }),
  };
}
