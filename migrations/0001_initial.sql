-- jitbot initial schema. Migrations are forward-only: never edit this file once applied;
-- add migrations/NNNN_name.sql instead (jitbot refuses to start when an applied file changed).

CREATE TYPE request_status AS ENUM ('pending', 'approved', 'denied', 'cancelled', 'expired', 'failed');

CREATE TABLE requests (
  id                  text PRIMARY KEY,
  target_id           text NOT NULL,
  requester_id        text NOT NULL,                 -- Slack user id
  principal           text,                          -- provider principal (IAM user name, Okta user id)
  duration_seconds    integer NOT NULL CHECK (duration_seconds > 0),
  justification       text NOT NULL CHECK (length(justification) BETWEEN 1 AND 4000),
  ticket              text CHECK (ticket IS NULL OR length(ticket) <= 2000),
  status              request_status NOT NULL DEFAULT 'pending',
  approvals_required  integer NOT NULL DEFAULT 1 CHECK (approvals_required >= 0),
  breakglass          boolean NOT NULL DEFAULT false,
  decide_by           timestamptz,                   -- approval timeout: due time for expiry
  decided_at          timestamptz,
  decided_by          text,
  decision_reason     text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'pending') = (decided_at IS NULL))
);

-- One open request per person and target: a second attempt is pointed at the first.
CREATE UNIQUE INDEX requests_one_pending_per_requester_target
  ON requests (requester_id, target_id) WHERE status = 'pending';
CREATE INDEX requests_pending_decide_by ON requests (decide_by) WHERE status = 'pending';

CREATE TABLE approvals (
  id           bigserial PRIMARY KEY,
  request_id   text NOT NULL REFERENCES requests (id),
  approver_id  text NOT NULL,                        -- Slack user id
  decision     text NOT NULL CHECK (decision IN ('approve', 'deny')),
  reason       text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- N-of-M counts distinct people: the same approver cannot be counted twice.
  UNIQUE (request_id, approver_id)
);

-- pending: being applied; active: in force; revoking: being taken away (claimed, or waiting to
-- retry); revoked: gone; failed: could not be applied (and whatever was applied was taken away).
CREATE TYPE grant_status AS ENUM ('pending', 'active', 'revoking', 'revoked', 'failed');

CREATE TABLE grants (
  id                 text PRIMARY KEY,
  -- The request that created the grant, and the one whose approval set its current expiry.
  request_id         text NOT NULL REFERENCES requests (id),
  latest_request_id  text NOT NULL REFERENCES requests (id),
  target_id          text NOT NULL,
  -- What is granted, as the provider names it (e.g. aws:111111111111:group/jit-admin). Two
  -- catalog targets can point at the same group, so overlap is decided on the resource.
  resource           text NOT NULL,
  principal          text NOT NULL,
  requester_id       text NOT NULL,
  status             grant_status NOT NULL DEFAULT 'pending',
  -- Read before jitbot acted: NULL until read; true means the person was already a member, so
  -- expiry must leave the membership alone (jitbot never removes access it did not give).
  pre_existing       boolean,
  -- Whether jitbot's add call succeeded: NULL when unknown (a timeout), false when the provider
  -- definitely refused. Cleanup removes the membership unless it is known never to have existed.
  added              boolean,
  expires_at         timestamptz NOT NULL,
  warn_at            timestamptz,
  warned_at          timestamptz,
  -- When the backstop schedule outside jitbot fires; NULL when there is none.
  backstop_at        timestamptz,
  revoke_attempts    integer NOT NULL DEFAULT 0,
  -- While revoking: when the next attempt is due (also the lease of the replica working on it).
  next_attempt_at    timestamptz,
  last_error         text,
  -- When the admin channel was told that this revocation keeps failing (told once).
  alerted_at         timestamptz,
  -- Set when the grant could not be applied: cleanup then ends in 'failed', not 'revoked'.
  failure            text,
  granted_at         timestamptz,
  revoked_at         timestamptz,
  revoked_by         text,
  revoke_reason      text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
  CHECK (status <> 'active' OR (granted_at IS NOT NULL AND pre_existing IS NOT NULL))
);

-- One live grant per principal and resource: overlapping requests extend it instead.
CREATE UNIQUE INDEX grants_one_live_per_principal_resource
  ON grants (resource, principal) WHERE status IN ('pending', 'active', 'revoking');
CREATE INDEX grants_active_expires_at ON grants (expires_at) WHERE status = 'active';
CREATE INDEX grants_revoking_next_attempt ON grants (next_attempt_at) WHERE status = 'revoking';
CREATE INDEX grants_active_warn_at ON grants (warn_at) WHERE status = 'active' AND warned_at IS NULL;
CREATE INDEX grants_request_id ON grants (request_id);
CREATE INDEX grants_resource_principal_revoked ON grants (resource, principal, revoked_at);

CREATE TABLE audit_events (
  id           bigserial PRIMARY KEY,
  occurred_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor        text NOT NULL,                        -- Slack user id, or 'jitbot' for the service
  action       text NOT NULL,                        -- e.g. request.submitted, aws.AddUserToGroup
  outcome      text NOT NULL CHECK (outcome IN ('ok', 'refused', 'error')),
  request_id   text,
  grant_id     text,
  target_id    text,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_request_id ON audit_events (request_id, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The audit log records what happened; add a new event instead of changing one.';
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TYPE job_status AS ENUM ('queued', 'running', 'done', 'failed');

-- Side effects (grant, notify, update messages) enqueued in the same transaction as the state
-- change that causes them, and run by the worker with row claims (FOR UPDATE SKIP LOCKED).
CREATE TABLE jobs (
  id            bigserial PRIMARY KEY,
  kind          text NOT NULL,
  payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- At most one queued or running job per key: enqueueing the same work twice is a no-op.
  dedupe_key    text,
  status        job_status NOT NULL DEFAULT 'queued',
  run_at        timestamptz NOT NULL DEFAULT now(),
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer CHECK (max_attempts IS NULL OR max_attempts >= 1), -- NULL: retry forever
  locked_by     text,
  locked_until  timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE UNIQUE INDEX jobs_one_open_per_dedupe_key ON jobs (dedupe_key) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_queued_run_at ON jobs (run_at) WHERE status = 'queued';
CREATE INDEX jobs_running_locked_until ON jobs (locked_until) WHERE status = 'running';

CREATE TABLE slack_users (
  user_id       text PRIMARY KEY,
  email         text,
  real_name     text,
  display_name  text,
  is_bot        boolean NOT NULL DEFAULT false,
  deleted       boolean NOT NULL DEFAULT false,
  fetched_at    timestamptz NOT NULL DEFAULT now()
);

-- Messages jitbot posted about a request, so every one of them can be updated in place.
CREATE TABLE slack_messages (
  id          bigserial PRIMARY KEY,
  request_id  text NOT NULL REFERENCES requests (id),
  purpose     text NOT NULL CHECK (purpose IN ('approval', 'requester', 'admin')),
  channel     text NOT NULL,
  ts          text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, ts)
);
CREATE INDEX slack_messages_request_id ON slack_messages (request_id);
