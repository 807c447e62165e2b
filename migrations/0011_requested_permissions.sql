-- What a request for a generated policy (aws-iam-generated-policy) asked for, as checked before
-- any approver saw it: the requester's text, the statements of the smallest policy inside the
-- target's bounds, and the summary approvers read. The document created at grant time is these
-- statements with the expiry filled in, so what approvers approved is exactly what is granted.
ALTER TABLE requests ADD COLUMN permissions jsonb;

-- An extension of a generated policy names the grant it extends: the new request carries the same
-- permissions, and its approval replaces that grant's policy with one ending later.
ALTER TABLE requests ADD COLUMN extends_grant_id text REFERENCES grants (id);

-- What a provider made for a grant and must find again to remove it, when that is not the target's
-- own resource: the ARN of the generated policy in place after an extension replaced the first.
ALTER TABLE grants ADD COLUMN provider_state text;
