import type { StoredRequest } from '../domain/request.js';
import { requestStep } from '../domain/request-state.js';
import type { RequestStores } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';
import { DUE_WORK } from './due-work.js';
import { enqueueInto, JOB_KINDS } from './job-kinds.js';

export type CancelOutcome =
  | { readonly type: 'cancelled'; readonly request: StoredRequest }
  | { readonly type: 'already-decided'; readonly request: StoredRequest }
  | { readonly type: 'not-yours'; readonly request: StoredRequest }
  | { readonly type: 'not-found' };

/** Only the requester can withdraw a request, and only while nobody has decided it. */
export async function cancelRequest(
  deps: Pick<RequestWorkflowDeps, 'onWork'> & { readonly stores: Pick<RequestStores, 'transaction'> },
  requestId: string,
  actorId: string,
): Promise<CancelOutcome> {
  const outcome = await deps.stores.transaction(async (tx): Promise<CancelOutcome> => {
    const request = await tx.requests.lock(requestId);
    if (!request) return { type: 'not-found' };
    if (request.requesterId !== actorId) {
      await tx.audit.append({
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
    const cancelled = step && (await tx.requests.changeStatus({ id: requestId, ...step, actor: actorId }));
    if (!cancelled) return { type: 'already-decided', request };
    await tx.audit.append({
      actor: actorId,
      action: 'request.cancelled',
      outcome: 'ok',
      requestId,
      targetId: request.targetId,
    });
    await enqueueInto(tx.outbox, { kind: JOB_KINDS.requestChanged, payload: { requestId } });
    return { type: 'cancelled', request: cancelled };
  });
  deps.onWork?.(DUE_WORK.jobs);
  return outcome;
}
