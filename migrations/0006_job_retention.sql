-- Finished jobs are deleted after a week (the audit log is the record of what happened), found
-- through this index; the other two keep the /metrics counts from scanning whole tables.
CREATE INDEX jobs_done_finished_at ON jobs (finished_at) WHERE status = 'done';
CREATE INDEX jobs_failed ON jobs (id) WHERE status = 'failed';
CREATE INDEX grants_pending ON grants (id) WHERE status = 'pending';
