import type pg from 'pg';
import { auditServiceStep } from '../db/audit-repository.js';
import { inTransaction } from '../db/pool.js';
import { claimDueReminders } from '../db/requests-repository.js';
import { enqueueJob, JOB_KINDS } from './job-kinds.js';

/**
 * Reminds approvers, once, of up to `limit` requests still waiting for them
 * (`settings.approvalReminder` after each was made), and says how many. Claiming marks a request
 * reminded, so replicas never remind twice; the Slack side goes through the job outbox like
 * every message.
 */
export function remindApprovers(pool: pg.Pool, limit: number): Promise<number> {
  return inTransaction(pool, async (db) => {
    const due = await claimDueReminders(db, limit);
    for (const request of due) {
      await auditServiceStep(db, 'request.reminded', request);
      await enqueueJob(db, { kind: JOB_KINDS.approvalReminder, payload: { requestId: request.id } });
    }
    return due.length;
  });
}
