/**
 * The maintenance-notifier's trigger engine (upstream pkg/triggerengine). Each cycle:
 *  1. quarantine: DETECTED events starting within `triggerQuarantineWorkflowTimeLimitMinutes`,
 *     plus emergency events (metadata.urgency = emergency) → unhealthy fatal CSPMaintenance
 *     event, then QUARANTINE_TRIGGERED;
 *  2. healthy: MAINTENANCE_COMPLETE events ended `postMaintenanceHealthyDelayMinutes` ago, plus
 *     CANCELLED events → once the node is Ready, a healthy event, then HEALTHY_TRIGGERED. A node
 *     not Ready is waited for (woken by the node watch) until `nodeReadinessTimeoutMinutes`,
 *     then NODE_READINESS_TIMEOUT.
 * Each duration may come from its `…Seconds` twin instead (see config/csp-config.ts); the engine
 * only sees the resolved milliseconds.
 *
 * Exactly once: before sending, the engine looks for the trigger's key among the stored health
 * events. platform-connectors acknowledges only stored events, so a trigger whose status write
 * failed, or whose process died after the send, is found there and only the status is written.
 */
import {
  MaintenanceStatus,
  maintenanceEventFromDocument,
  metadataPath,
  DocumentPaths,
  type MaintenanceEvent,
  type ProcessingStrategy,
} from '@nvsentinel/health-model';
import { isNodeReady, type NodeCache } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { HealthEventStore, MaintenanceEventStore } from '@nvsentinel/store-client';
import type { CspConfig } from '../config/csp-config.js';
import type { NotifierMetrics } from '../metrics.js';
import type { HealthEventPublisher } from './publisher.js';
import { TRIGGER_KEY_METADATA, buildTriggerEvent, triggerKey, type TriggerKind } from './trigger-event.js';

export interface TriggerEngineDeps {
  maintenance: MaintenanceEventStore;
  healthEvents: HealthEventStore;
  nodes: NodeCache;
  publisher: HealthEventPublisher;
  config: Pick<
    CspConfig,
    'triggerQuarantineWorkflowTimeLimitMs' | 'postMaintenanceHealthyDelayMs' | 'nodeReadinessTimeoutMs'
  >;
  processingStrategy: ProcessingStrategy;
  metrics: NotifierMetrics;
  logger: Logger;
  now: () => Date;
}

export interface CycleReport {
  quarantined: number;
  healthy: number;
  waiting: number;
  failed: number;
}

interface ReadinessWait {
  node: string;
  unsubscribe(): void;
  timer: NodeJS.Timeout;
}

export class TriggerEngine {
  readonly #deps: TriggerEngineDeps;
  readonly #waits = new Map<string, ReadinessWait>();
  /** Event ids with a trigger in progress (a cycle and a node wake-up never act on one event at once). */
  readonly #busy = new Set<string>();
  #closed = false;

  constructor(deps: TriggerEngineDeps) {
    this.#deps = deps;
  }

  get waiting(): number {
    return this.#waits.size;
  }

  async cycle(): Promise<CycleReport> {
    const { metrics } = this.#deps;
    metrics.pollCycles.inc();
    const report: CycleReport = { quarantined: 0, healthy: 0, waiting: 0, failed: 0 };
    try {
      const now = this.#deps.now();
      const toQuarantine = await this.#query('quarantine', async () => {
        const timed = await this.#deps.maintenance.findEventsToTriggerQuarantine(
          this.#deps.config.triggerQuarantineWorkflowTimeLimitMs,
          now,
        );
        const emergency = await this.#byFilter({ status: MaintenanceStatus.DETECTED, 'metadata.urgency': 'emergency' });
        return unique([...emergency, ...timed]);
      });
      metrics.eventsFound.inc({ trigger_type: 'quarantine' }, toQuarantine.length);
      for (const event of toQuarantine) {
        if (await this.#trigger(event, 'quarantine', MaintenanceStatus.QUARANTINE_TRIGGERED)) report.quarantined++;
        else report.failed++;
      }
      const toHeal = await this.#query('healthy', async () => {
        const completed = await this.#deps.maintenance.findEventsToTriggerHealthy(
          this.#deps.config.postMaintenanceHealthyDelayMs,
          now,
        );
        const cancelled = await this.#byFilter({ status: MaintenanceStatus.CANCELLED });
        return unique([...completed, ...cancelled]);
      });
      metrics.eventsFound.inc({ trigger_type: 'healthy' }, toHeal.length);
      for (const event of toHeal) {
        const outcome = await this.#healthy(event);
        if (outcome === 'sent') report.healthy++;
        else if (outcome === 'waiting') report.waiting++;
        else if (outcome === 'failed') report.failed++;
      }
    } catch (err) {
      metrics.pollErrors.inc();
      this.#deps.logger.error({ err }, 'trigger cycle failed; retried at the next poll');
      throw err;
    }
    return report;
  }

  /** Ends every readiness wait (they resume from the store after a restart). */
  close(): void {
    this.#closed = true;
    for (const wait of this.#waits.values()) {
      wait.unsubscribe();
      clearTimeout(wait.timer);
    }
    this.#waits.clear();
  }

  async #healthy(event: MaintenanceEvent): Promise<'sent' | 'waiting' | 'timeout' | 'failed' | 'busy'> {
    const node = event.nodeName ? this.#deps.nodes.get(event.nodeName) : undefined;
    if (node && isNodeReady(node)) {
      this.#endWait(event.eventId);
      return (await this.#trigger(event, 'healthy', MaintenanceStatus.HEALTHY_TRIGGERED)) ? 'sent' : 'failed';
    }
    if (!event.nodeName)
      return (await this.#trigger(event, 'healthy', MaintenanceStatus.HEALTHY_TRIGGERED)) ? 'sent' : 'failed';
    const deadline = this.#readinessDeadline(event);
    if (deadline <= this.#deps.now().getTime()) return (await this.#timeout(event)) ? 'timeout' : 'failed';
    if (!this.#waits.has(event.eventId)) this.#startWait(event, deadline);
    return 'waiting';
  }

  /**
   * The wait ends a fixed time after the healthy trigger became due, not after this process
   * started it, so a restart neither extends nor shortens it (upstream restarts the clock).
   */
  #readinessDeadline(event: MaintenanceEvent): number {
    const { postMaintenanceHealthyDelayMs: delay, nodeReadinessTimeoutMs: timeout } = this.#deps.config;
    const due =
      event.status === MaintenanceStatus.MAINTENANCE_COMPLETE && event.actualEndTime
        ? event.actualEndTime.getTime() + delay
        : event.lastUpdatedTimestamp.getTime();
    return due + timeout;
  }

  #startWait(event: MaintenanceEvent, deadline: number): void {
    if (this.#closed) return;
    const node = event.nodeName;
    this.#deps.metrics.readinessMonitoringStarted.inc({ node_name: node });
    this.#deps.logger.info(
      { node, eventId: event.eventId, deadline: new Date(deadline) },
      'node not Ready; waiting before the healthy trigger',
    );
    const unsubscribe = this.#deps.nodes.onChange((change) => {
      if (change.object.metadata?.name !== node || change.type === 'delete' || !isNodeReady(change.object)) return;
      this.#endWait(event.eventId);
      void this.#trigger(event, 'healthy', MaintenanceStatus.HEALTHY_TRIGGERED);
    });
    const timer = setTimeout(
      () => {
        this.#endWait(event.eventId);
        void this.#healthy(event);
      },
      Math.max(0, deadline - this.#deps.now().getTime()),
    );
    timer.unref?.();
    this.#waits.set(event.eventId, { node, unsubscribe, timer });
  }

  #endWait(eventId: string): void {
    const wait = this.#waits.get(eventId);
    if (!wait) return;
    wait.unsubscribe();
    clearTimeout(wait.timer);
    this.#waits.delete(eventId);
  }

  async #timeout(event: MaintenanceEvent): Promise<boolean> {
    try {
      await this.#deps.maintenance.updateEventStatus(event.eventId, MaintenanceStatus.NODE_READINESS_TIMEOUT);
      this.#deps.metrics.nodeNotReadyTimeout.inc({ node_name: event.nodeName });
      this.#deps.logger.warn(
        { node: event.nodeName, eventId: event.eventId },
        'node not Ready within nodeReadinessTimeoutMinutes (or …Seconds); no healthy trigger is sent',
      );
      return true;
    } catch (err) {
      this.#deps.metrics.updateErrors.inc({ trigger_type: 'healthy' });
      this.#deps.logger.error(
        { err, eventId: event.eventId },
        'writing NODE_READINESS_TIMEOUT failed; retried at the next poll',
      );
      return false;
    }
  }

  /** Sends the trigger unless already stored, then writes `status`. False when anything failed. */
  async #trigger(event: MaintenanceEvent, kind: TriggerKind, status: MaintenanceStatus): Promise<boolean> {
    if (this.#busy.has(event.eventId) || this.#closed) return false;
    this.#busy.add(event.eventId);
    const { metrics, logger } = this.#deps;
    metrics.attempts.inc({ trigger_type: kind });
    const log = logger.child({ eventId: event.eventId, node: event.nodeName, trigger: kind });
    try {
      let healthEvent;
      try {
        healthEvent = buildTriggerEvent(event, kind, this.#deps.processingStrategy, this.#deps.now());
      } catch (err) {
        metrics.failures.inc({ trigger_type: kind, failure_reason: 'mapping' });
        log.error({ err }, 'maintenance event cannot be mapped to a health event');
        return false;
      }
      if (await this.#alreadySent(event, kind)) {
        metrics.duplicatesAvoided.inc({ trigger_type: kind });
        log.info('trigger already stored by platform-connectors; writing the status only');
      } else {
        const stop = metrics.sendDuration.startTimer();
        try {
          await this.#deps.publisher.publish(healthEvent);
        } catch (err) {
          metrics.failures.inc({ trigger_type: kind, failure_reason: 'uds' });
          log.error({ err }, 'sending the trigger failed; retried at the next poll');
          return false;
        } finally {
          stop();
        }
      }
      try {
        await this.#deps.maintenance.updateEventStatus(event.eventId, status);
      } catch (err) {
        metrics.updateErrors.inc({ trigger_type: kind });
        metrics.failures.inc({ trigger_type: kind, failure_reason: 'db_update' });
        log.error(
          { err, status },
          'trigger sent but the status write failed; the next poll writes it without resending',
        );
        return false;
      }
      metrics.success.inc({ trigger_type: kind });
      log.info({ status }, 'maintenance trigger sent');
      return true;
    } finally {
      this.#busy.delete(event.eventId);
    }
  }

  async #alreadySent(event: MaintenanceEvent, kind: TriggerKind): Promise<boolean> {
    const filter = {
      [DocumentPaths.nodeName]: event.nodeName,
      [metadataPath(TRIGGER_KEY_METADATA)]: triggerKey(event, kind),
    };
    return (await this.#deps.healthEvents.countHealthEvents(filter)) > 0;
  }

  async #byFilter(match: Record<string, unknown>): Promise<MaintenanceEvent[]> {
    const docs = await this.#deps.maintenance.aggregate([{ $match: match }]);
    const out: MaintenanceEvent[] = [];
    for (const doc of docs) {
      try {
        out.push(maintenanceEventFromDocument(doc));
      } catch (err) {
        this.#deps.logger.warn({ err, eventId: doc.eventId }, 'stored maintenance event cannot be decoded; skipped');
      }
    }
    return out;
  }

  async #query<T>(queryType: string, run: () => Promise<T>): Promise<T> {
    const stop = this.#deps.metrics.queryDuration.startTimer({ query_type: queryType });
    try {
      return await run();
    } catch (err) {
      this.#deps.metrics.queryErrors.inc({ query_type: queryType });
      throw err;
    } finally {
      stop();
    }
  }
}

function unique(events: MaintenanceEvent[]): MaintenanceEvent[] {
  const seen = new Map<string, MaintenanceEvent>();
  for (const e of events) if (!seen.has(e.eventId)) seen.set(e.eventId, e);
  return [...seen.values()];
}
