import type pg from 'pg';
import { pruneOldJobs } from '../workflow/prune-jobs.js';
import type { DueWorkSource } from './worker.js';

const EVERY_MS = 60 * 60_000;
/** Not in the first minute after start: a restart loop must not hammer the table. */
const FIRST_AFTER_MS = 60_000;
const BATCH = 5000;

/**
 * Old done jobs and Slack delivery keys, pruned hourly on each replica, a batch at a time. The
 * hour is kept in memory: nothing is lost if a restart moves it.
 */
export function createJobRetentionSource(pool: pg.Pool, now: () => number = Date.now): DueWorkSource {
  let nextRunAt = now() + FIRST_AFTER_MS;
  return {
    name: 'job-retention',
    async runDue() {
      if (now() < nextRunAt) return 0;
      const pruned = await pruneOldJobs(pool, BATCH);
      // A full batch means more are waiting: go on at once, else come back in an hour.
      if (pruned.jobs < BATCH && pruned.deliveryKeys < BATCH) nextRunAt = now() + EVERY_MS;
      return pruned.jobs + pruned.deliveryKeys;
    },
    async nextDueAt() {
      return new Date(nextRunAt);
    },
  };
}
