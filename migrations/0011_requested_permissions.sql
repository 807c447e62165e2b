-- What a request for a generated policy (aws-iam-generated-policy) asked for, as checked before
-- any approver saw it: the requester's text, the statements of the smallest policy inside the
-- target's bounds, and the summary approvers read. The document created at grant time is these
-- statements with the expiry filled in, so what approvers approved is exactly what is granted.
ALTER TABLE requests ADD COLUMN permissions jsonb;
