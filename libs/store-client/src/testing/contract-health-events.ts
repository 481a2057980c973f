/** Contract: health events — insert, find, filters, ordering, status write-back, errors, aggregate. */
import { describe, expect, it } from 'vitest';
import { newHealthEventStatus } from '@nvsentinel/health-model';
import type { NewHealthEvent } from '../interfaces.js';
import { expectError, type ContractContext } from './contract-context.js';
import { sampleHealthEvent, uniqueName } from './contract-support.js';

export function describeHealthEventContract(ctx: ContractContext): void {
  describe('health events: insert and find', () => {
    it('stores a batch and returns the ids in input order; reads give back what was written', async () => {
      const node = uniqueName('node');
      const createdAt = new Date('2026-03-04T05:06:07.089Z');
      const events = [0, 1, 2].map((i) => ({
        healthEvent: sampleHealthEvent({ nodeName: node, message: `event ${i}` }),
        createdAt,
      }));
      const ids = await ctx.store.insertHealthEvents(...events);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      for (const [i, id] of ids.entries()) {
        const found = await ctx.store.findHealthEventById(id);
        expect(found).not.toBeNull();
        expect(found!.id).toBe(id);
        expect(found!.createdAt).toEqual(createdAt);
        expect(found!.healthEvent).toEqual(events[i]!.healthEvent);
        expect(found!.healthEventStatus).toEqual(newHealthEventStatus());
      }
    });

    it('an empty batch stores nothing and returns []', async () => {
      expect(await ctx.store.insertHealthEvents()).toEqual([]);
    });

    it('rejects an event without healthEvent (validation) and stores none of the batch', async () => {
      const node = uniqueName('node');
      await expectError(
        ctx.store.insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) }, {} as NewHealthEvent),
        'validation',
      );
      expect(await ctx.store.findHealthEventsByNode(node)).toEqual([]);
    });

    it('defaults createdAt to the insert time and keeps a given initial status', async () => {
      const before = Date.now();
      const id = await ctx.insertOne({
        healthEvent: sampleHealthEvent({ nodeName: uniqueName('node') }),
        healthEventStatus: { nodeQuarantined: 'Quarantined' },
      });
      const found = (await ctx.store.findHealthEventById(id))!;
      expect(found.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(found.healthEventStatus.nodeQuarantined).toBe('Quarantined');
      expect(found.healthEventStatus.userPodsEvictionStatus).toEqual({ status: '', message: '' });
    });

    it('finds by node in insertion order, and [] for an unknown node', async () => {
      const node = uniqueName('node');
      const ids = await ctx.store.insertHealthEvents(
        { healthEvent: sampleHealthEvent({ nodeName: node, checkName: 'A' }) },
        { healthEvent: sampleHealthEvent({ nodeName: uniqueName('other') }) },
        { healthEvent: sampleHealthEvent({ nodeName: node, checkName: 'B' }) },
      );
      const found = await ctx.store.findHealthEventsByNode(node);
      expect(found.map((e) => e.id)).toEqual([ids[0], ids[2]]);
      expect(await ctx.store.findHealthEventsByNode(uniqueName('nobody'))).toEqual([]);
    });

    it('finds by MongoDB filter over the canonical document, with sort, skip and limit', async () => {
      const node = uniqueName('node');
      const ids = await ctx.store.insertHealthEvents(
        {
          healthEvent: sampleHealthEvent({ nodeName: node, isFatal: true, errorCode: ['79'] }),
          createdAt: new Date('2026-01-01T00:00:01Z'),
        },
        {
          healthEvent: sampleHealthEvent({ nodeName: node, isFatal: false, errorCode: ['48'] }),
          createdAt: new Date('2026-01-01T00:00:03Z'),
        },
        {
          healthEvent: sampleHealthEvent({ nodeName: node, isFatal: true, errorCode: ['13', '79'] }),
          createdAt: new Date('2026-01-01T00:00:02Z'),
        },
      );
      const fatal = await ctx.store.findHealthEventsByFilter({
        'healthevent.nodename': node,
        'healthevent.isfatal': true,
      });
      expect(fatal.map((e) => e.id).sort()).toEqual([ids[0], ids[2]].sort());
      const xid79 = await ctx.store.findHealthEventsByFilter({
        'healthevent.nodename': node,
        'healthevent.errorcode': '79',
      });
      expect(xid79.map((e) => e.id).sort()).toEqual([ids[0], ids[2]].sort());
      const newestFirst = await ctx.store.findHealthEventsByFilter(
        { 'healthevent.nodename': node },
        { sort: { createdAt: -1 } },
      );
      expect(newestFirst.map((e) => e.id)).toEqual([ids[1], ids[2], ids[0]]);
      const page = await ctx.store.findHealthEventsByFilter(
        { 'healthevent.nodename': node },
        { sort: { createdAt: 1 }, skip: 1, limit: 1 },
      );
      expect(page.map((e) => e.id)).toEqual([ids[2]]);
      const since = await ctx.store.findHealthEventsByFilter({
        'healthevent.nodename': node,
        createdAt: { $gt: new Date('2026-01-01T00:00:01.500Z') },
      });
      expect(since.map((e) => e.id).sort()).toEqual([ids[1], ids[2]].sort());
      expect(await ctx.store.findHealthEventsByFilter({ 'healthevent.nodename': uniqueName('none') })).toEqual([]);
      const latest = await ctx.store.findLatestHealthEventByFilter({
        'healthevent.nodename': node,
        'healthevent.isfatal': true,
      });
      expect(latest?.id).toBe(ids[2]);
      expect(await ctx.store.findLatestHealthEventByFilter({ 'healthevent.nodename': uniqueName('none') })).toBeNull();
    });

    it('rejects an unsupported filter operator with unsupported_pipeline', async () => {
      await expectError(
        ctx.store.findHealthEventsByFilter({ 'healthevent.nodename': { $frobnicate: 1 } }),
        'unsupported_pipeline',
      );
    });

    it('finds the latest event for a node by createdAt', async () => {
      const node = uniqueName('node');
      const ids = await ctx.store.insertHealthEvents(
        { healthEvent: sampleHealthEvent({ nodeName: node }), createdAt: new Date('2026-02-01T00:00:00Z') },
        { healthEvent: sampleHealthEvent({ nodeName: node }), createdAt: new Date('2026-02-03T00:00:00Z') },
        { healthEvent: sampleHealthEvent({ nodeName: node }), createdAt: new Date('2026-02-02T00:00:00Z') },
      );
      expect((await ctx.store.findLatestEventForNode(node))?.id).toBe(ids[1]);
      expect(await ctx.store.findLatestEventForNode(uniqueName('none'))).toBeNull();
    });

    it('counts matches and scans in batches; an error from the callback stops the scan', async () => {
      const node = uniqueName('node');
      const ids = await ctx.store.insertHealthEvents(
        ...Array.from({ length: 7 }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })),
      );
      expect(await ctx.store.countHealthEvents({ 'healthevent.nodename': node })).toBe(7);
      const sizes: number[] = [];
      const seen: string[] = [];
      await ctx.store.findHealthEventsByQueryBatched({ 'healthevent.nodename': node }, 3, (batch) => {
        sizes.push(batch.length);
        seen.push(...batch.map((e) => e.id));
      });
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen.sort()).toEqual([...ids].sort());
      let calls = 0;
      await expect(
        ctx.store.findHealthEventsByQueryBatched({ 'healthevent.nodename': node }, 2, () => {
          calls += 1;
          throw new Error('stop here');
        }),
      ).rejects.toThrow('stop here');
      expect(calls).toBe(1);
      await expectError(
        ctx.store.findHealthEventsByQueryBatched({}, 0, () => undefined),
        'validation',
      );
    });
  });

  describe('health events: status write-back', () => {
    it('updateNodeQuarantineStatus sets the status, finish time and span id, visible to filters', async () => {
      const node = uniqueName('node');
      const id = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      await ctx.store.updateNodeQuarantineStatus(id, 'Quarantined', 'span-fq');
      const found = (await ctx.store.findHealthEventById(id))!;
      expect(found.healthEventStatus.nodeQuarantined).toBe('Quarantined');
      expect(found.healthEventStatus.quarantineFinishTimestamp?.seconds).toBeGreaterThan(0);
      expect(found.healthEventStatus.spanIds['fault-quarantine']).toBe('span-fq');
      const byFilter = await ctx.store.findHealthEventsByFilter({
        'healthevent.nodename': node,
        'healtheventstatus.nodequarantined': 'Quarantined',
      });
      expect(byFilter.map((e) => e.id)).toEqual([id]);
      const byStatus = await ctx.store.findHealthEventsByStatus('Quarantined');
      expect(byStatus.map((e) => e.id)).toContain(id);
      await ctx.store.updateNodeQuarantineStatus(id, 'UnQuarantined');
      const after = (await ctx.store.findHealthEventById(id))!;
      expect(after.healthEventStatus.nodeQuarantined).toBe('UnQuarantined');
      expect(
        await ctx.store.findHealthEventsByFilter({
          'healthevent.nodename': node,
          'healtheventstatus.nodequarantined': 'Quarantined',
        }),
      ).toEqual([]);
    });

    it('updatePodEvictionStatus sets the eviction status (+ drain finish time) and drives checkIfNodeAlreadyDrained', async () => {
      const node = uniqueName('node');
      const id = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      expect(await ctx.store.checkIfNodeAlreadyDrained(node)).toBe(false);
      await ctx.store.updatePodEvictionStatus(id, { status: 'InProgress', message: 'evicting' });
      let found = (await ctx.store.findHealthEventById(id))!;
      expect(found.healthEventStatus.userPodsEvictionStatus).toEqual({ status: 'InProgress', message: 'evicting' });
      expect(found.healthEventStatus.drainFinishTimestamp).toBeUndefined();
      expect(await ctx.store.checkIfNodeAlreadyDrained(node)).toBe(false);
      await ctx.store.updatePodEvictionStatus(id, { status: 'Succeeded', message: '' });
      found = (await ctx.store.findHealthEventById(id))!;
      expect(found.healthEventStatus.drainFinishTimestamp?.seconds).toBeGreaterThan(0);
      expect(await ctx.store.checkIfNodeAlreadyDrained(node)).toBe(true);
      expect((await ctx.store.findHealthEventsByStatus('Succeeded')).map((e) => e.id)).toContain(id);
    });

    it('updateRemediationStatus stores the BoolValue shape queries use', async () => {
      const node = uniqueName('node');
      const [yes, no] = await ctx.store.insertHealthEvents(
        { healthEvent: sampleHealthEvent({ nodeName: node }) },
        { healthEvent: sampleHealthEvent({ nodeName: node }) },
      );
      await ctx.store.updateRemediationStatus(yes!, true);
      await ctx.store.updateRemediationStatus(no!, false);
      expect((await ctx.store.findHealthEventById(yes!))!.healthEventStatus.faultRemediated).toBe(true);
      expect(
        (await ctx.store.findHealthEventById(yes!))!.healthEventStatus.lastRemediationTimestamp?.seconds,
      ).toBeGreaterThan(0);
      expect((await ctx.store.findHealthEventById(no!))!.healthEventStatus.faultRemediated).toBe(false);
      await ctx.store.updateRemediationStatus(no!, false, 'span-fr');
      // The span id rides on the same write (no second update, no second change event).
      expect((await ctx.store.findHealthEventById(no!))!.healthEventStatus.spanIds?.['fault-remediation']).toBe(
        'span-fr',
      );
      const remediated = await ctx.store.findHealthEventsByFilter({
        'healthevent.nodename': node,
        'healtheventstatus.faultremediated.value': true,
      });
      expect(remediated.map((e) => e.id)).toEqual([yes]);
    });

    it('updateSpanId adds one service span; an unusable service name is a validation error', async () => {
      const id = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: uniqueName('node') }) });
      await ctx.store.updateSpanId(id, 'node-drainer', 'span-nd');
      await ctx.store.updateSpanId(id, 'fault-remediation', 'span-fr');
      expect((await ctx.store.findHealthEventById(id))!.healthEventStatus.spanIds).toEqual({
        'node-drainer': 'span-nd',
        'fault-remediation': 'span-fr',
      });
      await expectError(ctx.store.updateSpanId(id, 'a.b', 'x'), 'validation');
    });

    it('updateHealthEventStatus replaces the status; ByNode updates every event of the node', async () => {
      const node = uniqueName('node');
      const [a, b] = await ctx.store.insertHealthEvents(
        { healthEvent: sampleHealthEvent({ nodeName: node }) },
        { healthEvent: sampleHealthEvent({ nodeName: node }) },
      );
      const status = {
        ...newHealthEventStatus(),
        nodeQuarantined: 'Cancelled',
        faultRemediated: false,
        spanIds: { x: 'y' },
      };
      await ctx.store.updateHealthEventStatus(a!, status);
      expect((await ctx.store.findHealthEventById(a!))!.healthEventStatus).toEqual(status);
      const drained = {
        ...newHealthEventStatus(),
        userPodsEvictionStatus: { status: 'AlreadyDrained', message: 'skip' },
      };
      expect(await ctx.store.updateHealthEventStatusByNode(node, drained)).toBe(2);
      expect((await ctx.store.findHealthEventById(b!))!.healthEventStatus).toEqual(drained);
      expect(await ctx.store.updateHealthEventStatusByNode(uniqueName('none'), drained)).toBe(0);
    });

    it('updateHealthEventsByFilter $sets dotted paths on every match and refuses operators', async () => {
      const node = uniqueName('node');
      const ids = await ctx.store.insertHealthEvents(
        { healthEvent: sampleHealthEvent({ nodeName: node, checkName: 'A' }) },
        { healthEvent: sampleHealthEvent({ nodeName: node, checkName: 'B' }) },
      );
      const n = await ctx.store.updateHealthEventsByFilter(
        { 'healthevent.nodename': node, 'healthevent.checkname': 'B' },
        { 'healtheventstatus.nodequarantined': 'Cancelled' },
      );
      expect(n).toBe(1);
      expect((await ctx.store.findHealthEventById(ids[1]!))!.healthEventStatus.nodeQuarantined).toBe('Cancelled');
      expect((await ctx.store.findHealthEventById(ids[0]!))!.healthEventStatus.nodeQuarantined).toBe('');
      await expectError(
        ctx.store.updateHealthEventsByFilter({ 'healthevent.nodename': node }, { $inc: { x: 1 } }),
        'validation',
      );
      await expectError(
        ctx.store.updateHealthEventsByFilter({ 'healthevent.nodename': node }, { _id: 'x' }),
        'validation',
      );
    });

    it('unknown ids: finds give null, updates and deletes give not_found; empty ids are invalid', async () => {
      const unknownUuid = '00000000-0000-4000-8000-000000000000';
      for (const id of [unknownUuid, 'not-a-stored-id']) {
        expect(await ctx.store.findHealthEventById(id)).toBeNull();
        await expectError(ctx.store.updateNodeQuarantineStatus(id, 'Quarantined'), 'not_found');
        await expectError(ctx.store.updatePodEvictionStatus(id, { status: 'Succeeded', message: '' }), 'not_found');
        await expectError(ctx.store.updateRemediationStatus(id, true), 'not_found');
        await expectError(ctx.store.updateSpanId(id, 'svc', 'span'), 'not_found');
        await expectError(ctx.store.updateHealthEventStatus(id, newHealthEventStatus()), 'not_found');
        await expectError(ctx.store.deleteHealthEvent(id), 'not_found');
      }
      await expectError(ctx.store.findHealthEventById(''), 'validation');
      await expectError(ctx.store.updateRemediationStatus(unknownUuid, 'yes' as unknown as boolean), 'validation');
    });

    it('deletes an event', async () => {
      const id = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: uniqueName('node') }) });
      await ctx.store.deleteHealthEvent(id);
      expect(await ctx.store.findHealthEventById(id)).toBeNull();
      await expectError(ctx.store.deleteHealthEvent(id), 'not_found');
    });

    it('aggregates canonical documents', async () => {
      const node = uniqueName('node');
      await ctx.store.insertHealthEvents(
        { healthEvent: sampleHealthEvent({ nodeName: node, checkName: 'A' }) },
        { healthEvent: sampleHealthEvent({ nodeName: node, checkName: 'B' }) },
        { healthEvent: sampleHealthEvent({ nodeName: node, checkName: 'A' }) },
      );
      const groups = await ctx.store.aggregate([
        { $match: { 'healthevent.nodename': node } },
        { $group: { _id: '$healthevent.checkname', n: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ]);
      expect(groups).toEqual([
        { _id: 'A', n: 2 },
        { _id: 'B', n: 1 },
      ]);
      const joined = await ctx.store.aggregate([
        { $match: { 'healthevent.nodename': node, 'healthevent.checkname': 'B' } },
        {
          $lookup: {
            from: 'HealthEvents',
            localField: 'healthevent.nodename',
            foreignField: 'healthevent.nodename',
            as: 'sameNode',
          },
        },
        { $project: { _id: 0, n: { $size: '$sameNode' } } },
      ]);
      expect(joined).toEqual([{ n: 3 }]);
      const docs = await ctx.store.aggregate([{ $match: { 'healthevent.nodename': node } }, { $limit: 1 }]);
      expect(docs[0]!.createdAt).toBeInstanceOf(Date);
      expect((docs[0]!.healthevent as { nodename: string }).nodename).toBe(node);
    });
  });
}
