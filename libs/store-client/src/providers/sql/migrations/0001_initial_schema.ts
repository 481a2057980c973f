/**
 * The initial schema: documents stored whole as JSONB (the canonical MongoDB-shaped document),
 * with the fields services filter on mirrored into GENERATED columns so they are indexed and can
 * never drift from the document, whatever statement updated it.
 */
export const INITIAL_SCHEMA_SQL = String.raw`
-- Extended-JSON dates are fixed-width ISO-8601 in UTC ("2026-01-02T03:04:05.678Z"). Parsing that
-- form does not depend on DateStyle or TimeZone, so declaring the cast IMMUTABLE is truthful for
-- our inputs, and generated columns (which require immutable expressions) may use it.
CREATE FUNCTION nvs_ejson_timestamptz(iso text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT iso::timestamptz $fn$;

CREATE TABLE health_events (
  id uuid PRIMARY KEY,
  -- insertion order: the "natural order" MongoDB returns when no sort is given, and a cheap
  -- keyset for batched scans
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  document jsonb NOT NULL,
  node_name text GENERATED ALWAYS AS (document #>> '{healthevent,nodename}') STORED,
  check_name text GENERATED ALWAYS AS (document #>> '{healthevent,checkname}') STORED,
  node_quarantined text GENERATED ALWAYS AS (document #>> '{healtheventstatus,nodequarantined}') STORED,
  eviction_status text GENERATED ALWAYS AS (document #>> '{healtheventstatus,userpodsevictionstatus,status}') STORED,
  created_at timestamptz GENERATED ALWAYS AS (nvs_ejson_timestamptz(document #>> '{createdAt,$date}')) STORED
);
CREATE INDEX health_events_node_created ON health_events (node_name, created_at);
CREATE INDEX health_events_check_name ON health_events (check_name);
CREATE INDEX health_events_node_quarantined ON health_events (node_quarantined) WHERE node_quarantined <> '';
CREATE INDEX health_events_eviction_status ON health_events (eviction_status) WHERE eviction_status <> '';
CREATE INDEX health_events_created_at ON health_events (created_at);

CREATE TABLE maintenance_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id text NOT NULL UNIQUE,
  document jsonb NOT NULL,
  csp text GENERATED ALWAYS AS (document ->> 'csp') STORED,
  cluster_name text GENERATED ALWAYS AS (document ->> 'clusterName') STORED,
  node_name text GENERATED ALWAYS AS (document ->> 'nodeName') STORED,
  maintenance_type text GENERATED ALWAYS AS (document ->> 'maintenanceType') STORED,
  status text GENERATED ALWAYS AS (document ->> 'status') STORED,
  csp_status text GENERATED ALWAYS AS (document ->> 'cspStatus') STORED,
  scheduled_start_time timestamptz GENERATED ALWAYS AS (nvs_ejson_timestamptz(document #>> '{scheduledStartTime,$date}')) STORED,
  actual_end_time timestamptz GENERATED ALWAYS AS (nvs_ejson_timestamptz(document #>> '{actualEndTime,$date}')) STORED,
  event_received_timestamp timestamptz GENERATED ALWAYS AS (nvs_ejson_timestamptz(document #>> '{eventReceivedTimestamp,$date}')) STORED,
  last_updated_timestamp timestamptz GENERATED ALWAYS AS (nvs_ejson_timestamptz(document #>> '{lastUpdatedTimestamp,$date}')) STORED
);
CREATE INDEX maintenance_events_csp_cluster ON maintenance_events (csp, cluster_name, event_received_timestamp DESC);
CREATE INDEX maintenance_events_node_status ON maintenance_events (node_name, status);
CREATE INDEX maintenance_events_status_start ON maintenance_events (status, scheduled_start_time);
CREATE INDEX maintenance_events_status_end ON maintenance_events (status, actual_end_time);

-- One row per change. The reader only reads rows whose transaction is below the snapshot's xmin
-- (every older transaction has finished), in (txid, id) order: a transaction that commits late
-- with a low id is delayed, never skipped. fullDocument is looked up at read time.
CREATE TABLE nvsentinel_changelog (
  id bigint GENERATED ALWAYS AS IDENTITY,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  table_name text NOT NULL,
  record_id uuid NOT NULL,
  operation text NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
  updated_fields jsonb,
  removed_fields jsonb,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (table_name, txid, id)
);
CREATE INDEX nvsentinel_changelog_changed_at ON nvsentinel_changelog (changed_at);

-- Where each consumer (clientName) has got to: the (txid, id) of its last processed change.
CREATE TABLE resume_tokens (
  client_name text PRIMARY KEY,
  txid xid8 NOT NULL,
  change_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- MongoDB $set of one dotted path: missing intermediate documents are created; setting below a
-- scalar or null is an error, as in MongoDB ("Cannot create field ... in element ...").
CREATE FUNCTION nvs_set_path(doc jsonb, path text[], value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  child jsonb;
BEGIN
  IF jsonb_typeof(doc) NOT IN ('object', 'array') THEN
    RAISE EXCEPTION 'cannot set field %: its parent is not a document', path[1] USING ERRCODE = '22023';
  END IF;
  IF cardinality(path) = 1 THEN
    RETURN jsonb_set(doc, path, value, true);
  END IF;
  IF jsonb_typeof(doc) = 'array' THEN
    child := doc -> (path[1]::int);
  ELSE
    child := doc -> path[1];
  END IF;
  RETURN jsonb_set(doc, path[1:1], nvs_set_path(coalesce(child, '{}'::jsonb), path[2:], value), true);
END
$fn$;

-- Applies {"dotted.path": value, ...} like MongoDB's $set.
CREATE FUNCTION nvs_set_paths(doc jsonb, sets jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  entry record;
BEGIN
  FOR entry IN SELECT key, value FROM jsonb_each(sets) LOOP
    doc := nvs_set_path(doc, string_to_array(entry.key, '.'), entry.value);
  END LOOP;
  RETURN doc;
END
$fn$;

-- Field-level difference of two documents as MongoDB reports a replacement-free update: changed
-- leaves as dotted paths (a date or array counts as a leaf), and removed paths. Used only for
-- writes that did not announce the paths they set (e.g. manual SQL).
CREATE FUNCTION nvs_document_diff(old_doc jsonb, new_doc jsonb, prefix text DEFAULT '')
RETURNS TABLE (path text, new_value jsonb, removed boolean)
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  k text;
  o jsonb;
  n jsonb;
BEGIN
  FOR k IN SELECT jsonb_object_keys(old_doc) UNION SELECT jsonb_object_keys(new_doc) LOOP
    o := old_doc -> k;
    n := new_doc -> k;
    CONTINUE WHEN o IS NOT DISTINCT FROM n;
    IF n IS NULL THEN
      path := prefix || k; new_value := NULL; removed := true; RETURN NEXT;
    ELSIF jsonb_typeof(o) = 'object' AND jsonb_typeof(n) = 'object' AND NOT (o ? '$date') AND NOT (n ? '$date') THEN
      RETURN QUERY SELECT * FROM nvs_document_diff(o, n, prefix || k || '.');
    ELSE
      path := prefix || k; new_value := n; removed := false; RETURN NEXT;
    END IF;
  END LOOP;
END
$fn$;

-- Row trigger: one changelog row per change. Updates record updatedFields exactly as MongoDB
-- reports a $set: the store announces the dotted paths it sets in the transaction-local setting
-- nvsentinel.set_paths (a JSON array); a path whose value did not change is left out, and an
-- update that changed nothing logs nothing (MongoDB writes no oplog entry for a no-op).
CREATE FUNCTION nvs_log_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  announced text := current_setting('nvsentinel.set_paths', true);
  updated jsonb := '{}'::jsonb;
  removed jsonb := '[]'::jsonb;
  p text;
  segments text[];
  diff record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO nvsentinel_changelog (table_name, record_id, operation) VALUES (TG_TABLE_NAME, NEW.id, 'insert');
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO nvsentinel_changelog (table_name, record_id, operation) VALUES (TG_TABLE_NAME, OLD.id, 'delete');
    RETURN NULL;
  END IF;
  IF NEW.document = OLD.document THEN
    RETURN NULL;
  END IF;
  IF coalesce(announced, '') <> '' THEN
    FOR p IN SELECT jsonb_array_elements_text(announced::jsonb) LOOP
      segments := string_to_array(p, '.');
      IF NEW.document #> segments IS NULL THEN
        IF OLD.document #> segments IS NOT NULL THEN removed := removed || to_jsonb(p); END IF;
      ELSIF NEW.document #> segments IS DISTINCT FROM OLD.document #> segments THEN
        updated := updated || jsonb_build_object(p, NEW.document #> segments);
      END IF;
    END LOOP;
  ELSE
    FOR diff IN SELECT * FROM nvs_document_diff(OLD.document, NEW.document) LOOP
      IF diff.removed THEN
        removed := removed || to_jsonb(diff.path);
      ELSE
        updated := updated || jsonb_build_object(diff.path, diff.new_value);
      END IF;
    END LOOP;
  END IF;
  INSERT INTO nvsentinel_changelog (table_name, record_id, operation, updated_fields, removed_fields)
  VALUES (TG_TABLE_NAME, NEW.id, 'update', updated, removed);
  RETURN NULL;
END
$fn$;

-- Statement trigger: one NOTIFY per statement (PostgreSQL folds duplicates within a transaction)
-- as a wake-up hint for readers, and the announced paths end with the statement that used them.
CREATE FUNCTION nvs_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('nvsentinel_changes', TG_TABLE_NAME);
  PERFORM set_config('nvsentinel.set_paths', '', true);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER health_events_log_change AFTER INSERT OR UPDATE OR DELETE ON health_events
  FOR EACH ROW EXECUTE FUNCTION nvs_log_change();
CREATE TRIGGER health_events_notify_change AFTER INSERT OR UPDATE OR DELETE ON health_events
  FOR EACH STATEMENT EXECUTE FUNCTION nvs_notify_change();
`;
