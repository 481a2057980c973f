/** Contract: change streams — MongoDB event shape, updatedFields, upstream pipelines, resume, independence, retention, ordering. */
import { describe, expect, it } from 'vitest';
import { expectError, type ContractContext } from './contract-context.js';
import { sampleHealthEvent, StreamReader, summary, uniqueName } from './contract-support.js';
import { nodeQuarantineStatusPipeline, processableHealthEventInsertsPipeline, quarantinedAndDrainedNodesPipeline } from './upstream-pipelines.js';

export function describeChangeStreamContract(ctx: ContractContext): void {
  describe('change streams', () => {
    it('delivers insert, update and delete in MongoDB shape with dotted updatedFields', async () => {
      const node = uniqueName('node');
      const reader = new StreamReader(ctx.store.watch({ clientName: uniqueName('client') }));
      try {
        // The first next() starts the stream at "now"; give it a moment to be in place.
        await reader.ready();
        const id = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        const [insert] = await reader.take(1);
        await ctx.store.updateNodeQuarantineStatus(id, 'Quarantined', 'span-1');
        await ctx.store.updatePodEvictionStatus(id, { status: 'Succeeded', message: 'done' });
        await ctx.store.updateRemediationStatus(id, true);
        await ctx.store.deleteHealthEvent(id);
        const [quarantine, eviction, remediation, del] = await reader.take(4);
        expect(insert!.operationType).toBe('insert');
        expect(insert!.documentKey).toEqual({ _id: id });
        expect((insert!.fullDocument?.healthevent as { nodename: string } | undefined)?.nodename).toBe(node);
        expect(insert!.clusterTime).toBeInstanceOf(Date);
        expect(insert!.updateDescription).toBeUndefined();
        expect(quarantine!.operationType).toBe('update');
        expect(Object.keys(quarantine!.updateDescription!.updatedFields).sort()).toEqual([
          'healtheventstatus.nodequarantined',
          'healtheventstatus.quarantinefinishtimestamp',
          'healtheventstatus.spanids.fault-quarantine',
        ]);
        expect(quarantine!.updateDescription!.updatedFields['healtheventstatus.nodequarantined']).toBe('Quarantined');
        expect(quarantine!.updateDescription!.removedFields).toEqual([]);
        expect(eviction!.updateDescription!.updatedFields['healtheventstatus.userpodsevictionstatus']).toEqual({ status: 'Succeeded', message: 'done' });
        expect(Object.keys(eviction!.updateDescription!.updatedFields).sort()).toEqual([
          'healtheventstatus.drainfinishtimestamp',
          'healtheventstatus.userpodsevictionstatus',
        ]);
        expect(remediation!.updateDescription!.updatedFields['healtheventstatus.faultremediated']).toEqual({ value: true });
        expect(del!.operationType).toBe('delete');
        expect(del!.documentKey).toEqual({ _id: id });
        expect(del!.fullDocument).toBeNull();
        // fullDocument is looked up at read time (MongoDB's updateLookup): the document was
        // deleted before these updates were read, so there is none.
        expect(quarantine!.fullDocument).toBeNull();
      } finally {
        await reader.close();
      }
    });

    it('reports only the paths an update changed; an update that changes nothing is no event', async () => {
      const node = uniqueName('node');
      const id = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      await ctx.store.updateNodeQuarantineStatus(id, 'UnQuarantined');
      const reader = new StreamReader(ctx.store.watch({ clientName: uniqueName('client'), pipeline: [{ $match: { 'documentKey._id': id } }] }));
      try {
        await reader.ready();
        await ctx.store.updateNodeQuarantineStatus(id, 'UnQuarantined', 'span-2'); // status unchanged, span new
        await ctx.store.updateSpanId(id, 'fault-quarantine', 'span-2'); // no change at all
        await ctx.store.deleteHealthEvent(id); // sentinel
        const events = await reader.take(2);
        expect(events.map(summary)).toEqual([`update:${id}`, `delete:${id}`]);
        expect(events[0]!.updateDescription!.updatedFields).toEqual({ 'healtheventstatus.spanids.fault-quarantine': 'span-2' });
      } finally {
        await reader.close();
      }
    });

    it("upstream node-drainer and fault-remediation pipelines select exactly their changes", async () => {
      const drainer = new StreamReader(ctx.store.watch({ clientName: uniqueName('node-drainer'), pipeline: nodeQuarantineStatusPipeline }));
      const remediation = new StreamReader(ctx.store.watch({ clientName: uniqueName('fault-remediation'), pipeline: quarantinedAndDrainedNodesPipeline }));
      const quarantine = new StreamReader(ctx.store.watch({ clientName: uniqueName('fault-quarantine'), pipeline: processableHealthEventInsertsPipeline }));
      try {
        await Promise.all([drainer.ready(), remediation.ready(), quarantine.ready()]);
        const node = uniqueName('node');
        const [a, b, c, storeOnly] = await ctx.store.insertHealthEvents(
          { healthEvent: sampleHealthEvent({ nodeName: node }) },
          { healthEvent: sampleHealthEvent({ nodeName: node }) },
          { healthEvent: sampleHealthEvent({ nodeName: node }) },
          { healthEvent: sampleHealthEvent({ nodeName: node, processingStrategy: 2 }) },
        );
        await ctx.store.updateNodeQuarantineStatus(a!, 'Quarantined'); // drainer
        await ctx.store.updateSpanId(a!, 'node-drainer', 's'); // nobody
        await ctx.store.updatePodEvictionStatus(a!, { status: 'Succeeded', message: '' }); // remediation (drained + quarantined)
        await ctx.store.updateNodeQuarantineStatus(b!, 'AlreadyQuarantined'); // drainer
        await ctx.store.updatePodEvictionStatus(b!, { status: 'Failed', message: 'pdb' }); // nobody
        await ctx.store.updateNodeQuarantineStatus(c!, 'UnQuarantined'); // drainer
        await ctx.store.updatePodEvictionStatus(c!, { status: 'Succeeded', message: '' }); // remediation (unquarantined + drained)
        await ctx.store.updateNodeQuarantineStatus(storeOnly!, 'Cancelled'); // drainer + remediation (sentinel for both)
        const drainerSaw = await drainer.take(4);
        expect(drainerSaw.map((e) => [e.documentKey._id, e.updateDescription!.updatedFields['healtheventstatus.nodequarantined']])).toEqual([
          [a, 'Quarantined'],
          [b, 'AlreadyQuarantined'],
          [c, 'UnQuarantined'],
          [storeOnly, 'Cancelled'],
        ]);
        const remediationSaw = await remediation.take(3);
        expect(remediationSaw.map((e) => e.documentKey._id)).toEqual([a, c, storeOnly]);
        const quarantineSaw = await quarantine.take(3);
        expect(quarantineSaw.map(summary)).toEqual([`insert:${a}`, `insert:${b}`, `insert:${c}`]);
        // The STORE_ONLY insert was skipped; nothing else may be pending before a new sentinel.
        const sentinel = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        expect(await quarantine.until(sentinel)).toEqual([]);
      } finally {
        await Promise.all([drainer.close(), remediation.close(), quarantine.close()]);
      }
    });

    it('resumes after a restart with exactly the unprocessed events', async () => {
      const node = uniqueName('node');
      const clientName = uniqueName('client');
      const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
      let reader = new StreamReader(ctx.store.watch({ clientName, pipeline }));
      await reader.ready();
      const ids = await ctx.store.insertHealthEvents(...Array.from({ length: 5 }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })));
      const firstTwo = await reader.take(2);
      await reader.stream.markProcessed(firstTwo[1]!.resumeToken);
      await reader.close();
      await ctx.restart();
      reader = new StreamReader(ctx.store.watch({ clientName, pipeline }));
      try {
        const rest = await reader.take(3);
        expect(rest.map((e) => e.documentKey._id)).toEqual(ids.slice(2));
        const sentinel = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        expect(await reader.until(sentinel)).toEqual([]);
      } finally {
        await reader.close();
      }
    });

    it("startAt 'now' forgets the stored token and skips earlier changes", async () => {
      const node = uniqueName('node');
      const clientName = uniqueName('client');
      const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
      const first = new StreamReader(ctx.store.watch({ clientName, pipeline }));
      await first.ready();
      await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      const [seen] = await first.take(1);
      await first.stream.markProcessed(seen!.resumeToken);
      await first.close();
      await ctx.store.insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) }, { healthEvent: sampleHealthEvent({ nodeName: node }) });
      const fresh = new StreamReader(ctx.store.watch({ clientName, pipeline, startAt: 'now' }));
      try {
        await fresh.ready();
        const sentinel = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        expect(await fresh.until(sentinel)).toEqual([]);
      } finally {
        await fresh.close();
      }
    });

    it('two consumers progress independently', async () => {
      const node = uniqueName('node');
      const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
      const [nameA, nameB] = [uniqueName('a'), uniqueName('b')];
      const a = new StreamReader(ctx.store.watch({ clientName: nameA, pipeline }));
      const b = new StreamReader(ctx.store.watch({ clientName: nameB, pipeline }));
      await Promise.all([a.ready(), b.ready()]);
      const ids = await ctx.store.insertHealthEvents(...Array.from({ length: 4 }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })));
      const aSaw = await a.take(4);
      const bSaw = await b.take(1);
      await a.stream.markProcessed(aSaw[3]!.resumeToken);
      await a.stream.markProcessed(aSaw[1]!.resumeToken); // late, older: must not move a back
      await b.stream.markProcessed(bSaw[0]!.resumeToken);
      expect(await a.stream.backlog()).toBe(0);
      expect(await b.stream.backlog()).toBe(3);
      await Promise.all([a.close(), b.close()]);
      const a2 = new StreamReader(ctx.store.watch({ clientName: nameA, pipeline }));
      const b2 = new StreamReader(ctx.store.watch({ clientName: nameB, pipeline }));
      try {
        const sentinel = await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        expect(await a2.until(sentinel)).toEqual([]);
        expect((await b2.until(sentinel)).map((e) => e.documentKey._id)).toEqual(ids.slice(1));
      } finally {
        await Promise.all([a2.close(), b2.close()]);
      }
    });

    it('retention never deletes changes a consumer still needs', async () => {
      if (!ctx.ds.purgeChangelog) return; // the provider's own log (e.g. MongoDB's oplog) governs retention
      await ctx.restart({ changelogRetentionMs: 0 });
      const node = uniqueName('node');
      const clientName = uniqueName('client');
      const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
      const reader = new StreamReader(ctx.store.watch({ clientName, pipeline }));
      await reader.ready();
      const ids = await ctx.store.insertHealthEvents(...Array.from({ length: 4 }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })));
      const [first] = await reader.take(1);
      await reader.stream.markProcessed(first!.resumeToken);
      await reader.close();
      await ctx.ds.purgeChangelog();
      await ctx.restart({ changelogRetentionMs: 0 });
      await ctx.ds.purgeChangelog!();
      const resumed = new StreamReader(ctx.store.watch({ clientName, pipeline }));
      try {
        expect((await resumed.take(3)).map((e) => e.documentKey._id)).toEqual(ids.slice(1));
      } finally {
        await resumed.close();
      }
      await ctx.restart();
    });

    it('ends iteration on close() and on break, and rejects malformed tokens', async () => {
      const stream = ctx.store.watch({ clientName: uniqueName('client') });
      const iteration = (async () => {
        let n = 0;
        for await (const _ of stream) n += 1;
        return n;
      })();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await stream.close();
      expect(await iteration).toBe(0);
      const node = uniqueName('node');
      const second = ctx.store.watch({ clientName: uniqueName('client'), pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }] });
      const consumed = (async () => {
        for await (const event of second) return event.operationType;
        return undefined;
      })();
      await (second.started?.() ?? new Promise((resolve) => setTimeout(resolve, 500)));
      await ctx.insertOne({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      expect(await consumed).toBe('insert');
      await expectError(second.markProcessed('garbage'), 'resume_token');
      await second.close();
      expect(() => ctx.store.watch({ clientName: '' })).toThrow();
      expect(() => ctx.store.watch({ clientName: 'x', pipeline: [{ $project: { a: 1 } }] })).toThrow();
    });

    it('loses no event when transactions commit out of id order', async () => {
      if (!ctx.target.rawSession) return; // needs two concurrent sessions on the same database
      const node = uniqueName('node');
      const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
      const reader = new StreamReader(ctx.store.watch({ clientName: uniqueName('client'), pipeline }));
      const [sessionA, sessionB] = await Promise.all([ctx.target.rawSession(), ctx.target.rawSession()]);
      try {
        await reader.ready();
        const doc = (message: string) =>
          JSON.stringify({
            _id: crypto.randomUUID(),
            createdAt: { $date: new Date().toISOString() },
            healthevent: { nodename: node, message },
            healtheventstatus: { nodequarantined: '', userpodsevictionstatus: { status: '', message: '' }, faultremediated: null, spanids: {} },
          });
        const insert = 'INSERT INTO health_events (id, document) SELECT (d->>\'_id\')::uuid, d FROM (SELECT $1::jsonb AS d) AS x RETURNING id::text AS id';
        await sessionA.query('BEGIN');
        const [a] = await sessionA.query(insert, [doc('A, committed last')]); // lower changelog id
        await sessionB.query('BEGIN');
        const [b] = await sessionB.query(insert, [doc('B, committed first')]);
        await sessionB.query('COMMIT');
        // B is committed but A still runs: delivering B now would let A's lower id slip behind the position.
        await reader.ready();
        await sessionA.query('COMMIT');
        const events = await reader.take(2);
        expect(events.map((e) => e.documentKey._id)).toEqual([a!.id, b!.id]);
      } finally {
        await Promise.all([sessionA.close(), sessionB.close(), reader.close()]);
      }
    });
  });
}
