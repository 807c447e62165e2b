import type pg from 'pg';
import { pruneDeliveries } from '../db/slack-deliveries-repository.js';
import type { DueWorkSource } from '../jobs/worker.js';

/** Done jobs are kept this long for investigation; the audit log keeps the history for good. */
export const KEEP_DONE_JOBS_DAYS = 7;
const EVERY_MS = 60 * 60_000;
const BATCH = 5000;
/**
 * A signed request is accepted up to 5 minutes after its timestamp, and its timestamp may be up
 * to 5 minutes ahead of when it was first seen: its key must outlive both.
 */
const KEEP_DELIVERY_KEYS_SECONDS = 15 * 60;

/**
 * Deletes jobs finished more than a week ago, a batch at a time, hourly on each replica (a
 * deletion is the same whoever runs it). Failed jobs stay: someone may still need to look. Slack
 * delivery keys past the replay window go too.
 */
export function createJobRetentionSource(pool: pg.Pool, now: () => number = Date.now): DueWorkSource {
  let nextRunAt = now() + 60_000;
  return {
    name: 'job-retention',
    async runDue() {
      if (now() < nextRunAt) return 0;
      const { rowCount } = await pool.query(
        `DELETE FROM jobs WHERE id IN (
           SELECT id FROM jobs WHERE status = 'done' AND finished_at < now() - make_interval(days => $1)
            ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [KEEP_DONE_JOBS_DAYS, BATCH],
      );
      const deleted = rowCount ?? 0;
      const keys = await pruneDeliveries(pool, KEEP_DELIVERY_KEYS_SECONDS, BATCH);
      // A full batch means more are waiting: go on at once, else come back in an hour.
      if (deleted < BATCH && keys < BATCH) nextRunAt = now() + EVERY_MS;
      return deleted + keys;
    },
    async nextDueAt() {
      return new Date(nextRunAt);
    },
  };
}
