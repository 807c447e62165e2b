-- App Home: one row per person whose Home tab jitbot keeps up to date. A change that concerns
-- someone bumps `version` and makes the row due; a replica claims due rows with SKIP LOCKED,
-- publishes the person's Home as it reads it then, and records the version it published. A change
-- made while a publish is in flight leaves `version` ahead of it, so the row falls due again:
-- the latest state is always published, and changes in between are coalesced into one publish.
CREATE TABLE home_views (
  user_id            text PRIMARY KEY CHECK (user_id ~ '^[UW][A-Z0-9]{2,}$'),
  version            bigint NOT NULL DEFAULT 1,
  published_version  bigint NOT NULL DEFAULT 0,
  -- NULL: what was published is current. Never earlier than 2 s after the last publish.
  due_at             timestamptz,
  -- A claim in progress: another replica leaves the row alone until then.
  leased_until       timestamptz,
  published_at       timestamptz,
  failures           int NOT NULL DEFAULT 0,
  last_error         text
);
CREATE INDEX home_views_due ON home_views (due_at) WHERE due_at IS NOT NULL;
