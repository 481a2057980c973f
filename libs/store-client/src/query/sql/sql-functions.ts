/**
 * SQL helper functions the compiled filters and pipelines call. They hold the parts of MongoDB's
 * semantics that are awkward as inline SQL: walking a dotted path across arrays (element-wise
 * matching), BSON type order, and Extended-JSON dates. All are IMMUTABLE and PARALLEL SAFE so the
 * planner may fold and parallelise them; all run unchanged on PostgreSQL 15 and on PGlite.
 *
 * Conventions inside these functions: a SQL NULL jsonb means "missing field", the jsonb `null`
 * means an explicit null. Dates are `{"$date": "<fixed-width ISO UTC>"}` (see codec/ejson.ts).
 *
 * Include `QUERY_FUNCTIONS_SQL` in the schema migrations; it is idempotent (CREATE OR REPLACE).
 */
export const QUERY_FUNCTIONS_SQL = String.raw`
-- True for the Extended-JSON encoding of a date: an object whose only key is "$date" (a string).
CREATE OR REPLACE FUNCTION nvsq_is_date(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT coalesce(jsonb_typeof(v) = 'object' AND jsonb_typeof(v -> '$date') = 'string'
                  AND (v - '$date') = '{}'::jsonb, false)
$fn$;

-- BSON type-order bracket: missing 0, null 1, numbers 2, strings 3, objects 4, arrays 5,
-- booleans 8, dates 9 (gaps keep MongoDB's numbering of the types JSON cannot hold).
CREATE OR REPLACE FUNCTION nvsq_rank(v jsonb) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE jsonb_typeof(v)
    WHEN 'number' THEN 2 WHEN 'string' THEN 3
    WHEN 'object' THEN CASE WHEN nvsq_is_date(v) THEN 9 ELSE 4 END
    WHEN 'array' THEN 5 WHEN 'boolean' THEN 8 WHEN 'null' THEN 1 ELSE 0 END
$fn$;

-- Three-way comparison in MongoDB's total order across BSON types (strings compare binary).
-- Missing sorts below null here (aggregation-expression semantics); callers that want
-- query semantics (missing = null) coalesce first.
CREATE OR REPLACE FUNCTION nvsq_cmp(a jsonb, b jsonb) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  ra int := nvsq_rank(a);
  rb int := nvsq_rank(b);
  c int;
  i int;
  ka text[];
  kb text[];
BEGIN
  IF ra <> rb THEN RETURN sign(ra - rb); END IF;
  CASE ra
    WHEN 0, 1 THEN RETURN 0;
    WHEN 2 THEN RETURN sign(a::numeric - b::numeric);
    WHEN 3 THEN
      RETURN CASE WHEN (a #>> '{}') COLLATE "C" < (b #>> '{}') COLLATE "C" THEN -1
                  WHEN (a #>> '{}') = (b #>> '{}') THEN 0 ELSE 1 END;
    WHEN 9 THEN
      RETURN CASE WHEN (a ->> '$date') COLLATE "C" < (b ->> '$date') COLLATE "C" THEN -1
                  WHEN (a ->> '$date') = (b ->> '$date') THEN 0 ELSE 1 END;
    WHEN 8 THEN RETURN CASE WHEN a = b THEN 0 WHEN a = 'false'::jsonb THEN -1 ELSE 1 END;
    WHEN 5 THEN
      FOR i IN 0 .. least(jsonb_array_length(a), jsonb_array_length(b)) - 1 LOOP
        c := nvsq_cmp(a -> i, b -> i);
        IF c <> 0 THEN RETURN c; END IF;
      END LOOP;
      RETURN sign(jsonb_array_length(a) - jsonb_array_length(b));
    ELSE
      -- Objects: field by field (value type, then name, then value), then field count.
      -- jsonb keeps keys in its own order, not insertion order (documented deviation).
      SELECT array_agg(k ORDER BY o) INTO ka FROM jsonb_object_keys(a) WITH ORDINALITY t(k, o);
      SELECT array_agg(k ORDER BY o) INTO kb FROM jsonb_object_keys(b) WITH ORDINALITY t(k, o);
      FOR i IN 1 .. least(coalesce(array_length(ka, 1), 0), coalesce(array_length(kb, 1), 0)) LOOP
        c := sign(nvsq_rank(a -> ka[i]) - nvsq_rank(b -> kb[i]));
        IF c <> 0 THEN RETURN c; END IF;
        IF ka[i] COLLATE "C" <> kb[i] COLLATE "C" THEN
          RETURN CASE WHEN ka[i] COLLATE "C" < kb[i] COLLATE "C" THEN -1 ELSE 1 END;
        END IF;
        c := nvsq_cmp(a -> ka[i], b -> kb[i]);
        IF c <> 0 THEN RETURN c; END IF;
      END LOOP;
      RETURN sign(coalesce(array_length(ka, 1), 0) - coalesce(array_length(kb, 1), 0));
  END CASE;
END
$fn$;

-- The values a query-language path reaches (MongoDB "dotted path" semantics): a path crossing an
-- array continues into each object element; a numeric component indexes the array; the value at
-- the end of the path is a candidate and, when it is an array, so is each element (elem = true).
-- A NULL val means the path is missing along that branch — except below an element-wise array
-- crossing, where elements lacking the field contribute nothing (flag below_array).
-- An earlier three-argument version would make two-argument calls ambiguous.
DROP FUNCTION IF EXISTS nvsq_candidates(jsonb, text[], int);
CREATE OR REPLACE FUNCTION nvsq_candidates(v jsonb, path text[], depth int DEFAULT 1, below_array boolean DEFAULT false)
RETURNS TABLE(val jsonb, elem boolean)
-- A path reaches a handful of values, not the default estimate of 1000 rows; an honest
-- estimate keeps plan costs (and JIT compilation for costly plans) proportionate.
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ROWS 4 AS $fn$
DECLARE
  part text;
  e jsonb;
BEGIN
  IF depth > coalesce(array_length(path, 1), 0) THEN
    IF v IS NULL AND below_array THEN RETURN; END IF;
    val := v; elem := false; RETURN NEXT;
    IF jsonb_typeof(v) = 'array' THEN
      FOR e IN SELECT x FROM jsonb_array_elements(v) x LOOP
        val := e; elem := true; RETURN NEXT;
      END LOOP;
    END IF;
    RETURN;
  END IF;
  part := path[depth];
  CASE jsonb_typeof(v)
    WHEN 'object' THEN
      RETURN QUERY SELECT * FROM nvsq_candidates(v -> part, path, depth + 1, below_array);
    WHEN 'array' THEN
      IF part ~ '^[0-9]{1,9}$' THEN
        RETURN QUERY SELECT * FROM nvsq_candidates(v -> part::int, path, depth + 1, below_array);
      END IF;
      FOR e IN SELECT x FROM jsonb_array_elements(v) x LOOP
        IF jsonb_typeof(e) = 'object' AND e ? part THEN
          RETURN QUERY SELECT * FROM nvsq_candidates(e, path, depth, true);
        END IF;
      END LOOP;
    ELSE
      IF NOT below_array THEN val := NULL; elem := false; RETURN NEXT; END IF;
  END CASE;
END
$fn$;

-- The value of an aggregation-expression field path ("$a.b"): across an array it maps the rest
-- of the path over the elements, dropping elements where it is missing; numeric components are
-- field names, never indexes. NULL when missing.
CREATE OR REPLACE FUNCTION nvsq_get(v jsonb, path text[], depth int DEFAULT 1) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  out jsonb := '[]'::jsonb;
  e jsonb;
  r jsonb;
BEGIN
  IF depth > coalesce(array_length(path, 1), 0) THEN RETURN v; END IF;
  CASE jsonb_typeof(v)
    WHEN 'object' THEN
      IF nvsq_is_date(v) THEN RETURN NULL; END IF;
      RETURN nvsq_get(v -> path[depth], path, depth + 1);
    WHEN 'array' THEN
      FOR e IN SELECT x FROM jsonb_array_elements(v) x LOOP
        IF jsonb_typeof(e) IN ('object', 'array') THEN
          r := nvsq_get(e, path, depth);
          IF r IS NOT NULL THEN out := out || jsonb_build_array(r); END IF;
        END IF;
      END LOOP;
      RETURN out;
    ELSE
      RETURN NULL;
  END CASE;
END
$fn$;

-- Fast path for the common case: when no array is crossed before the last component the
-- query-language path is plain #> navigation. Returns true when the slow walk is not needed.
CREATE OR REPLACE FUNCTION nvsq_plain_path(v jsonb, path text[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  i int;
  n int := coalesce(array_length(path, 1), 0);
  cur jsonb := v;
BEGIN
  FOR i IN 1 .. n - 1 LOOP
    cur := cur -> path[i];
    IF cur IS NULL THEN RETURN true; END IF;
    IF jsonb_typeof(cur) = 'array' THEN RETURN false; END IF;
  END LOOP;
  RETURN true;
END
$fn$;

-- Sets (or with a NULL value removes) the field at a dotted path, creating objects on the way.
-- Across an array the assignment applies to every element, like $addFields/$set in MongoDB.
CREATE OR REPLACE FUNCTION nvsq_set_path(v jsonb, path text[], val jsonb, depth int DEFAULT 1) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  n int := coalesce(array_length(path, 1), 0);
  part text := path[depth];
  sub jsonb;
BEGIN
  IF jsonb_typeof(v) = 'array' THEN
    RETURN coalesce((SELECT jsonb_agg(nvsq_set_path(CASE WHEN jsonb_typeof(x) = 'object' OR jsonb_typeof(x) = 'array' THEN x ELSE '{}'::jsonb END, path, val, depth) ORDER BY o)
                     FROM jsonb_array_elements(v) WITH ORDINALITY t(x, o)), '[]'::jsonb);
  END IF;
  IF jsonb_typeof(v) IS DISTINCT FROM 'object' OR nvsq_is_date(v) THEN v := '{}'::jsonb; END IF;
  IF depth = n THEN
    IF val IS NULL THEN RETURN v - part; END IF;
    RETURN jsonb_set(v, ARRAY[part], val, true);
  END IF;
  sub := v -> part;
  IF sub IS NULL AND val IS NULL THEN RETURN v; END IF;
  RETURN jsonb_set(v, ARRAY[part], nvsq_set_path(coalesce(sub, '{}'::jsonb), path, val, depth + 1), true);
END
$fn$;

-- Projection by a spec tree {field: true | {subtree}}: include keeps only the named paths,
-- exclude drops them. Arrays apply the subtree to each element (inclusion drops non-objects).
CREATE OR REPLACE FUNCTION nvsq_project(v jsonb, spec jsonb, include boolean) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  out jsonb;
  k text;
  s jsonb;
BEGIN
  IF jsonb_typeof(v) = 'array' THEN
    RETURN coalesce((SELECT jsonb_agg(nvsq_project(x, spec, include) ORDER BY o)
                     FROM jsonb_array_elements(v) WITH ORDINALITY t(x, o)
                     WHERE NOT include OR jsonb_typeof(x) IN ('object', 'array')), '[]'::jsonb);
  END IF;
  IF jsonb_typeof(v) IS DISTINCT FROM 'object' THEN RETURN v; END IF;
  IF include THEN
    out := '{}'::jsonb;
    FOR k, s IN SELECT key, value FROM jsonb_each(spec) LOOP
      IF v ? k THEN
        IF s = 'true'::jsonb THEN
          out := jsonb_set(out, ARRAY[k], v -> k, true);
        ELSIF jsonb_typeof(v -> k) IN ('object', 'array') THEN
          out := jsonb_set(out, ARRAY[k], nvsq_project(v -> k, s, true), true);
        END IF;
      END IF;
    END LOOP;
    RETURN out;
  END IF;
  out := v;
  FOR k, s IN SELECT key, value FROM jsonb_each(spec) LOOP
    IF s = 'true'::jsonb THEN
      out := out - k;
    ELSIF out ? k THEN
      out := jsonb_set(out, ARRAY[k], nvsq_project(out -> k, s, false), true);
    END IF;
  END LOOP;
  RETURN out;
END
$fn$;

-- MongoDB truthiness for $expr/$cond/$and/$or: false, null, missing and 0 are false.
CREATE OR REPLACE FUNCTION nvsq_truthy(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN v IS NULL THEN false ELSE CASE jsonb_typeof(v)
    WHEN 'boolean' THEN v = 'true'::jsonb
    WHEN 'number' THEN v::numeric <> 0
    WHEN 'null' THEN false
    ELSE true END END
$fn$;

-- Dates as epoch milliseconds and back (for $add/$subtract/$toLong on dates).
CREATE OR REPLACE FUNCTION nvsq_date_ms(v jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT round(extract(epoch FROM ((v ->> '$date')::timestamptz)) * 1000)
$fn$;

CREATE OR REPLACE FUNCTION nvsq_ms_date(ms numeric) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT jsonb_build_object('$date',
    to_char(to_timestamp(trunc(ms) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
$fn$;

-- Arithmetic with MongoDB's null and date rules: any null/missing operand gives null; a date
-- plus milliseconds is a date; date minus date is milliseconds.
CREATE OR REPLACE FUNCTION nvsq_arith(op text, a jsonb, b jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  da boolean := nvsq_is_date(a);
  db boolean := nvsq_is_date(b);
BEGIN
  IF a IS NULL OR b IS NULL OR a = 'null'::jsonb OR b = 'null'::jsonb THEN RETURN 'null'::jsonb; END IF;
  IF op = '+' THEN
    IF da AND jsonb_typeof(b) = 'number' THEN RETURN nvsq_ms_date(nvsq_date_ms(a) + b::numeric); END IF;
    IF db AND jsonb_typeof(a) = 'number' THEN RETURN nvsq_ms_date(nvsq_date_ms(b) + a::numeric); END IF;
  ELSIF op = '-' THEN
    IF da AND db THEN RETURN to_jsonb(nvsq_date_ms(a) - nvsq_date_ms(b)); END IF;
    IF da AND jsonb_typeof(b) = 'number' THEN RETURN nvsq_ms_date(nvsq_date_ms(a) - b::numeric); END IF;
  END IF;
  IF jsonb_typeof(a) <> 'number' OR jsonb_typeof(b) <> 'number' THEN
    RAISE EXCEPTION 'nvsentinel query: cannot apply % to % and %', op, jsonb_typeof(a), jsonb_typeof(b)
      USING ERRCODE = '22023';
  END IF;
  RETURN CASE op
    WHEN '+' THEN to_jsonb(a::numeric + b::numeric)
    WHEN '-' THEN to_jsonb(a::numeric - b::numeric)
    WHEN '*' THEN to_jsonb(a::numeric * b::numeric)
    WHEN '/' THEN to_jsonb(a::numeric / b::numeric)
    WHEN '%' THEN to_jsonb(mod(a::numeric, b::numeric))
  END;
END
$fn$;

-- Raises MongoDB's error for $replaceRoot/$replaceWith when the new root is not a document.
CREATE OR REPLACE FUNCTION nvsq_raise_not_document(v jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  RAISE EXCEPTION 'nvsentinel query: $replaceRoot/$replaceWith needs a document, got %', coalesce(jsonb_typeof(v), 'missing')
    USING ERRCODE = '22023';
END
$fn$;
`;

/** Names of the functions above, e.g. for a schema check or a DROP in a down-migration. */
export const QUERY_FUNCTION_NAMES = [
  'nvsq_is_date',
  'nvsq_rank',
  'nvsq_cmp',
  'nvsq_candidates',
  'nvsq_get',
  'nvsq_plain_path',
  'nvsq_set_path',
  'nvsq_project',
  'nvsq_truthy',
  'nvsq_date_ms',
  'nvsq_ms_date',
  'nvsq_arith',
  'nvsq_raise_not_document',
] as const;
