-- Which grant a request's approval applied to: an extension or an overlapping request joins the
-- live grant of the same access instead of creating a second one.
ALTER TABLE requests ADD COLUMN grant_id text REFERENCES grants (id);
CREATE INDEX requests_grant_id ON requests (grant_id) WHERE grant_id IS NOT NULL;

-- Messages about a grant: the access notice, the expiry warning (with Extend / Revoke now), the
-- revoked notice, and alerts to the admin channel.
ALTER TABLE slack_messages DROP CONSTRAINT slack_messages_purpose_check;
ALTER TABLE slack_messages ADD CONSTRAINT slack_messages_purpose_check
  CHECK (purpose IN ('approval', 'requester', 'admin', 'decision', 'access', 'warning', 'revoked', 'alert'));
