import { heldRequestStep } from '../domain/request-state.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import type { RequestStores } from '../ports/request-stores.js';
import { enqueueInto, JOB_KINDS } from './job-kinds.js';

/**
 * Expires up to `limit` requests nobody decided by their decide-by time, and says how many. The
 * due time lives on the request row itself, so there is no separate timer to keep in step with it.
 */
export function expireOverdueRequests(
  stores: Pick<RequestStores, 'transaction'>,
  limit: number,
): Promise<number> {
  return stores.transaction(async (tx) => {
    const overdue = await tx.requests.claimOverdue(limit);
    for (const request of overdue) {
      await tx.requests.changeStatus({
        id: request.id,
        ...heldRequestStep(request.status, { type: 'expire' }),
        actor: SERVICE_ACTOR,
        reason: 'nobody decided in time',
      });
      await tx.audit.serviceStep('request.expired', request);
      await enqueueInto(tx.outbox, { kind: JOB_KINDS.requestChanged, payload: { requestId: request.id } });
    }
    return overdue.length;
  });
}
