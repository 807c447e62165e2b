import { mayReview } from '../domain/approval-rules.js';
import type { RequestStores } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';
import { DUE_WORK } from './due-work.js';
import { enqueueInto, JOB_KINDS } from './job-kinds.js';

export type ReviewOutcome = 'reviewed' | 'already-reviewed' | 'not-allowed';

/**
 * Breakglass access is approved by nobody, so someone looks at it afterwards: who may is
 * `mayReview`, never the person who used it. Refusals are audited too.
 */
export async function reviewBreakglass(
  deps: Pick<RequestWorkflowDeps, 'catalog' | 'members' | 'onWork'> & {
    readonly stores: Pick<RequestStores, 'requests' | 'audit' | 'transaction'>;
  },
  requestId: string,
  reviewer: string,
): Promise<ReviewOutcome> {
  const { stores, catalog, members } = deps;
  const request = await stores.requests.find(requestId);
  if (!request?.breakglass) return 'already-reviewed';
  const context = { requesterId: request.requesterId, admins: catalog.settings.admins };
  if (!(await mayReview(reviewer, context, members))) {
    await stores.audit.append({
      actor: reviewer,
      action: 'breakglass.review',
      outcome: 'refused',
      requestId,
      targetId: request.targetId,
    });
    return 'not-allowed';
  }
  const reviewed = await stores.transaction(async (tx) => {
    const marked = await tx.requests.markReviewed(requestId, reviewer);
    if (!marked) return false;
    await tx.audit.append({
      actor: reviewer,
      action: 'breakglass.reviewed',
      outcome: 'ok',
      requestId,
      targetId: marked.targetId,
    });
    // The request's messages are redrawn to show who reviewed it.
    await enqueueInto(tx.outbox, { kind: JOB_KINDS.requestChanged, payload: { requestId } });
    return true;
  });
  deps.onWork?.(DUE_WORK.jobs);
  return reviewed ? 'reviewed' : 'already-reviewed';
}
