-- Who each Slack message went to, so a notification job retried after a partial failure never
-- posts the same message to the same person twice; and the decision notice as its own purpose.
ALTER TABLE slack_messages ADD COLUMN recipient text NOT NULL DEFAULT '';
ALTER TABLE slack_messages DROP CONSTRAINT slack_messages_purpose_check;
ALTER TABLE slack_messages ADD CONSTRAINT slack_messages_purpose_check
  CHECK (purpose IN ('approval', 'requester', 'admin', 'decision'));
CREATE UNIQUE INDEX slack_messages_one_per_recipient ON slack_messages (request_id, purpose, recipient);
-- A slot is reserved (channel and ts empty) before the message is posted: only posted messages
-- need to be unique by channel and ts.
ALTER TABLE slack_messages DROP CONSTRAINT slack_messages_channel_ts_key;
CREATE UNIQUE INDEX slack_messages_posted_channel_ts ON slack_messages (channel, ts) WHERE ts <> '';

-- Breakglass requests are reviewed after the fact by an admin.
ALTER TABLE requests ADD COLUMN reviewed_by text;
ALTER TABLE requests ADD COLUMN reviewed_at timestamptz;
-- How a request was approved: by approvers, automatically (autoApprove), or breakglass.
ALTER TABLE requests ADD COLUMN approved_via text CHECK (approved_via IN ('approvers', 'auto', 'breakglass'));
