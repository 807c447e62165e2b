import type pg from 'pg';
import { appendAudit, SERVICE_ACTOR } from '../db/audit-repository.js';
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
      await appendAudit(db, {
        actor: SERVICE_ACTOR,
        action: 'request.reminded',
        outcome: 'ok',
        requestId: request.id,
        targetId: request.targetId,
      });
      await enqueueJob(db, { kind: JOB_KINDS.approvalReminder, payload: { requestId: request.id } });
    }
    return due.length;
  });
}
