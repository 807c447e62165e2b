-- Indexes for the readers added with the access review and the App Home.
-- The access review reads a grant's audit events by grant id; `jitbot audit GNT-…` too.
CREATE INDEX audit_events_grant_id ON audit_events (grant_id, id) WHERE grant_id IS NOT NULL;
-- A Home shows its person's grants in force and their last decided requests.
CREATE INDEX grants_live_requester ON grants (requester_id, expires_at)
  WHERE status IN ('pending', 'active', 'revoking');
CREATE INDEX requests_requester_decided_at ON requests (requester_id, decided_at DESC)
  WHERE status <> 'pending';
