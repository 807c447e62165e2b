-- Drift: what jitbot reads back from AWS, Okta and Identity Center, compared with its grants.

-- The shared resources jitbot has read back at least once. The first reading is the baseline: the
-- holders it found without a grant are recorded below as adopted (pre-existing, never removed).
CREATE TABLE drift_baselines (
  resource      text PRIMARY KEY,
  target_id     text NOT NULL,
  baselined_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE drift_adopted (
  resource    text NOT NULL REFERENCES drift_baselines (resource),
  principal   text NOT NULL,
  name        text NOT NULL,
  adopted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource, principal)
);

-- Findings as last seen, by a key stable across runs: a finding seen again is not new, and one no
-- longer seen (or fixed) is resolved.
CREATE TABLE drift_findings (
  key          text PRIMARY KEY,
  kind         text NOT NULL,
  target_id    text,
  details      jsonb NOT NULL,
  words        text NOT NULL,
  first_seen   timestamptz NOT NULL DEFAULT now(),
  last_seen    timestamptz NOT NULL DEFAULT now(),
  resolved_at  timestamptz,
  resolution   text
);
CREATE INDEX drift_findings_open ON drift_findings (kind) WHERE resolved_at IS NULL;

-- The periodic run: one row whose due time replicas claim with SKIP LOCKED, so it runs once.
CREATE TABLE drift_runs (
  id           int PRIMARY KEY CHECK (id = 1),
  next_run_at       timestamptz NOT NULL DEFAULT now(),
  last_run_at       timestamptz,
  last_finished_at  timestamptz
);
INSERT INTO drift_runs (id) VALUES (1);

-- When a finding was first told to the admin channel: each is told once, in the message of the
-- run that saw it first (or fixed it), and that message is updated in place as findings change.
ALTER TABLE drift_findings ADD COLUMN alerted_at timestamptz;

CREATE TABLE drift_alerts (
  id          bigserial PRIMARY KEY,
  keys        text[] NOT NULL,
  channel     text,
  ts          text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_alerts_keys ON drift_alerts USING gin (keys);
