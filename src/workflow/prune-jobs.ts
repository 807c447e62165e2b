import type pg from 'pg';
import { deleteDoneJobs } from '../db/jobs-repository.js';
import { pruneDeliveries } from '../db/slack-deliveries-repository.js';

/** Done jobs are kept this long for investigation; the audit log keeps the history for good. */
const KEEP_DONE_JOBS_DAYS = 7;
/**
 * A signed request is accepted up to 5 minutes after its timestamp, and its timestamp may be up
 * to 5 minutes ahead of when it was first seen: its key must outlive both.
 */
const KEEP_DELIVERY_KEYS_SECONDS = 15 * 60;

export interface Pruned {
  readonly jobs: number;
  readonly deliveryKeys: number;
}

/**
 * Deletes up to `limit` jobs finished more than a week ago, and as many Slack delivery keys past
 * the replay window. Failed jobs stay: someone may still need to look. A deletion is the same
 * whoever runs it, so every replica may.
 */
export async function pruneOldJobs(pool: pg.Pool, limit: number): Promise<Pruned> {
  const jobs = await deleteDoneJobs(pool, KEEP_DONE_JOBS_DAYS, limit);
  const deliveryKeys = await pruneDeliveries(pool, KEEP_DELIVERY_KEYS_SECONDS, limit);
  return { jobs, deliveryKeys };
}
