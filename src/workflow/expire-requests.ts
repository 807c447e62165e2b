import type pg from 'pg';
import { appendAudit, SERVICE_ACTOR } from '../db/audit-repository.js';
import { enqueueJob } from '../db/jobs-repository.js';
import { inTransaction } from '../db/pool.js';
import { changeStatus, claimOverdueRequests, nextRequestDeadline } from '../db/requests-repository.js';
import type { DueWorkSource } from '../jobs/worker.js';
import { JOB_KINDS } from './job-kinds.js';

const BATCH = 50;

/**
 * Expires requests nobody decided by their decide-by time. The due time lives on the request
 * row itself, so there is no separate timer to keep in step with it.
 */
export function createRequestTimeoutSource(pool: pg.Pool): DueWorkSource {
  return {
    name: 'request-timeouts',
    runDue: () =>
      inTransaction(pool, async (db) => {
        const overdue = await claimOverdueRequests(db, BATCH);
        for (const request of overdue) {
          await changeStatus(db, {
            id: request.id,
            from: 'pending',
            to: 'expired',
            actor: SERVICE_ACTOR,
            reason: 'nobody decided in time',
          });
          await appendAudit(db, {
            actor: SERVICE_ACTOR,
            action: 'request.expired',
            outcome: 'ok',
            requestId: request.id,
            targetId: request.targetId,
          });
          await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId: request.id } });
        }
        return overdue.length;
      }),
    nextDueAt: () => nextRequestDeadline(pool),
  };
}
