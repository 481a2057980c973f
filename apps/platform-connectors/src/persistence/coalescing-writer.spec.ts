/**
 * One caller's bad batch must never fail another's. These tests drive the coalescing writer
 * directly (below ingest validation) against a real datastore, so the poisoned batches reach
 * the database and fail there with the database's own errors: U+0000 and a lone surrogate
 * (jsonb refuses them), a 1 MB checkName or nodeName (the btree index row is too large). A
 * wrapper over the real store adds the two failure shapes a local PostgreSQL cannot produce: a
 * data error raised by the store itself, and MongoDB's ordered insertMany, which keeps the
 * prefix before the failing document.
 */
import { sampleHealthEvent, type HealthEvent } from '@nvsentinel/health-model';
import { NvsError } from '@nvsentinel/service-kit';
import { createDataStore, DatastoreError, type DataStore, type NewHealthEvent } from '@nvsentinel/store-client';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoalescingWriter, isDataError, storedPrefixIds, type BatchInserter } from './coalescing-writer.js';

const MB = 1024 * 1024;
let marker = 0;

function event(overrides: Partial<HealthEvent> = {}): NewHealthEvent {
  marker++;
  return {
    healthEvent: { ...sampleHealthEvent({ nodeName: 'writer-node' }), message: `valid-${marker}`, ...overrides },
  };
}

const POISONS: Array<[string, Partial<HealthEvent>]> = [
  ['U+0000 in message', { message: 'nul \u0000 here' }],
  ['a lone surrogate in agent', { agent: 'agent-\ud800' }],
  ['a 1 MB checkName', { checkName: 'C'.repeat(MB) }],
  ['a 1 MB nodeName', { nodeName: 'n'.repeat(MB) }],
];

/** The events stored in the whole database, by message. */
async function storedMessages(datastore: DataStore): Promise<string[]> {
  const docs = await datastore.healthEventStore().aggregate([{ $project: { m: '$healthevent.message' } }]);
  return docs.map((d) => String(d.m));
}

interface Round {
  valid: Array<Promise<string[]>>;
  poisoned: Promise<unknown>;
}

/** 20 valid batches and one poisoned one, submitted at once so the writer coalesces them. */
function round(writer: CoalescingWriter, poison: NewHealthEvent[], expected: Set<string>): Round {
  const valid: Array<Promise<string[]>> = [];
  let poisoned: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < 21; i++) {
    if (i === 10) {
      poisoned = writer.write(poison).then(
        () => 'stored',
        (err: unknown) => err,
      );
      continue;
    }
    const batch = [event(), event()];
    for (const e of batch) expected.add(e.healthEvent.message);
    valid.push(writer.write(batch));
  }
  return { valid, poisoned };
}

for (const provider of ['postgresql', 'embedded'] as const) {
  describe(`coalesced inserts with a poisoned batch (${provider})`, () => {
    let database: TestDatabase | undefined;
    let datastore: DataStore;

    beforeAll(async () => {
      database = provider === 'postgresql' ? await createTestDatabase('pc_writer') : undefined;
      datastore = await createDataStore(
        database?.config ?? {
          provider: 'embedded',
          connection: { host: '', port: 0, database: 'nvsentinel' },
          options: {},
        },
      );
    }, 60_000);
    afterAll(async () => {
      await datastore?.close();
      await database?.drop();
    });

    const newWriter = (store: BatchInserter = datastore.healthEventStore(), failures: unknown[] = []) =>
      new CoalescingWriter({
        store,
        ping: () => datastore.ping(),
        // One insert at a time: everything submitted while the first runs is coalesced.
        maxConcurrentInserts: 1,
        observer: { onInsertFailed: (err) => failures.push(err) },
      });

    it.each(POISONS)(
      '%s fails only its own batch, over 10 rounds; every valid batch is stored once',
      async (_name, poison) => {
        const failures: unknown[] = [];
        const writer = newWriter(datastore.healthEventStore(), failures);
        const expected = new Set<string>();
        const before = new Set(await storedMessages(datastore));
        for (let r = 0; r < 10; r++) {
          const { valid, poisoned } = round(writer, [event(), event(poison)], expected);
          const results = await Promise.allSettled(valid);
          expect(results.filter((x) => x.status === 'rejected')).toStrictEqual([]);
          for (const x of results) expect((x as PromiseFulfilledResult<string[]>).value).toHaveLength(2);
          const refusal = await poisoned;
          expect(refusal).toBeInstanceOf(NvsError);
          expect((refusal as NvsError).code).toBe('NVS_ERR_PC_EVENTS_UNSTORABLE');
          expect((refusal as NvsError).statusCode).toBe(400);
          expect((refusal as NvsError).message).toContain('other batches were not affected');
        }
        await writer.close();
        // The database's own error, on a coalesced insert (not a lone one), caused the split.
        expect(failures.length).toBeGreaterThanOrEqual(10);
        expect(failures.every(isDataError)).toBe(true);
        const stored = (await storedMessages(datastore)).filter((m) => !before.has(m));
        expect(stored.length).toBe(expected.size);
        expect(new Set(stored)).toStrictEqual(expected);
      },
      120_000,
    );

    it('a data error raised by the store itself fails only the batch that holds it', async () => {
      const real = datastore.healthEventStore();
      const store: BatchInserter = {
        insertHealthEvents: async (...events) => {
          const bad = events.findIndex((e) => e.healthEvent.componentClass === 'UNSTORABLE');
          if (bad >= 0)
            throw new DatastoreError('validation', `insertHealthEvents: event ${bad} cannot be stored`, { provider });
          return real.insertHealthEvents(...events);
        },
      };
      const writer = newWriter(store);
      const expected = new Set<string>();
      const before = new Set(await storedMessages(datastore));
      const { valid, poisoned } = round(writer, [event({ componentClass: 'UNSTORABLE' })], expected);
      expect((await Promise.all(valid)).flat()).toHaveLength(40);
      expect(((await poisoned) as NvsError).code).toBe('NVS_ERR_PC_EVENTS_UNSTORABLE');
      await writer.close();
      const stored = (await storedMessages(datastore)).filter((m) => !before.has(m));
      expect(new Set(stored)).toStrictEqual(expected);
      expect(stored).toHaveLength(expected.size);
    });

    it('MongoDB-style ordered insert: the stored prefix is acknowledged, never inserted twice; a cut refused batch is undone', async () => {
      const real = datastore.healthEventStore();
      let partialFailures = 0;
      // Behaves like insertMany({ordered: true}): documents before the first bad one are
      // stored, then the driver's MongoBulkWriteError (wrapped by store-client) is thrown.
      const store: BatchInserter = {
        insertHealthEvents: async (...events) => {
          const bad = events.findIndex((e) => e.healthEvent.componentClass === 'UNSTORABLE');
          if (bad < 0) return real.insertHealthEvents(...events);
          const ids = bad > 0 ? await real.insertHealthEvents(...events.slice(0, bad)) : [];
          partialFailures++;
          const cause = Object.assign(new Error('E11000-like write error'), {
            code: 2,
            insertedCount: ids.length,
            insertedIds: Object.fromEntries(ids.map((id, i) => [i, { toHexString: () => id }])),
          });
          throw new DatastoreError('insert', 'insert health events failed: BadValue', {
            provider: 'mongodb',
            cause,
            details: { serverCode: 2 },
          });
        },
        deleteHealthEvent: (id) => real.deleteHealthEvent(id),
      };
      const writer = newWriter(store);
      const expected = new Set<string>();
      const before = new Set(await storedMessages(datastore));
      for (let r = 0; r < 5; r++) {
        // The poisoned batch's first event is valid and lands in the stored prefix.
        const cut = event();
        const { valid, poisoned } = round(writer, [cut, event({ componentClass: 'UNSTORABLE' })], expected);
        expect((await Promise.all(valid)).flat()).toHaveLength(40);
        expect(((await poisoned) as NvsError).code).toBe('NVS_ERR_PC_EVENTS_UNSTORABLE');
      }
      await writer.close();
      expect(partialFailures).toBeGreaterThanOrEqual(5);
      const stored = (await storedMessages(datastore)).filter((m) => !before.has(m));
      // Every valid event exactly once; nothing of the refused batches (their prefix was undone).
      expect(stored).toHaveLength(expected.size);
      expect(new Set(stored)).toStrictEqual(expected);
    });

    it('any mix of valid and poisoned concurrent batches: exactly the valid ones are stored, each once (property)', async () => {
      const real = datastore.healthEventStore();
      // Half the poisons are refused by the database itself (U+0000), half by an ordered,
      // MongoDB-like insert that keeps the prefix before them.
      const store: BatchInserter = {
        insertHealthEvents: async (...events) => {
          const bad = events.findIndex((e) => e.healthEvent.componentClass === 'UNSTORABLE');
          if (bad < 0) return real.insertHealthEvents(...events);
          const ids = bad > 0 ? await real.insertHealthEvents(...events.slice(0, bad)) : [];
          const cause = { insertedCount: ids.length, insertedIds: Object.fromEntries(ids.map((id, i) => [i, id])) };
          throw new DatastoreError('insert', 'BadValue', { provider: 'mongodb', cause, details: { serverCode: 2 } });
        },
        deleteHealthEvent: (id) => real.deleteHealthEvent(id),
      };
      const kinds = fc.constantFrom('valid', 'valid', 'valid', 'nul', 'ordered');
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(kinds, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 24 }),
          async (plan) => {
            const writer = newWriter(store);
            const before = new Set(await storedMessages(datastore));
            const expected = new Set<string>();
            const outcomes = plan.map(([kind, size]) => {
              const batch = Array.from({ length: size }, () => event());
              if (kind === 'nul') batch[size - 1] = event({ message: `nul-${marker}\u0000` });
              if (kind === 'ordered') batch[size - 1] = event({ componentClass: 'UNSTORABLE' });
              if (kind === 'valid') for (const e of batch) expected.add(e.healthEvent.message);
              return writer.write(batch).then(
                (ids) => ({ kind, ok: ids.length === size }),
                (err: NvsError) => ({ kind, ok: false, code: err.code }),
              );
            });
            const results = await Promise.all(outcomes);
            await writer.close();
            for (const r of results) {
              if (r.kind === 'valid') expect(r).toStrictEqual({ kind: 'valid', ok: true });
              else expect(r).toStrictEqual({ kind: r.kind, ok: false, code: 'NVS_ERR_PC_EVENTS_UNSTORABLE' });
            }
            const stored = (await storedMessages(datastore)).filter((m) => !before.has(m));
            expect(stored).toHaveLength(expected.size);
            expect(new Set(stored)).toStrictEqual(expected);
          },
        ),
        { numRuns: 15 },
      );
    }, 180_000);

    it('an outage is not split: every caller gets 503 + Retry-After and the writer turns unavailable', async () => {
      const real = datastore.healthEventStore();
      let down = true;
      let calls = 0;
      const store: BatchInserter = {
        insertHealthEvents: async (...events) => {
          calls++;
          if (down)
            throw new DatastoreError('connection', 'insert health events: cannot reach the database (ECONNREFUSED)', {
              provider,
            });
          return real.insertHealthEvents(...events);
        },
      };
      const writer = new CoalescingWriter({
        store,
        ping: () => datastore.ping(),
        maxConcurrentInserts: 1,
        probeIntervalMs: 50,
      });
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => writer.write([event()])));
      expect(
        results.every(
          (x) => x.status === 'rejected' && (x.reason as NvsError).code === 'NVS_ERR_PC_DATASTORE_UNAVAILABLE',
        ),
      ).toBe(true);
      // The first insert failed alone, the rest were refused from the queue: no split retries.
      expect(calls).toBe(1);
      expect(writer.state).toBe('unavailable');
      down = false;
      await expect.poll(() => writer.state, { timeout: 30_000 }).toBe('available');
      expect(await writer.write([event()])).toHaveLength(1);
      await writer.close();
    });
  });
}

describe('storedPrefixIds', () => {
  it('reads the ordered prefix of a MongoBulkWriteError and nothing from other errors', () => {
    const cause = { insertedCount: 2, insertedIds: { 0: { toHexString: () => 'a' }, 1: 'b' } };
    expect(storedPrefixIds(new DatastoreError('insert', 'x', { cause }), 5)).toStrictEqual(['a', 'b']);
    expect(storedPrefixIds(new DatastoreError('validation', 'x'), 5)).toStrictEqual([]);
    expect(storedPrefixIds(new Error('x'), 5)).toStrictEqual([]);
    expect(
      storedPrefixIds(new DatastoreError('insert', 'x', { cause: { insertedCount: 0, insertedIds: {} } }), 5),
    ).toStrictEqual([]);
  });
});
