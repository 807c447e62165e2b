import { appendAudit } from '../db/audit-repository.js';
import { inTransaction } from '../db/pool.js';
import { findRequest, markReviewed } from '../db/requests-repository.js';
import { mayReview } from '../domain/approval-rules.js';
import type { RequestWorkflowDeps } from './deps.js';
import { enqueueJob, JOB_KINDS } from './job-kinds.js';

export type ReviewOutcome = 'reviewed' | 'already-reviewed' | 'not-allowed';

/**
 * Breakglass access is approved by nobody, so someone looks at it afterwards: who may is
 * `mayReview`, never the person who used it. Refusals are audited too.
 */
export async function reviewBreakglass(
  deps: Pick<RequestWorkflowDeps, 'pool' | 'catalog' | 'members' | 'onWork'>,
  requestId: string,
  reviewer: string,
): Promise<ReviewOutcome> {
  const { pool, catalog, members } = deps;
  const request = await findRequest(pool, requestId);
  if (!request?.breakglass) return 'already-reviewed';
  const context = { requesterId: request.requesterId, admins: catalog.settings.admins };
  if (!(await mayReview(reviewer, context, members))) {
    await appendAudit(pool, {
      actor: reviewer,
      action: 'breakglass.review',
      outcome: 'refused',
      requestId,
      targetId: request.targetId,
    });
    return 'not-allowed';
  }
  const reviewed = await inTransaction(pool, async (db) => {
    const marked = await markReviewed(db, requestId, reviewer);
    if (!marked) return false;
    await appendAudit(db, {
      actor: reviewer,
      action: 'breakglass.reviewed',
      outcome: 'ok',
      requestId,
      targetId: marked.targetId,
    });
    // The request's messages are redrawn to show who reviewed it.
    await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId } });
    return true;
  });
  deps.onWork?.();
  return reviewed ? 'reviewed' : 'already-reviewed';
}
