-- The audit sink's cursor (AUDIT_SINK, docs/audit-sink.md): how far the audit chain has been
-- shipped to each place it is shipped to. One row per place, so pointing AUDIT_SINK at a new
-- bucket ships the whole chain there, and pointing it back resumes where that one stopped.
-- Replicas claim the row with FOR UPDATE SKIP LOCKED, as they do audit_chain_runs, so one ships
-- at a time.
CREATE TABLE audit_sink_cursors (
  -- The place as written: s3://bucket or s3://bucket/prefix.
  destination      text PRIMARY KEY CHECK (destination ~ '^s3://'),
  -- Every link up to this seq is in an object in the bucket.
  shipped_upto     bigint NOT NULL DEFAULT 0 CHECK (shipped_upto >= 0),
  -- The batch being written: its last seq, chosen and saved before its PUT, so a retry after a
  -- crash or a failure writes the very same range (same key, same bytes), never a wider one.
  pending_upto     bigint CHECK (pending_upto > shipped_upto),
  -- Not before this time may a replica claim the row: the next run, a retry's backoff, or the
  -- lease of the replica writing the pending batch.
  next_run_at      timestamptz NOT NULL DEFAULT now(),
  -- Failed tries of the pending batch in a row, and the last one's reason in words.
  attempts         int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error       text,
  last_object_key  text,
  last_shipped_at  timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
