/**
 * Named prepared statements for the statements that repeat with other values: the rule
 * aggregations of health-events-analyzer compile to one stable, parameterised SQL text per rule
 * (100–180 KB with thousands of parameters for the larger rules), and as unnamed statements
 * PostgreSQL parses and plans that text on every execution (50–145 ms). Named, each connection
 * parses it once and PostgreSQL can switch to a cached generic plan after a few executions.
 *
 * Only statements that start with {@link PREPARE_MARKER} are named (the SQL store adds it to
 * aggregations), so one-off statements never accumulate; and each connection keeps at most
 * {@link MAX_PREPARED_PER_CONNECTION} names, past which statements run unnamed again, so a
 * pipeline family with many shapes cannot grow server memory without bound.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

import { PREPARE_MARKER } from '../sql/context.js';

const MAX_PREPARED_PER_CONNECTION = 256;

interface ConnectionState {
  names: Set<string>;
  /** `SET plan_cache_mode` sent (once per connection, before its first named statement). */
  generic: Promise<unknown> | undefined;
}

const stateByConnection = new WeakMap<object, ConnectionState>();

function statementName(text: string): string {
  return `nvs_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

/** The pool kysely uses: the same pool, with marked statements sent as named ones. */
export function withPreparedStatements(pool: pg.Pool, maxPerConnection = MAX_PREPARED_PER_CONNECTION): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let state = stateByConnection.get(client);
      if (!state) stateByConnection.set(client, (state = { names: new Set(), generic: undefined }));
      const known = state;
      return {
        query: ((text: unknown, values?: readonly unknown[]) => {
          // kysely's streaming form passes a cursor object (answered synchronously): not ours to name.
          if (typeof text !== 'string') return client.query(text as never);
          if (!text.startsWith(PREPARE_MARKER)) return client.query(text, values as unknown[]);
          return runNamed(text, values ?? []);
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };

      async function runNamed(text: string, values: readonly unknown[]) {
        const name = statementName(text);
        if (!known.names.has(name)) {
          if (known.names.size >= maxPerConnection) return client.query(text, values as unknown[]);
          known.names.add(name);
        }
        // PostgreSQL plans a named statement's first five executions for their values before
        // it considers a generic plan; the rule statements' plans do not depend on the values
        // (node and time bound go to the same index whatever they are), so plan them once.
        // Unnamed statements are one-shot and keep value-specific plans.
        known.generic ??= client.query('SET plan_cache_mode = force_generic_plan');
        await known.generic;
        return client.query({ name, text, values: values as unknown[] });
      }
    },
    end: () => pool.end(),
  };
}
