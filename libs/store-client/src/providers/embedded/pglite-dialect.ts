/**
 * A kysely Dialect for PGlite (PostgreSQL compiled to WASM, running in this process). PGlite is
 * ONE database session, so the driver hands out a single connection guarded by a mutex: a
 * transaction owns the session from BEGIN to COMMIT and nobody else's statement can land inside
 * it. Everything else (SQL compilation, introspection) is kysely's PostgreSQL implementation.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { Mutex } from '../sql/mutex.js';
import type { SqlDb } from '../sql/backend.js';

export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite;
  /** The session lock; hold it for anything sent to PGlite outside kysely (e.g. LISTEN). */
  readonly session: Mutex;

  constructor(pglite: PGlite, session = new Mutex()) {
    this.#pglite = pglite;
    this.session = session;
  }

  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.#pglite, this.session);
  }
  createIntrospector(db: SqlDb) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;
  readonly #session: Mutex;

  constructor(pglite: PGlite, session: Mutex) {
    this.#connection = new PGliteConnection(pglite);
    this.#session = session;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#session.lock();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}` : '';
    const access = settings.accessMode ? ` ${settings.accessMode.toUpperCase()}` : '';
    await connection.executeQuery(CompiledQuery.raw(`BEGIN${isolation}${access}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async releaseConnection(): Promise<void> {
    this.#session.unlock();
  }

  async destroy(): Promise<void> {
    // The PGlite instance belongs to the datastore, which closes it after kysely is destroyed.
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Parameterless text may hold several statements (migrations); only the simple protocol
    // (exec) accepts that. Its last result is the one a caller wants.
    const result =
      compiled.parameters.length === 0
        ? (await this.#pglite.exec(compiled.sql)).at(-1)
        : await this.#pglite.query<R>(compiled.sql, [...compiled.parameters]);
    const rows = (result?.rows ?? []) as R[];
    const affected = result?.affectedRows;
    return affected === undefined ? { rows } : { rows, numAffectedRows: BigInt(affected) };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not support streaming queries; page with LIMIT instead');
  }
}
