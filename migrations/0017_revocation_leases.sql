-- A revocation in flight holds a lease of a few seconds, renewed while it runs, apart from the
-- time its next attempt is due: a retry time written after a failure is then exact (a late
-- renewal cannot move it), and anyone can tell an attempt in flight from one waiting to retry.
-- NULL when no attempt is in flight. next_attempt_at keeps being the one due time the claim reads.
ALTER TABLE grants ADD COLUMN revoke_leased_until timestamptz;
