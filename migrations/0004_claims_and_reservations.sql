-- Whether jitbot ever sent the add call for a grant: cleanup after a failure removes a membership
-- only if jitbot may have added it, never one it never asked for.
ALTER TABLE grants ADD COLUMN add_attempted boolean NOT NULL DEFAULT false;

-- When a message slot was reserved: a reservation whose process died before posting is taken
-- over by the retried job instead of counting as sent.
ALTER TABLE slack_messages ADD COLUMN reserved_at timestamptz NOT NULL DEFAULT now();
