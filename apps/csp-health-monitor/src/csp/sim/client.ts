/**
 * The `sim` CSP: the windows of the schedule ConfigMap become maintenance events whose phase
 * follows the clock: before start DETECTED, during MAINTENANCE_ONGOING, after MAINTENANCE_COMPLETE
 * (or CANCELLED). One eventId per window, as AWS does; times come from the window, so polls
 * repeat the same event until its phase changes.
 */
import { CSPStatus, MaintenanceStatus, type MaintenanceEvent } from '@nvsentinel/health-model';
import type { KubeClient } from '@nvsentinel/k8s';
import type { SimConfig } from '../../config/csp-config.js';
import { normalizationFailed, timedApiCall, type CspClient, type CspContext, type PollWindow } from '../types.js';
import { readSimWindows, type SimWindow } from './schedule.js';

export class SimCspClient implements CspClient {
  readonly name = 'sim' as const;
  readonly pollIntervalMs: number;

  constructor(
    private readonly config: SimConfig,
    private readonly kube: KubeClient,
    private readonly namespace: string,
  ) {
    this.pollIntervalMs = config.pollingIntervalSeconds * 1000;
  }

  initialFrom(now: Date): Date {
    return now;
  }

  async poll(_window: PollWindow, ctx: CspContext): Promise<MaintenanceEvent[]> {
    const { windows, invalid } = await timedApiCall(ctx, 'sim', 'ReadSchedule', () =>
      readSimWindows(this.kube, this.namespace, this.config.configMapName),
    );
    for (const bad of invalid) normalizationFailed(ctx, 'sim', bad.id, bad.error);
    ctx.metrics.cspEventsReceived.inc({ csp: 'sim' }, windows.length);
    const now = ctx.now();
    return windows
      .map((w) => simEvent(w, now))
      .sort((a, b) => a.eventReceivedTimestamp.getTime() - b.eventReceivedTimestamp.getTime());
  }
}

function simEvent(w: SimWindow, now: Date): MaintenanceEvent {
  const t = now.getTime();
  let status: MaintenanceStatus = MaintenanceStatus.DETECTED;
  let cspStatus: CSPStatus = CSPStatus.PENDING;
  let changedAt = w.scheduledAt;
  if (w.cancelledAt && w.cancelledAt.getTime() <= t && w.cancelledAt.getTime() < w.end.getTime()) {
    status = MaintenanceStatus.CANCELLED;
    cspStatus = CSPStatus.CANCELLED;
    changedAt = w.cancelledAt;
  } else if (t >= w.end.getTime()) {
    status = MaintenanceStatus.MAINTENANCE_COMPLETE;
    cspStatus = CSPStatus.COMPLETED;
    changedAt = w.end;
  } else if (t >= w.start.getTime()) {
    status = MaintenanceStatus.MAINTENANCE_ONGOING;
    cspStatus = CSPStatus.ONGOING;
    changedAt = w.start;
  }
  return {
    eventId: w.id,
    csp: 'sim',
    clusterName: '',
    resourceType: 'sim_instance',
    resourceId: w.node,
    maintenanceType: 'SCHEDULED',
    status,
    cspStatus,
    scheduledStartTime: w.start,
    scheduledEndTime: w.end,
    actualStartTime:
      status === MaintenanceStatus.MAINTENANCE_ONGOING || status === MaintenanceStatus.MAINTENANCE_COMPLETE
        ? w.start
        : null,
    actualEndTime: status === MaintenanceStatus.MAINTENANCE_COMPLETE ? w.end : null,
    eventReceivedTimestamp: changedAt,
    lastUpdatedTimestamp: changedAt,
    recommendedAction: w.action,
    metadata: { providerLastUpdated: changedAt.toISOString() },
    nodeName: w.node,
  };
}
