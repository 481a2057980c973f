/** Contract: maintenance events — upsert by eventId and every query of the store. */
import { describe, expect, it } from 'vitest';
import { MaintenanceStatus } from '@nvsentinel/health-model';
import { expectError, maintenanceEvent, type ContractContext } from './contract-context.js';
import { uniqueName } from './contract-support.js';

export function describeMaintenanceEventContract(ctx: ContractContext): void {
  describe('maintenance events', () => {
    it('upserts by eventId and reads back', async () => {
      const mx = ctx.ds.maintenanceEventStore();
      const event = maintenanceEvent();
      await mx.upsertMaintenanceEvent(event);
      expect(await mx.findMaintenanceEventById(event.eventId)).toEqual(event);
      const changed = { ...event, cspStatus: 'ONGOING' as const, status: MaintenanceStatus.MAINTENANCE_ONGOING };
      await mx.upsertMaintenanceEvent(changed);
      expect(await mx.findMaintenanceEventById(event.eventId)).toEqual(changed);
      expect(await mx.findMaintenanceEventById(uniqueName('none'))).toBeNull();
      await expectError(mx.upsertMaintenanceEvent({ ...event, eventId: '' }), 'validation');
    });

    it('finds events to trigger quarantine and healthy by time window', async () => {
      const mx = ctx.ds.maintenanceEventStore();
      const now = new Date('2030-05-05T12:00:00Z');
      const cluster = uniqueName('cluster');
      const soon = maintenanceEvent({
        clusterName: cluster,
        scheduledStartTime: new Date(now.getTime() + 30 * 60_000),
      });
      const later = maintenanceEvent({
        clusterName: cluster,
        scheduledStartTime: new Date(now.getTime() + 5 * 3600_000),
      });
      const past = maintenanceEvent({ clusterName: cluster, scheduledStartTime: new Date(now.getTime() - 60_000) });
      const done = maintenanceEvent({
        clusterName: cluster,
        status: MaintenanceStatus.MAINTENANCE_COMPLETE,
        actualEndTime: new Date(now.getTime() - 20 * 60_000),
      });
      const justDone = maintenanceEvent({
        clusterName: cluster,
        status: MaintenanceStatus.MAINTENANCE_COMPLETE,
        actualEndTime: new Date(now.getTime() - 60_000),
      });
      for (const e of [soon, later, past, done, justDone]) await mx.upsertMaintenanceEvent(e);
      const quarantine = (await mx.findEventsToTriggerQuarantine(3600_000, now)).filter(
        (e) => e.clusterName === cluster,
      );
      expect(quarantine.map((e) => e.eventId)).toEqual([soon.eventId]);
      const healthy = (await mx.findEventsToTriggerHealthy(10 * 60_000, now)).filter((e) => e.clusterName === cluster);
      expect(healthy.map((e) => e.eventId)).toEqual([done.eventId]);
    });

    it('updates status, finds latest/ongoing/active events and the last received timestamp', async () => {
      const mx = ctx.ds.maintenanceEventStore();
      const cluster = uniqueName('cluster');
      const node = uniqueName('node');
      const older = maintenanceEvent({
        clusterName: cluster,
        nodeName: node,
        lastUpdatedTimestamp: new Date('2030-01-01T00:00:00Z'),
        eventReceivedTimestamp: new Date('2030-01-01T00:00:00Z'),
      });
      const newer = maintenanceEvent({
        clusterName: cluster,
        nodeName: node,
        lastUpdatedTimestamp: new Date('2030-01-02T00:00:00Z'),
        eventReceivedTimestamp: new Date('2030-01-02T00:00:00Z'),
        cspStatus: 'ACTIVE',
      });
      await mx.upsertMaintenanceEvent(older);
      await mx.upsertMaintenanceEvent(newer);
      expect((await mx.findLatestOngoingEventByNode(node))?.eventId).toBe(newer.eventId);
      expect(
        (await mx.findLatestActiveEventByNodeAndType(node, 'SCHEDULED', [MaintenanceStatus.DETECTED]))?.eventId,
      ).toBe(newer.eventId);
      expect(await mx.findLatestActiveEventByNodeAndType(node, 'UNSCHEDULED', [MaintenanceStatus.DETECTED])).toBeNull();
      expect(await mx.getLastProcessedEventTimestampByCSP(cluster, 'aws')).toEqual(new Date('2030-01-02T00:00:00Z'));
      expect(await mx.getLastProcessedEventTimestampByCSP(cluster, 'gcp')).toBeNull();
      const active = (await mx.findActiveEventsByStatuses('aws', ['ACTIVE'])).filter((e) => e.clusterName === cluster);
      expect(active.map((e) => e.eventId)).toEqual([newer.eventId]);
      await mx.updateEventStatus(newer.eventId, MaintenanceStatus.CANCELLED);
      expect((await mx.findMaintenanceEventById(newer.eventId))?.status).toBe(MaintenanceStatus.CANCELLED);
      expect((await mx.findLatestOngoingEventByNode(node))?.eventId).toBe(older.eventId);
      await expectError(mx.updateEventStatus(uniqueName('none'), MaintenanceStatus.CANCELLED), 'not_found');
      await expectError(mx.updateEventStatus(older.eventId, 'NOPE' as MaintenanceStatus), 'validation');
      const counted = await mx.aggregate([{ $match: { clusterName: cluster } }, { $count: 'n' }]);
      expect(counted).toEqual([{ n: 2 }]);
    });
  });
}
