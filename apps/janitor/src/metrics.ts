/** janitor's Prometheus metrics, with upstream's names (`janitor/pkg/metrics`) so dashboards keep working. */
import { counter, gauge, histogram, type Registry } from '@nvsentinel/service-kit';

export type JanitorMetrics = ReturnType<typeof createJanitorMetrics>;

const MTTR_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600];

export function createJanitorMetrics(registry: Registry) {
  return {
    /** action_type: reboot | terminate | gpu_reset | lock | unlock; status: started | succeeded | failed | timeout. */
    actions: counter(registry, {
      name: 'janitor_actions_count',
      help: 'Janitor actions by type and outcome',
      labelNames: ['action_type', 'status', 'node'],
    }),
    mttr: histogram(registry, {
      name: 'janitor_action_mttr_seconds',
      help: 'From the maintenance CR being created to the node being back (NodeReady/NodeTerminated/Complete)',
      labelNames: ['action_type'],
      buckets: MTTR_BUCKETS,
    }),
    ttlDeletions: counter(registry, {
      name: 'janitor_ttl_deletions_total',
      help: 'Completed maintenance CRs deleted because their TTL passed',
      labelNames: ['kind'],
    }),
    gpuResetRequests: counter(registry, {
      name: 'gpu_reset_requests_total',
      help: 'GPUReset CRs accepted for processing',
      labelNames: ['node'],
    }),
    gpuResetCompleted: counter(registry, {
      name: 'gpu_reset_requests_completed_total',
      help: 'GPUReset CRs that finished, by outcome',
      labelNames: ['node', 'status'],
    }),
    gpuResetDuration: histogram(registry, {
      name: 'gpu_reset_duration_seconds',
      help: 'From GPUReset start to completion',
      labelNames: ['status'],
      buckets: MTTR_BUCKETS,
    }),
    gpuResetActive: gauge(registry, { name: 'gpu_reset_active_requests', help: 'GPUReset CRs in progress' }),
    gpuResetFailures: counter(registry, {
      name: 'gpu_reset_failure_reasons_total',
      help: 'Failed GPUResets by reason',
      labelNames: ['reason'],
    }),
    externalRemediations: counter(registry, {
      name: 'nvsentinel_external_remediation_total',
      help: 'ExternalRemediationRequests by outcome (released, succeeded, failed)',
      labelNames: ['status'],
    }),
    externalRemediationsOpen: gauge(registry, {
      name: 'nvsentinel_external_remediation_open',
      help: 'ExternalRemediationRequests not yet complete',
    }),
    externalRemediationAge: histogram(registry, {
      name: 'nvsentinel_external_remediation_age_seconds',
      help: 'From an ExternalRemediationRequest being created to its completion',
      labelNames: ['status'],
      buckets: MTTR_BUCKETS,
    }),
  };
}
