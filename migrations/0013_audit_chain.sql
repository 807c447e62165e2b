-- Tamper evidence for the audit log: every audit_events row is linked, in id order, into a hash
-- chain kept in its own append-only table. `jitbot audit verify` recomputes the chain; the daily
-- checkpoint copies its head outside the database. src/domain/audit-hash.ts documents the hash.

-- Writers wait here only while this migration runs: with no insert in flight, every id handed out
-- so far belongs to a finished transaction, so chaining what is visible now leaves nothing behind.
LOCK TABLE audit_events IN EXCLUSIVE MODE;

-- The chainer links an id only once every transaction that may still insert an id at or below it
-- has ended. It reads the last id handed out, then takes a transaction id of its own: ids are
-- handed out only to transactions that already have a transaction id, and those are handed out
-- in increasing order, so every holder of an id read has a lower transaction id than the
-- chainer's, and they have all ended once the oldest transaction still running is not older than
-- the chainer's. (nextval alone does not assign a transaction id, and an INSERT computes its
-- defaults before it writes: without this a transaction could hold an id with none.) The sequence
-- hands out one id at a time (CACHE 1), in order.
CREATE FUNCTION audit_event_next_id() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_current_xact_id();
  RETURN nextval('audit_events_id_seq');
END;
$$;
ALTER TABLE audit_events ALTER COLUMN id SET DEFAULT audit_event_next_id();
ALTER SEQUENCE audit_events_id_seq CACHE 1 NO CYCLE;

-- One link per event. No foreign key to audit_events: it would lock every audit row it names, and
-- a missing event is exactly what verify reports.
CREATE TABLE audit_chain (
  seq         bigint PRIMARY KEY CHECK (seq >= 1),
  event_id    bigint NOT NULL UNIQUE,
  prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  chained_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION audit_chain_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_chain is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The audit chain proves the audit log was not changed; links are only ever added.';
END;
$$;

CREATE TRIGGER audit_chain_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE TRIGGER audit_chain_no_truncate
  BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();

-- The chainer's one row, claimed with SKIP LOCKED so one replica links at a time.
--   settled_upto: every id up to here is chained, or was never committed and never will be.
--   pending_upto, pending_xid: the open window: the last id handed out when it was taken, and the
--   chainer's transaction id then; once no transaction older than that one is running, every id
--   up to pending_upto is committed (and visible) or never will be.
CREATE TABLE audit_chain_runs (
  id            int PRIMARY KEY CHECK (id = 1),
  next_run_at   timestamptz NOT NULL DEFAULT now(),
  settled_upto  bigint NOT NULL DEFAULT 0,
  pending_upto  bigint,
  pending_xid   xid8,
  CHECK ((pending_upto IS NULL) = (pending_xid IS NULL))
);

-- The daily checkpoint: one row whose due time replicas claim with SKIP LOCKED, so the head is
-- announced once a day. The last one announced is kept for operators.
CREATE TABLE audit_checkpoints (
  id         int PRIMARY KEY CHECK (id = 1),
  next_at    timestamptz NOT NULL DEFAULT now(),
  last_seq   bigint,
  last_hash  text,
  last_at    timestamptz
);
INSERT INTO audit_checkpoints (id) VALUES (1);

-- The bytes a link's hash covers, the same as chainInput() in src/domain/audit-hash.ts, kept so
-- an auditor can recompute any link with SQL alone:
--   SELECT c.seq, audit_chain_hash(c.seq, c.prev_hash, e) = c.hash
--     FROM audit_chain c JOIN audit_events e ON e.id = c.event_id ORDER BY c.seq;
-- jitbot's own verify does not call these: it recomputes every hash itself.
CREATE FUNCTION audit_chain_field(value text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN value IS NULL THEN '-'
              ELSE octet_length(convert_to(value, 'UTF8'))::text || ':' || value END || E'\n'
$$;

CREATE FUNCTION audit_chain_input(seq bigint, prev_hash text, e audit_events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT 'jitbot-audit-chain-v1' || E'\n'
    || audit_chain_field(seq::text)
    || audit_chain_field(prev_hash)
    || audit_chain_field(e.id::text)
    || audit_chain_field(to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || audit_chain_field(e.actor)
    || audit_chain_field(e.action)
    || audit_chain_field(e.outcome)
    || audit_chain_field(e.request_id)
    || audit_chain_field(e.grant_id)
    || audit_chain_field(e.target_id)
    || audit_chain_field(e.details::text)
$$;

CREATE FUNCTION audit_chain_hash(seq bigint, prev_hash text, e audit_events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(audit_chain_input(seq, prev_hash, e), 'UTF8')), 'hex')
$$;

-- The rows written before this migration, chained now, in id order.
DO $$
DECLARE
  event audit_events;
  previous text := repeat('0', 64);
  next_seq bigint := 0;
BEGIN
  FOR event IN SELECT * FROM audit_events ORDER BY id LOOP
    next_seq := next_seq + 1;
    INSERT INTO audit_chain (seq, event_id, prev_hash, hash)
      VALUES (next_seq, event.id, previous, audit_chain_hash(next_seq, previous, event))
      RETURNING hash INTO previous;
  END LOOP;
END;
$$;

-- Ids burnt by rolled-back inserts are settled too: a row that turns up later with one of them
-- was inserted behind the chain's back.
INSERT INTO audit_chain_runs (id, settled_upto)
  SELECT 1, GREATEST((SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_events_id_seq),
                     (SELECT COALESCE(max(id), 0) FROM audit_events));
