import type pg from 'pg';
import { appendAudit, SERVICE_ACTOR } from '../db/audit-repository.js';
import { enqueueJob } from '../db/jobs-repository.js';
import { inTransaction } from '../db/pool.js';
import { claimDueReminders, nextReminderDue } from '../db/requests-repository.js';
import type { DueWorkSource } from '../jobs/worker.js';
import { JOB_KINDS } from './job-kinds.js';

const BATCH = 50;

/**
 * Reminds approvers, once, of a request still waiting for them (`settings.approvalReminder`
 * after it was made). Claiming marks the request reminded, so replicas never remind twice; the
 * Slack side goes through the job outbox like every message.
 */
export function createReminderSource(pool: pg.Pool): DueWorkSource {
  return {
    name: 'approval-reminders',
    runDue: () =>
      inTransaction(pool, async (db) => {
        const due = await claimDueReminders(db, BATCH);
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
      }),
    nextDueAt: () => nextReminderDue(pool),
  };
}
