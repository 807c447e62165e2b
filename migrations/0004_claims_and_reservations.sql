-- Whether jitbot ever sent the add call for a grant: cleanup after a failure removes a membership
-- only if jitbot may have added it, never one it never asked for.
ALTER TABLE grants ADD COLUMN add_attempted boolean NOT NULL DEFAULT false;
-- Grants from before this column behave as before: any that was not pre-existing may have been
-- added, so its revocation still removes the membership.
UPDATE grants SET add_attempted = true WHERE pre_existing IS NOT TRUE;

-- When a message slot was reserved: a reservation whose process died before posting is taken
-- over by the retried job instead of counting as sent.
ALTER TABLE slack_messages ADD COLUMN reserved_at timestamptz NOT NULL DEFAULT now();
