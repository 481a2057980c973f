/**
 * Property: a `$set` of dotted paths applied in SQL (nvs_set_paths) gives the document MongoDB
 * would produce, and the changelog records exactly the `updatedFields` MongoDB reports — the
 * paths as written, with their new values, leaving out those whose value did not change.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeepStrictEqual } from 'node:util';
import '../index.js';
import { createDataStore } from '../../registry.js';
import type { DataStore } from '../../interfaces.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { configFromUrl } from '../../testing/postgres-config.js';
import { sampleHealthEvent, uniqueName } from '../../testing/contract-support.js';

const PATHS = [
  'healtheventstatus.nodequarantined',
  'healtheventstatus.userpodsevictionstatus',
  'healtheventstatus.userpodsevictionstatus.status',
  'healtheventstatus.spanids.node-drainer',
  'healtheventstatus.faultremediated',
  'healthevent.metadata.zone',
  'healthevent.message',
  'extra.deep.field',
] as const;

const valueArbitrary = fc.oneof(
  fc.constantFrom('', 'Quarantined', 'Succeeded'),
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
  fc.constant(null),
  // JSON round trip: plain prototypes, as documents read back from the database have
  fc
    .record({ status: fc.constantFrom('', 'Succeeded'), message: fc.constantFrom('', 'ok') })
    .map((v) => JSON.parse(JSON.stringify(v)) as unknown),
);

/** Sets without conflicting paths (MongoDB refuses 'a' together with 'a.b'). */
const setArbitrary = fc
  .uniqueArray(fc.constantFrom(...PATHS), { minLength: 1, maxLength: 4 })
  .filter((paths) => !paths.some((p) => paths.some((q) => q !== p && q.startsWith(`${p}.`))))
  .chain((paths) => fc.tuple(...paths.map((p) => valueArbitrary.map((v) => [p, v] as const))))
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

function getPath(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** MongoDB's $set on a plain document; undefined when MongoDB would refuse (parent not a document). */
function applySet(doc: Record<string, unknown>, set: Record<string, unknown>): Record<string, unknown> | undefined {
  const out = structuredClone(doc);
  for (const [path, value] of Object.entries(set)) {
    const segments = path.split('.');
    let node: Record<string, unknown> = out;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      if (next === undefined) node[segment] = {};
      else if (next === null || typeof next !== 'object' || Array.isArray(next)) return undefined;
      node = node[segment] as Record<string, unknown>;
    }
    node[segments.at(-1)!] = structuredClone(value);
  }
  return out;
}

describe('$set paths and updatedFields (postgresql)', () => {
  let database: TestDatabase;
  let ds: DataStore;
  let raw: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('nvs_setpaths');
    ds = await createDataStore(configFromUrl(database.url));
    raw = new pg.Client({ connectionString: database.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.end();
    await ds?.close();
    await database?.drop();
  });

  it('document and updatedFields match MongoDB for sequences of $sets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(setArbitrary, { minLength: 1, maxLength: 3 }), async (sets) => {
        const node = uniqueName('node');
        const [id] = await ds
          .healthEventStore()
          .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        const read = async () =>
          (
            await raw.query<{ document: Record<string, unknown> }>('SELECT document FROM health_events WHERE id = $1', [
              id,
            ])
          ).rows[0]!.document;
        let expected = await read();
        for (const set of sets) {
          const next = applySet(expected, set);
          const before = (
            await raw.query<{ n: string }>(
              'SELECT count(*)::text AS n FROM nvsentinel_changelog WHERE record_id = $1',
              [id],
            )
          ).rows[0]!.n;
          const outcome = await ds
            .healthEventStore()
            .updateHealthEventsByFilter({ _id: id }, set)
            .then(
              () => 'ok' as const,
              (err: { code?: string }) => err.code,
            );
          if (next === undefined) {
            expect(outcome).toBe('validation');
            continue;
          }
          expect(outcome).toBe('ok');
          expect(await read()).toEqual(next);
          const changed = Object.fromEntries(
            Object.entries(set).filter(([p, v]) => !isDeepStrictEqual(getPath(expected, p), v)),
          );
          const logged = await raw.query<{ updated_fields: unknown }>(
            'SELECT updated_fields FROM nvsentinel_changelog WHERE record_id = $1 ORDER BY txid, id OFFSET $2',
            [id, Number(before)],
          );
          if (Object.keys(changed).length === 0) expect(logged.rows).toEqual([]);
          else expect(logged.rows.map((r) => r.updated_fields)).toEqual([changed]);
          expected = next;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses to set below a scalar or null, as MongoDB does, and changes nothing', async () => {
    const [id] = await ds
      .healthEventStore()
      .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: uniqueName('node') }) });
    await expect(
      ds
        .healthEventStore()
        .updateHealthEventsByFilter({ _id: id }, { 'healtheventstatus.faultremediated.value': true }),
    ).rejects.toMatchObject({
      code: 'validation',
    });
    expect((await ds.healthEventStore().findHealthEventById(id!))!.healthEventStatus.faultRemediated).toBeNull();
  });

  it('refuses conflicting paths, as MongoDB does', async () => {
    await expect(
      ds
        .healthEventStore()
        .updateHealthEventsByFilter(
          { _id: 'x' },
          { 'healtheventstatus.userpodsevictionstatus': {}, 'healtheventstatus.userpodsevictionstatus.status': 'x' },
        ),
    ).rejects.toMatchObject({ code: 'validation' });
  });
});
