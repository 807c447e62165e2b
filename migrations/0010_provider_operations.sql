-- An operation a provider started for a grant and may still be waiting on (an IAM Identity Center
-- account assignment request id). Stored before the wait, so a restart resumes waiting on it
-- instead of asking for the assignment a second time.
ALTER TABLE grants ADD COLUMN provider_operation text;
