import { sql, type RawBuilder } from './fragment.js';

/**
 * ORDER BY items ordering jsonb values by MongoDB's type order then value: the bracket first,
 * then a typed key per bracket so numbers compare numerically and strings binary. SQL NULL
 * ranks lowest (callers map missing to null themselves where MongoDB wants that).
 */
export function sortKey(value: RawBuilder<unknown>, direction: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`nvsq_rank(${value}) ${direction},
    (CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END) ${direction},
    (CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${value} #>> '{}' END) COLLATE "C" ${direction},
    (CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value})::boolean END) ${direction},
    (CASE WHEN nvsq_is_date(${value}) THEN ${value} ->> '$date' END) COLLATE "C" ${direction},
    (CASE WHEN jsonb_typeof(${value}) IN ('object', 'array') AND NOT nvsq_is_date(${value}) THEN ${value}::text END) COLLATE "C" ${direction}`;
}
