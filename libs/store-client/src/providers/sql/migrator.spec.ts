import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../index.js';
import { createDataStore } from '../../registry.js';
import { readSchemaStatus, REQUIRED_SCHEMA_VERSION, runMigrations } from '../../migrate.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { configFromUrl } from '../../testing/postgres-config.js';

describe('schema migrations (postgresql)', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase('nvs_migrate');
  });
  afterEach(async () => {
    await database.drop();
  });

  it('a service refuses an unmigrated database when autoMigrate is off, naming the command', async () => {
    const failure = await createDataStore(configFromUrl(database.url, { autoMigrate: false })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'schema_version' });
    expect((failure as Error).message).toMatch(/version 0 but this build needs version \d+.*nvsentinel-migrate/);
  });

  it('runMigrations applies everything once; a second run has nothing to do', async () => {
    const config = configFromUrl(database.url);
    const first = await runMigrations(config);
    expect(first).toEqual({
      fromVersion: 0,
      toVersion: REQUIRED_SCHEMA_VERSION,
      applied: [
        '1_initial_schema',
        '2_changelog_history_horizon',
        '3_event_time_index',
        'query_functions',
        'change_stream_functions',
      ],
    });
    const second = await runMigrations(config);
    expect(second.applied).toEqual([]);
    expect(await readSchemaStatus(config)).toEqual({
      version: REQUIRED_SCHEMA_VERSION,
      required: REQUIRED_SCHEMA_VERSION,
      staleRepeatables: [],
    });
    const ds = await createDataStore(configFromUrl(database.url, { autoMigrate: false }));
    await ds.ping();
    await ds.close();
  });

  it('a database at version 1 (before the changelog history horizon) is migrated forward by the later versions alone', async () => {
    const config = configFromUrl(database.url);
    await runMigrations(config);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // What a version-1 database looks like.
      await client.query('DROP TABLE nvsentinel_changelog_horizon');
      await client.query('DROP INDEX health_events_node_generated_seconds');
      await client.query('ALTER TABLE health_events DROP COLUMN generated_seconds');
      await client.query('DELETE FROM nvsentinel_schema_migrations WHERE version >= 2');
      expect((await readSchemaStatus(config)).version).toBe(1);
      await expect(createDataStore(configFromUrl(database.url, { autoMigrate: false }))).rejects.toMatchObject({
        code: 'schema_version',
        message: expect.stringMatching(new RegExp(`version 1 but this build needs version ${REQUIRED_SCHEMA_VERSION}`)),
      });
      expect((await runMigrations(config)).applied).toEqual(['2_changelog_history_horizon', '3_event_time_index']);
      const table = await client.query(`SELECT to_regclass('nvsentinel_changelog_horizon') IS NOT NULL AS ok`);
      expect(table.rows[0].ok).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('concurrent runners serialise on the advisory lock: exactly one applies the migrations', async () => {
    const config = configFromUrl(database.url);
    const results = await Promise.all([runMigrations(config), runMigrations(config), runMigrations(config)]);
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect((await readSchemaStatus(config)).version).toBe(REQUIRED_SCHEMA_VERSION);
  });

  it('changed query functions count as out of date until migrated again', async () => {
    const config = configFromUrl(database.url);
    await runMigrations(config);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`UPDATE nvsentinel_schema_migrations SET checksum = 'old' WHERE name = 'query_functions'`);
    } finally {
      await client.end();
    }
    await expect(createDataStore(configFromUrl(database.url, { autoMigrate: false }))).rejects.toMatchObject({
      code: 'schema_version',
      message: expect.stringMatching(/query functions/),
    });
    expect((await runMigrations(config)).applied).toEqual(['query_functions']);
    const ds = await createDataStore(configFromUrl(database.url, { autoMigrate: false }));
    await ds.close();
  });
});
