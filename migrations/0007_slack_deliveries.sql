-- Every signed Slack request and every Events API event_id seen in the last few minutes, so a
-- replayed request (the same signature and timestamp) or a retried event is acted on once, across
-- replicas. Rows older than the signature window are useless and pruned.
CREATE TABLE slack_deliveries (
  key text PRIMARY KEY,
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slack_deliveries_seen_at ON slack_deliveries (seen_at);
