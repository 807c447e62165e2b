-- Who gets the access, in the words approvers read ("IAM user alice in Production (111111111111)",
-- "Okta user alice@example.com"), fixed when the principal is found: an Okta principal is an id,
-- and the Slack email that found it may change later.
ALTER TABLE requests ADD COLUMN principal_label text;

-- What Slack says about a person beyond bot and deactivated: guests, app users and people of
-- another workspace (Slack Connect) never get access. `teams` holds users.info's team_id and,
-- on Enterprise Grid, every workspace of the organisation the person belongs to.
ALTER TABLE slack_users
  ADD COLUMN teams text[] NOT NULL DEFAULT '{}',
  ADD COLUMN is_restricted boolean NOT NULL DEFAULT false,
  ADD COLUMN is_ultra_restricted boolean NOT NULL DEFAULT false,
  ADD COLUMN is_app_user boolean NOT NULL DEFAULT false;

-- Rows cached before these facts were read would let a guest pass as a member: read everyone again.
DELETE FROM slack_users;
