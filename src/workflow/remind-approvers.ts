import type { RequestStores } from '../ports/request-stores.js';
import { enqueueInto, JOB_KINDS } from './job-kinds.js';

/**
 * Reminds approvers, once, of up to `limit` requests still waiting for them
 * (`settings.approvalReminder` after each was made), and says how many. Claiming marks a request
 * reminded, so replicas never remind twice; the Slack side goes through the job outbox like
 * every message.
 */
export function remindApprovers(stores: Pick<RequestStores, 'transaction'>, limit: number): Promise<number> {
  return stores.transaction(async (tx) => {
    const due = await tx.requests.claimDueReminders(limit);
    for (const request of due) {
      await tx.audit.serviceStep('request.reminded', request);
      await enqueueInto(tx.outbox, { kind: JOB_KINDS.approvalReminder, payload: { requestId: request.id } });
    }
    return due.length;
  });
}
