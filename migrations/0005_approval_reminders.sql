-- Approvers are reminded once of a request still waiting for them, before it times out.
-- remind_at is set when the request is made; reminded_at when the reminder was claimed, so it is
-- sent once across replicas. Requests made before this migration get no reminder.
ALTER TABLE requests ADD COLUMN remind_at timestamptz;
ALTER TABLE requests ADD COLUMN reminded_at timestamptz;
CREATE INDEX requests_pending_remind_at ON requests (remind_at)
  WHERE status = 'pending' AND reminded_at IS NULL AND remind_at IS NOT NULL;

ALTER TABLE slack_messages DROP CONSTRAINT slack_messages_purpose_check;
ALTER TABLE slack_messages ADD CONSTRAINT slack_messages_purpose_check
  CHECK (purpose IN ('approval', 'requester', 'admin', 'decision', 'access', 'warning', 'revoked', 'alert', 'reminder'));
