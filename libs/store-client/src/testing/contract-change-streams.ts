/**
 * Contract: change streams — MongoDB event shape, updatedFields, upstream pipelines, resume,
 * independence, retention, the changelog maximum age (history lost), ordering.
 */
import { describe, expect, it } from 'vitest';
import { isDatastoreError } from '../errors.js';
import type { ChangeEvent, HistoryLostInfo } from '../interfaces.js';
import { expectError, type ContractContext } from './contract-context.js';
import { sampleHealthEvent, StreamReader, summary, uniqueName } from './contract-support.js';
import {
  nodeQuarantineStatusPipeline,
  processableHealthEventInsertsPipeline,
  quarantinedAndDrainedNodesPipeline,
} from './upstream-pipelines.js';

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
        expect(eviction!.updateDescription!.updatedFields['healtheventstatus.userpodsevictionstatus']).toEqual({
          status: 'Succeeded',
          message: 'done',
        });
        expect(Object.keys(eviction!.updateDescription!.updatedFields).sort()).toEqual([
          'healtheventstatus.drainfinishtimestamp',
          'healtheventstatus.userpodsevictionstatus',
        ]);
        expect(remediation!.updateDescription!.updatedFields['healtheventstatus.faultremediated']).toEqual({
          value: true,
        });
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
      const reader = new StreamReader(
        ctx.store.watch({ clientName: uniqueName('client'), pipeline: [{ $match: { 'documentKey._id': id } }] }),
      );
      try {
        await reader.ready();
        await ctx.store.updateNodeQuarantineStatus(id, 'UnQuarantined', 'span-2'); // status unchanged, span new
        await ctx.store.updateSpanId(id, 'fault-quarantine', 'span-2'); // no change at all
        await ctx.store.deleteHealthEvent(id); // sentinel
        const events = await reader.take(2);
        expect(events.map(summary)).toEqual([`update:${id}`, `delete:${id}`]);
        expect(events[0]!.updateDescription!.updatedFields).toEqual({
          'healtheventstatus.spanids.fault-quarantine': 'span-2',
        });
      } finally {
        await reader.close();
      }
    });

    it('upstream node-drainer and fault-remediation pipelines select exactly their changes', async () => {
      const drainer = new StreamReader(
        ctx.store.watch({ clientName: uniqueName('node-drainer'), pipeline: nodeQuarantineStatusPipeline }),
      );
      const remediation = new StreamReader(
        ctx.store.watch({ clientName: uniqueName('fault-remediation'), pipeline: quarantinedAndDrainedNodesPipeline }),
      );
      const quarantine = new StreamReader(
        ctx.store.watch({
          clientName: uniqueName('fault-quarantine'),
          pipeline: processableHealthEventInsertsPipeline,
        }),
      );
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
        expect(
          drainerSaw.map((e) => [
            e.documentKey._id,
            e.updateDescription!.updatedFields['healtheventstatus.nodequarantined'],
          ]),
        ).toEqual([
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
      const ids = await ctx.store.insertHealthEvents(
        ...Array.from({ length: 5 }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })),
      );
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
      await ctx.store.insertHealthEvents(
        { healthEvent: sampleHealthEvent({ nodeName: node }) },
        { healthEvent: sampleHealthEvent({ nodeName: node }) },
      );
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
      const ids = await ctx.store.insertHealthEvents(
        ...Array.from({ length: 4 }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })),
      );
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
      const ids = await ctx.store.insertHealthEvents(
        ...Array.from({ length: 4 }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })),
      );
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

    describe('changelog maximum age (providers with their own changelog)', () => {
      const HOUR = 60 * 60 * 1000;
      /** A purge clock past a one-hour maximum age for every change made so far: no waiting. */
      const twoHoursLater = () => new Date(Date.now() + 2 * HOUR);
      const ownChangelog = () => ctx.ds.capabilities.ownChangelog && ctx.ds.purgeChangelog !== undefined;
      const ids = (events: ChangeEvent[]) => events.map((e) => e.documentKey._id);
      const insertMany = (node: string, n: number) =>
        ctx.store.insertHealthEvents(
          ...Array.from({ length: n }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })),
        );
      interface Warning {
        obj: Record<string, unknown>;
        msg: string;
      }
      const recordingLogger = (warnings: Warning[]) => ({
        warn: (obj: Record<string, unknown>, msg: string) => void warnings.push({ obj, msg }),
      });

      it('deletes what a stale consumer still needs; it reports history lost at start, once, and goes on from the oldest retained change', async () => {
        if (!ownChangelog()) return;
        const warnings: Warning[] = [];
        await ctx.restart({ changelogRetentionMs: 0, changelogMaxAgeMs: HOUR, logger: recordingLogger(warnings) });
        const node = uniqueName('node');
        const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
        const [nameA, nameB] = [uniqueName('current'), uniqueName('stale')];
        const a = new StreamReader(ctx.store.watch({ clientName: nameA, pipeline }));
        const b = new StreamReader(ctx.store.watch({ clientName: nameB, pipeline }));
        await Promise.all([a.ready(), b.ready()]);
        await insertMany(node, 3);
        const aSaw = await a.take(3);
        await a.stream.markProcessed(aSaw[2]!.resumeToken);
        const [bSaw] = await b.take(1);
        await b.stream.markProcessed(bSaw!.resumeToken);
        await Promise.all([a.close(), b.close()]);

        // Retention alone keeps B's two unprocessed changes (B's token pins them); the maximum age does not.
        await ctx.ds.purgeChangelog!();
        expect(await ctx.ds.purgeChangelog!({ now: twoHoursLater() })).toBeGreaterThanOrEqual(2);
        expect(await ctx.ds.purgeChangelog!({ now: twoHoursLater() })).toBe(0);
        const purgeWarnings = warnings.filter((w) => Array.isArray(w.obj.clients));
        expect(purgeWarnings).toHaveLength(1);
        expect(purgeWarnings[0]!.obj.clients).toContain(nameB);
        expect(purgeWarnings[0]!.obj.clients).not.toContain(nameA);

        const lostA: HistoryLostInfo[] = [];
        const lostB: HistoryLostInfo[] = [];
        const a2 = new StreamReader(
          ctx.store.watch({ clientName: nameA, pipeline, onHistoryLost: (info) => void lostA.push(info) }),
        );
        const b2 = new StreamReader(
          ctx.store.watch({ clientName: nameB, pipeline, onHistoryLost: (info) => void lostB.push(info) }),
        );
        try {
          await Promise.all([a2.ready(), b2.ready()]);
          expect(lostB).toEqual([{ clientName: nameB, phase: 'initialization', reason: 'token-unusable' }]);
          expect(lostA).toEqual([]);
          expect(warnings.some((w) => w.obj.client === nameB && w.obj.phase === 'initialization')).toBe(true);
          expect(await b2.stream.backlog()).toBe(0);
          const [fresh, sentinel] = await insertMany(node, 2);
          expect(ids(await b2.until(sentinel!))).toEqual([fresh]);
          expect(ids(await a2.until(sentinel!))).toEqual([fresh]);
          expect(lostB).toHaveLength(1);
          expect(lostA).toEqual([]);
        } finally {
          await Promise.all([a2.close(), b2.close()]);
        }
      });

      it('a running stream overtaken by the maximum age: with a listener it goes on from the oldest retained change, without one it ends with resume_token', async () => {
        if (!ownChangelog()) return;
        await ctx.restart({ changelogRetentionMs: 0, changelogMaxAgeMs: HOUR, logger: recordingLogger([]) });
        const node = uniqueName('node');
        const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];

        // With a listener.
        const lost: HistoryLostInfo[] = [];
        const backlogAtLoss: number[] = [];
        let signalLoss!: () => void;
        const lossSeen = new Promise<void>((resolve) => {
          signalLoss = resolve;
        });
        const withListener: StreamReader = new StreamReader(
          ctx.store.watch({
            clientName: uniqueName('listening'),
            pipeline,
            onHistoryLost: async (info) => {
              lost.push(info);
              backlogAtLoss.push(await withListener.stream.backlog());
              signalLoss();
            },
          }),
        );
        // Without one.
        const nameWithout = uniqueName('unprepared');
        const without = new StreamReader(ctx.store.watch({ clientName: nameWithout, pipeline }));
        let retained: string | undefined;
        let laterInserts: string[];
        try {
          await Promise.all([withListener.ready(), without.ready()]);
          await insertMany(node, 1);
          const [w0] = await withListener.take(1);
          const [u0] = await without.take(1);
          await withListener.stream.markProcessed(w0!.resumeToken);
          await without.stream.markProcessed(u0!.resumeToken);
          // Both readers are paused after their first event (nothing asks for the next yet); the purge overtakes them.
          const [overtaken] = await insertMany(node, 1);
          await ctx.ds.purgeChangelog!({ now: twoHoursLater() });
          [retained] = await insertMany(node, 1); // after the purge: retained, so delivered despite the loss

          const firstAfterLoss = withListener.next();
          await lossSeen;
          laterInserts = await insertMany(node, 2);
          const [next, sentinel] = laterInserts;
          const seen = [(await firstAfterLoss)?.documentKey._id, ...ids(await withListener.until(sentinel!))];
          expect(lost).toEqual([
            { clientName: withListener.stream.clientName, phase: 'runtime', reason: 'token-unusable' },
          ]);
          // Counted from the new position, the history horizon: only what the maximum age deleted is
          // lost (MongoDB can only restart from now, which would lose the retained change too).
          expect(backlogAtLoss).toEqual([1]);
          expect(seen).toEqual([retained, next]);
          expect(seen).not.toContain(overtaken);

          let failure: unknown;
          try {
            await without.next();
          } catch (err) {
            failure = err;
          }
          expect(isDatastoreError(failure, 'resume_token'), String(failure)).toBe(true);
          const message = (failure as Error).message;
          expect(message).toContain(nameWithout);
          expect(message).toMatch(/maximum age/);
          expect(message).toMatch(/DATASTORE_CHANGELOG_MAX_AGE_SECONDS/);
          expect(message).toMatch(/cold-start scan/);
          expect(await without.next(1000)).toBeUndefined(); // the iteration has ended
        } finally {
          await Promise.all([withListener.close(), without.close()]);
        }
        // The stored token moved to the horizon with the error: the restarted consumer gets every retained change, with nothing more to report.
        const lostAfterRestart: HistoryLostInfo[] = [];
        const restarted = new StreamReader(
          ctx.store.watch({
            clientName: nameWithout,
            pipeline,
            onHistoryLost: (info) => void lostAfterRestart.push(info),
          }),
        );
        try {
          await restarted.ready();
          const [fresh, sentinel] = await insertMany(node, 2);
          expect(ids(await restarted.until(sentinel!))).toEqual([retained, ...laterInserts, fresh]);
          expect(lostAfterRestart).toEqual([]);
        } finally {
          await restarted.close();
        }
      });

      it('with maximum age 0 retention keeps the old behaviour; a consumer behind within the maximum age loses nothing', async () => {
        if (!ownChangelog()) return;
        const behindCase = async (purgeAt: () => Date | undefined): Promise<void> => {
          const node = uniqueName('node');
          const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
          const clientName = uniqueName('behind');
          const reader = new StreamReader(ctx.store.watch({ clientName, pipeline }));
          await reader.ready();
          const inserted = await insertMany(node, 4);
          const [first] = await reader.take(1);
          await reader.stream.markProcessed(first!.resumeToken);
          await reader.close();
          const now = purgeAt();
          await ctx.ds.purgeChangelog!(now ? { now } : {});
          const lost: HistoryLostInfo[] = [];
          const resumed = new StreamReader(
            ctx.store.watch({ clientName, pipeline, onHistoryLost: (info) => void lost.push(info) }),
          );
          try {
            await resumed.ready();
            expect(await resumed.stream.backlog()).toBe(3);
            const [sentinel] = await insertMany(node, 1);
            expect(ids(await resumed.until(sentinel!))).toEqual(inserted.slice(1));
            expect(lost).toEqual([]);
          } finally {
            await resumed.close();
          }
        };
        // No maximum: however old, changes a consumer needs stay.
        await ctx.restart({ changelogRetentionMs: 0, changelogMaxAgeMs: 0 });
        await behindCase(twoHoursLater);
        // A maximum the changes have not reached yet (and a history horizon left by earlier purges): nothing lost.
        await ctx.restart({ changelogRetentionMs: 0, changelogMaxAgeMs: HOUR, logger: recordingLogger([]) });
        await ctx.ds.purgeChangelog!({ now: twoHoursLater() });
        await behindCase(() => undefined);
        await ctx.restart();
      });
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
      const second = ctx.store.watch({
        clientName: uniqueName('client'),
        pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }],
      });
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
            healtheventstatus: {
              nodequarantined: '',
              userpodsevictionstatus: { status: '', message: '' },
              faultremediated: null,
              spanids: {},
            },
          });
        const insert =
          "INSERT INTO health_events (id, document) SELECT (d->>'_id')::uuid, d FROM (SELECT $1::jsonb AS d) AS x RETURNING id::text AS id";
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
