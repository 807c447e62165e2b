import type pg from 'pg';
import { auditServiceStep, SERVICE_ACTOR } from '../db/audit-repository.js';
import { inTransaction } from '../db/pool.js';
import { changeStatus, claimOverdueRequests } from '../db/requests-repository.js';
import { heldRequestStep } from '../domain/request-state.js';
import { enqueueJob, JOB_KINDS } from './job-kinds.js';

/**
 * Expires up to `limit` requests nobody decided by their decide-by time, and says how many. The
 * due time lives on the request row itself, so there is no separate timer to keep in step with it.
 */
export function expireOverdueRequests(pool: pg.Pool, limit: number): Promise<number> {
  return inTransaction(pool, async (db) => {
    const overdue = await claimOverdueRequests(db, limit);
    for (const request of overdue) {
      await changeStatus(db, {
        id: request.id,
        ...heldRequestStep(request.status, { type: 'expire' }),
        actor: SERVICE_ACTOR,
        reason: 'nobody decided in time',
      });
      await auditServiceStep(db, 'request.expired', request);
      await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId: request.id } });
    }
    return overdue.length;
  });
}
