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
import { PREPARE_MARKER } from '../sql/context.js';
import { createHash } from 'node:crypto';

/** At most this many prepared statements in the session; past it, statements run unnamed. */
const MAX_PREPARED = 256;

function statementName(text: string): string {
  return `nvs_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

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

/** A parameter as a SQL literal, or undefined when it is not a plain string, number, boolean or null. */
function literal(value: unknown): string | undefined {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return `'${value}'`;
  return undefined;
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  /**
   * Statements this session has PREPAREd (true) or could not (false). PGlite's query() plans
   * every statement again, and a rule aggregation is 5–25 KB of SQL: statements the SQL store
   * marks with PREPARE_MARKER (values are parameters, the text depends on the pipeline's shape)
   * are prepared once, with a generic plan, as the postgresql provider names them.
   */
  readonly #prepared = new Map<string, boolean>();
  #genericPlans = false;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async #runPrepared<R>(compiled: CompiledQuery): Promise<{ rows: unknown[]; affectedRows?: number } | undefined> {
    const literals = compiled.parameters.map(literal);
    if (literals.some((l) => l === undefined)) return undefined;
    const name = statementName(compiled.sql);
    let known = this.#prepared.get(name);
    if (known === undefined) {
      if (this.#prepared.size >= MAX_PREPARED) return undefined;
      if (!this.#genericPlans) {
        await this.#pglite.exec('SET plan_cache_mode = force_generic_plan');
        this.#genericPlans = true;
      }
      // A parameter whose type PostgreSQL cannot infer makes PREPARE fail: run that text unnamed.
      known = await this.#pglite.exec(`PREPARE ${name} AS ${compiled.sql}`).then(
        () => true,
        () => false,
      );
      this.#prepared.set(name, known);
    }
    if (!known) return undefined;
    const args = literals.length ? `(${literals.join(', ')})` : '';
    return this.#pglite.query<R>(`EXECUTE ${name}${args}`);
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Parameterless text may hold several statements (migrations); only the simple protocol
    // (exec) accepts that. Its last result is the one a caller wants.
    const result =
      (compiled.sql.startsWith(PREPARE_MARKER) ? await this.#runPrepared<R>(compiled) : undefined) ??
      (compiled.parameters.length === 0
        ? (await this.#pglite.exec(compiled.sql)).at(-1)
        : await this.#pglite.query<R>(compiled.sql, [...compiled.parameters]));
    const rows = (result?.rows ?? []) as R[];
    const affected = result?.affectedRows;
    return affected === undefined ? { rows } : { rows, numAffectedRows: BigInt(affected) };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not support streaming queries; page with LIMIT instead');
  }
}
