/**
 * The translator's SQL fragments: the same tagged-template API as kysely's `sql` (`sql\`…\``,
 * `sql.raw`, `sql.join`, `sql.ref`), but each fragment is one small object holding the call
 * site's strings and its values, without kysely's operation nodes and frozen arrays. A rule
 * pipeline builds thousands of fragments; through kysely that took longer than PostgreSQL takes
 * to run the statement (6 ms of JavaScript for the analyzer's burst rule, 1.7 ms of execution).
 * `toKysely` flattens a finished fragment once into a single kysely RawBuilder.
 *
 * Values: a fragment is inlined, a kysely RawBuilder (the caller's source relation, columns)
 * is embedded as it is, anything else becomes a parameter, exactly as in kysely's `sql`.
 */
import { sql as kyselySql, type RawBuilder as KyselyRawBuilder } from 'kysely';

export class Fragment<T = unknown> {
  /** Phantom: the SQL type the fragment stands for (as kysely's RawBuilder<T>). */
  declare readonly $type?: T;
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** A compiled SQL fragment (the translator's counterpart of kysely's RawBuilder). */
export type RawBuilder<T = unknown> = Fragment<T>;

const COMMA = new Fragment([', '], []);

function tag<T = unknown>(strings: readonly string[], ...values: unknown[]): Fragment<T> {
  return new Fragment<T>(strings, values);
}

/** Separators between the items: strings are all empty, the values alternate item / separator. */
function join<T = unknown>(items: readonly unknown[], separator: Fragment = COMMA): Fragment<T> {
  if (items.length === 0) return new Fragment<T>([''], []);
  const values: unknown[] = [];
  items.forEach((item, i) => {
    if (i > 0) values.push(separator);
    values.push(item);
  });
  return new Fragment<T>(new Array<string>(values.length + 1).fill(''), values);
}

function raw<T = unknown>(text: string): Fragment<T> {
  return new Fragment<T>([text], []);
}

/** A quoted identifier (`a.b` → `"a"."b"`, as kysely's `sql.ref`). */
function ref<T = unknown>(name: string): Fragment<T> {
  return raw<T>(
    name
      .split('.')
      .map((part) => `"${part.replace(/"/g, '""')}"`)
      .join('.'),
  );
}

export const sql = Object.assign(tag, { join, raw, ref });

/** A kysely RawBuilder as a fragment (the callers' relations and documents). */
export function embed<T = unknown>(builder: KyselyRawBuilder<T>): Fragment<T> {
  return new Fragment<T>(['', ''], [builder]);
}

/** The finished fragment as one kysely RawBuilder: text and parameters collected in one walk. */
export function toKysely<T>(fragment: Fragment<T>): KyselyRawBuilder<T> {
  const strings: string[] = [''];
  const values: unknown[] = [];
  const walk = (f: Fragment): void => {
    const n = f.values.length;
    for (let i = 0; i < n; i++) {
      strings[strings.length - 1] += f.strings[i];
      const v = f.values[i];
      if (v instanceof Fragment) walk(v);
      else {
        values.push(v);
        strings.push('');
      }
    }
    strings[strings.length - 1] += f.strings[n];
  };
  walk(fragment);
  // kysely reads only the strings themselves; `raw` just completes the TemplateStringsArray shape.
  return kyselySql<T>(Object.assign(strings, { raw: strings }) as TemplateStringsArray, ...values);
}
