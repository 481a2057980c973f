/**
 * The event time (`healthevent.generatedtimestamp.seconds`) mirrored in a column and indexed
 * with the node: every health-events-analyzer rule looks at one node's events inside a time
 * window, and without this index each evaluation read the node's whole history (upstream #1851).
 * Non-numeric or missing times are NULL, so the column never disagrees with the document.
 */
export const EVENT_TIME_INDEX_SQL = String.raw`
ALTER TABLE health_events ADD COLUMN generated_seconds numeric GENERATED ALWAYS AS (
  CASE WHEN jsonb_typeof(document #> '{healthevent,generatedtimestamp,seconds}') = 'number'
    THEN (document #> '{healthevent,generatedtimestamp,seconds}')::numeric END
) STORED;
CREATE INDEX health_events_node_generated_seconds ON health_events (node_name, generated_seconds);
`;
