/**
 * The changelog's history horizon: the highest position (per watched table) that retention
 * deleted because it was older than the changelog maximum age, whether or not every consumer had
 * processed it. A change stream whose position is below it has lost history — changes after its
 * position are gone — and says so (onHistoryLost / DatastoreError resume_token), like MongoDB's
 * ChangeStreamHistoryLost. Only ever moves forward; one row per table.
 */
export const CHANGELOG_HISTORY_HORIZON_SQL = String.raw`
CREATE TABLE nvsentinel_changelog_horizon (
  table_name text PRIMARY KEY,
  txid xid8 NOT NULL,
  change_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;
