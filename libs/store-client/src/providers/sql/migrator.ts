/**
 * Applies the migrations under a transaction-scoped advisory lock, so two pods (or the Helm
 * migration Job and a pod with autoMigrate) starting together cannot both run them: the second
 * waits, then finds nothing left to do. PostgreSQL DDL is transactional, so a failed migration
 * leaves the schema exactly as it was.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { DatastoreError } from '../../errors.js';
import { MIGRATIONS, REPEATABLE_MIGRATIONS, REQUIRED_SCHEMA_VERSION } from './migrations/index.js';
import type { SqlDb } from './backend.js';

/** Arbitrary but fixed: 'NVSM' in ASCII. */
const MIGRATION_LOCK_KEY = 0x4e56534d;
const MIGRATE_COMMAND = 'nvsentinel-migrate (node libs/store-client/dist/cli/migrate.js)';

export interface SchemaStatus {
  version: number;
  required: number;
  /** Repeatable steps whose applied text differs from this build's. */
  staleRepeatables: string[];
}

export interface MigrationResult {
  fromVersion: number;
  toVersion: number;
  applied: string[];
}

export async function schemaStatus(db: SqlDb): Promise<SchemaStatus> {
  const exists = await sql<{
    ok: boolean;
  }>`SELECT to_regclass('nvsentinel_schema_migrations') IS NOT NULL AS ok`.execute(db);
  if (!exists.rows[0]?.ok) {
    return {
      version: 0,
      required: REQUIRED_SCHEMA_VERSION,
      staleRepeatables: REPEATABLE_MIGRATIONS.map((r) => r.name),
    };
  }
  const rows = await sql<{ name: string; version: number | null; checksum: string | null }>`
    SELECT name, version, checksum FROM nvsentinel_schema_migrations`.execute(db);
  const version = Math.max(0, ...rows.rows.filter((r) => r.version !== null).map((r) => Number(r.version)));
  const applied = new Map(rows.rows.filter((r) => r.version === null).map((r) => [r.name, r.checksum]));
  const staleRepeatables = REPEATABLE_MIGRATIONS.filter((r) => applied.get(r.name) !== checksum(r.sql)).map(
    (r) => r.name,
  );
  return { version, required: REQUIRED_SCHEMA_VERSION, staleRepeatables };
}

export async function migrate(db: SqlDb): Promise<MigrationResult> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS nvsentinel_schema_migrations (
      name text PRIMARY KEY,
      version integer UNIQUE,
      checksum text,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx);
    const before = await schemaStatus(trx);
    const applied: string[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= before.version) continue;
      await sql.raw(migration.sql).execute(trx);
      await sql`INSERT INTO nvsentinel_schema_migrations (name, version, checksum)
        VALUES (${`${String(migration.version).padStart(4, '0')}_${migration.name}`}, ${migration.version}, ${checksum(migration.sql)})`.execute(
        trx,
      );
      applied.push(`${migration.version}_${migration.name}`);
    }
    for (const step of REPEATABLE_MIGRATIONS) {
      if (!before.staleRepeatables.includes(step.name)) continue;
      await sql.raw(step.sql).execute(trx);
      await sql`INSERT INTO nvsentinel_schema_migrations (name, checksum) VALUES (${step.name}, ${checksum(step.sql)})
        ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`.execute(trx);
      applied.push(step.name);
    }
    return { fromVersion: before.version, toVersion: Math.max(before.version, REQUIRED_SCHEMA_VERSION), applied };
  });
}

/**
 * Start-up check: migrate when allowed, otherwise refuse an out-of-date schema with the command
 * that fixes it. A newer schema is accepted: migrations are additive, so an older build keeps
 * working during a rolling upgrade.
 */
export async function ensureSchema(db: SqlDb, autoMigrate: boolean, provider: string): Promise<void> {
  const status = await schemaStatus(db);
  if (status.version >= status.required && status.staleRepeatables.length === 0) return;
  if (autoMigrate) {
    await migrate(db);
    return;
  }
  const what =
    status.version < status.required
      ? `the database schema is at version ${status.version} but this build needs version ${status.required}`
      : `the database's SQL query functions (${status.staleRepeatables.join(', ')}) are out of date`;
  throw new DatastoreError(
    'schema_version',
    `${what}. Run the migrations: ${MIGRATE_COMMAND}, or set DATASTORE_AUTO_MIGRATE=true`,
    {
      provider,
      details: { ...status },
    },
  );
}

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
