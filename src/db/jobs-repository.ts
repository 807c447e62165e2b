import type { NewJob } from '../ports/outbox.js';
import { type Queryable, readDueTime } from './pool.js';

/** The channel the worker LISTENs on; enqueueing notifies it so new work starts at once. */
export const JOBS_CHANNEL = 'jitbot_jobs';

/**
 * Due work of any kind was written (a revocation due now, an expiry moved) by a process whose own
 * worker will not run it, such as the CLI: every replica asks all of its sources at once.
 */
export const DUE_CHANNEL = 'jitbot_due';

export async function notifyDueWork(db: Queryable): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [DUE_CHANNEL, 'due']);
}

/**
 * Subscribes a connection to a NOTIFY channel. LISTEN takes no parameters: the name goes into the
 * statement as it is, so only the constants above may be passed, never outside input.
 */
export async function listenOn(db: Queryable, channel: string): Promise<void> {
  await db.query(`LISTEN ${channel}`);
}

export interface JobRow {
  readonly id: string;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  readonly attempts: number;
  readonly maxAttempts: number | null;
}

const JOB_COLUMNS = 'id::text AS id, kind, payload, attempts, max_attempts AS "maxAttempts"';

/**
 * Call inside the transaction that causes the work (transactional outbox). The worker is notified
 * in the same statement (delivered at commit), even when an open job of the same key already
 * holds the work: one round trip per job.
 */
export async function enqueueJob(db: Queryable, job: NewJob): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string | null }>(
    `WITH added AS (
       INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts)
       VALUES ($1, $2, $3, COALESCE($4, now()), $5)
       ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING id)
     SELECT (SELECT id::text FROM added) AS id, pg_notify($6, $1)`,
    [
      job.kind,
      job.payload ?? {},
      job.dedupeKey ?? null,
      job.runAt ?? null,
      job.maxAttempts ?? null,
      JOBS_CHANNEL,
    ],
  );
  return rows[0]?.id ?? undefined;
}

/** Several jobs in one statement and one notification (a burst of revocations ending together). */
export async function enqueueJobs(db: Queryable, jobs: readonly NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await db.query(
    `WITH added AS (
       INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts)
       SELECT kind, payload, dedupe_key, COALESCE(run_at, now()), max_attempts
         FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::timestamptz[], $5::int[])
              WITH ORDINALITY AS j(kind, payload, dedupe_key, run_at, max_attempts, n)
        ORDER BY n
       ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING id)
     SELECT pg_notify($6, $1[1]), (SELECT count(*) FROM added) AS added`,
    [
      jobs.map((job) => job.kind),
      jobs.map((job) => JSON.stringify(job.payload ?? {})),
      jobs.map((job) => job.dedupeKey ?? null),
      jobs.map((job) => job.runAt ?? null),
      jobs.map((job) => job.maxAttempts ?? null),
      JOBS_CHANNEL,
    ],
  );
}

/**
 * Claims up to `limit` due jobs for `workerId`. Running jobs whose lease ran out (their worker
 * died) are due again. SKIP LOCKED lets replicas claim side by side without ever sharing a job.
 */
export async function claimDueJobs(db: Queryable, workerId: string, limit: number, leaseSeconds: number) {
  const { rows } = await db.query<JobRow>(
    `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1,
            locked_until = now() + make_interval(secs => $3)
      WHERE id IN (
        SELECT id FROM jobs
         WHERE (status = 'queued' AND run_at <= now())
            OR (status = 'running' AND locked_until < now())
         ORDER BY run_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
     RETURNING ${JOB_COLUMNS}`,
    [workerId, limit, leaseSeconds],
  );
  return rows;
}

/** Marks jobs done, each only while `workerId` still holds it (several finish at once under load). */
export async function completeJobs(db: Queryable, ids: readonly string[], workerId: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'done', finished_at = now(), locked_by = NULL, locked_until = NULL
      WHERE id = ANY($1::bigint[]) AND locked_by = $2`,
    [ids, workerId],
  );
}

export async function retryJob(
  db: Queryable,
  id: string,
  workerId: string,
  delayMs: number,
  error: string,
  notAnAttempt = false,
) {
  await db.query(
    `UPDATE jobs SET status = 'queued', run_at = now() + make_interval(secs => $3::double precision / 1000),
            last_error = $4, locked_by = NULL, locked_until = NULL,
            attempts = CASE WHEN $5 THEN attempts - 1 ELSE attempts END
      WHERE id = $1 AND locked_by = $2`,
    [id, workerId, delayMs, error, notAnAttempt],
  );
}

export async function failJob(db: Queryable, id: string, workerId: string, error: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'failed', finished_at = now(), last_error = $3, locked_by = NULL, locked_until = NULL
      WHERE id = $1 AND locked_by = $2`,
    [id, workerId, error],
  );
}

/** When the next job falls due (a queued run_at or a running job's lease end), if any. */
export async function nextJobDueAt(db: Queryable): Promise<Date | undefined> {
  return readDueTime(
    db,
    `SELECT LEAST(
       (SELECT min(run_at) FROM jobs WHERE status = 'queued'),
       (SELECT min(locked_until) FROM jobs WHERE status = 'running')) AS due`,
  );
}

/** Renews the leases of the jobs `workerId` is running (one statement for all of them). */
export async function extendJobLeases(
  db: Queryable,
  ids: readonly string[],
  workerId: string,
  leaseSeconds: number,
) {
  // A job locked by another statement (being completed, in a batch that locks its rows in its own
  // order) is skipped, not waited for: waiting could deadlock with that batch (extendRevocationLeases).
  await db.query(
    `UPDATE jobs SET locked_until = now() + make_interval(secs => $3)
      WHERE id IN (
        SELECT id FROM jobs WHERE id = ANY($1::bigint[]) AND locked_by = $2 AND status = 'running'
           FOR UPDATE SKIP LOCKED)`,
    [ids, workerId, leaseSeconds],
  );
}

/**
 * Deletes up to `limit` jobs done more than `days` ago, oldest first; how many. Failed jobs are
 * never deleted here. SKIP LOCKED: replicas pruning at once share the work.
 */
export async function deleteDoneJobs(db: Queryable, days: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM jobs WHERE id IN (
       SELECT id FROM jobs WHERE status = 'done' AND finished_at < now() - make_interval(days => $1)
        ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [days, limit],
  );
  return rowCount ?? 0;
}
