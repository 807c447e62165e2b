-- Per-requester limits (settings.requestRateLimit, settings.maxPendingRequests) count a person's
-- requests of the last few minutes, of every status, inside the submit transaction: this index
-- keeps that count to the person's own recent rows.
CREATE INDEX requests_requester_created_at ON requests (requester_id, created_at);
