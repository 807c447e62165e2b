import { appendAudit } from '../db/audit-repository.js';
import { inTransaction } from '../db/pool.js';
import { changeStatus, lockRequest } from '../db/requests-repository.js';
import type { StoredRequest } from '../domain/request.js';
import { requestStep } from '../domain/request-state.js';
import type { RequestWorkflowDeps } from './deps.js';
import { enqueueJob, JOB_KINDS } from './job-kinds.js';

export type CancelOutcome =
  | { readonly type: 'cancelled'; readonly request: StoredRequest }
  | { readonly type: 'already-decided'; readonly request: StoredRequest }
  | { readonly type: 'not-yours'; readonly request: StoredRequest }
  | { readonly type: 'not-found' };

/** Only the requester can withdraw a request, and only while nobody has decided it. */
export async function cancelRequest(
  deps: Pick<RequestWorkflowDeps, 'pool' | 'onWork'>,
  requestId: string,
  actorId: string,
): Promise<CancelOutcome> {
  const outcome = await inTransaction(deps.pool, async (db): Promise<CancelOutcome> => {
    const request = await lockRequest(db, requestId);
    if (!request) return { type: 'not-found' };
    if (request.requesterId !== actorId) {
      await appendAudit(db, {
        actor: actorId,
        action: 'request.cancel',
        outcome: 'refused',
        requestId,
        targetId: request.targetId,
        details: { reason: 'not-the-requester' },
      });
      return { type: 'not-yours', request };
    }
    const step = requestStep(request.status, { type: 'cancel' });
    const cancelled = step && (await changeStatus(db, { id: requestId, ...step, actor: actorId }));
    if (!cancelled) return { type: 'already-decided', request };
    await appendAudit(db, {
      actor: actorId,
      action: 'request.cancelled',
      outcome: 'ok',
      requestId,
      targetId: request.targetId,
    });
    await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId } });
    return { type: 'cancelled', request: cancelled };
  });
  deps.onWork?.();
  return outcome;
}
