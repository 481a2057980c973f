/**
 * The seam between the shared SQL implementation (stores, change streams, migrations) and a
 * concrete PostgreSQL engine: a real server through `pg`, or PGlite in-process. Everything above
 * this interface is written once and runs on both.
 */
import type { Kysely } from 'kysely';
import type { DatastoreError } from '../../errors.js';
import type { DataStoreCapabilities } from '../../interfaces.js';

/** Channel the changelog trigger NOTIFYs on (payload: the table name). */
export const CHANGE_CHANNEL = 'nvsentinel_changes';

/**
 * Kysely over our schema. Collection tables are created at run time (one per collection name a
 * caller opens), so there is no static table map to type it with; every query names its table.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SqlDb = Kysely<any>;

export interface SqlBackend {
  readonly provider: string;
  readonly capabilities: DataStoreCapabilities;
  /** Query builder over the engine; SQL text is the same for every backend. */
  readonly db: SqlDb;
  /**
   * Calls `onNotify` for every NOTIFY on `channel` (and once after a re-established listener
   * reconnects, since notifications may have been missed meanwhile). Resolves to an unsubscribe.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** Translates an engine error into the DatastoreError catalogue. */
  toDatastoreError(err: unknown, action: string): DatastoreError;
  /** Releases connections / the engine. Called once, after kysely is destroyed. */
  shutdown(): Promise<void>;
}
