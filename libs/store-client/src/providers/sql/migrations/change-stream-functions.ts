/**
 * The change-stream horizon, per database.
 *
 * Transaction ids are server-wide, so `pg_snapshot_xmin(pg_current_snapshot())` is held back by
 * the oldest transaction in ANY database of the server: on a shared PostgreSQL, one long
 * transaction of another application would stall every NVSentinel change stream. A transaction
 * can only write to its own database, so the in-progress transactions that matter are those of
 * this database. We drop the ones positively known to run elsewhere (a backend or a prepared
 * transaction of another database) and keep every other one — including a transaction that
 * finished a moment ago, or one whose backend we are not allowed to see (grant
 * pg_read_all_stats to the datastore user to see other roles' sessions). So the horizon can be
 * lower than the truth (a short wait), never higher (a lost event).
 *
 * Both functions are STABLE and read `pg_current_snapshot()`, the calling statement's own
 * snapshot, so the horizon and the rows the statement can see always agree.
 */
export const CHANGE_STREAM_FUNCTIONS_SQL = `
CREATE OR REPLACE FUNCTION nvs_local_in_progress(s pg_snapshot) RETURNS SETOF xid8
LANGUAGE sql STABLE AS $fn$
  SELECT x FROM pg_snapshot_xip(s) AS x
  WHERE NOT EXISTS (
          SELECT 1 FROM pg_stat_activity a
          WHERE a.backend_xid IS NOT NULL
            AND a.datname IS NOT NULL AND a.datname <> current_database()
            AND a.backend_xid::text = (x::text::numeric % 4294967296)::text)
    AND NOT EXISTS (
          SELECT 1 FROM pg_prepared_xacts p
          WHERE p.database <> current_database()
            AND p.transaction::text = (x::text::numeric % 4294967296)::text)
$fn$;

CREATE OR REPLACE FUNCTION nvs_change_horizon() RETURNS xid8
LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(
    (SELECT min(x) FROM nvs_local_in_progress(pg_current_snapshot()) AS x),
    pg_snapshot_xmax(pg_current_snapshot()))
$fn$;
`;
