import { appendAudit } from '../db/audit-repository.js';
import { failGrant, findGrant, revokeEarly } from '../db/grants-repository.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { changeStatus, lockRequest } from '../db/requests-repository.js';
import type { StoredGrant } from '../domain/grant.js';
import { grantStep, grantTransition } from '../domain/grant-state.js';
import { requestStep } from '../domain/request-state.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import { DUE_WORK } from './due-work.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { enqueueAdminAlert, enqueueRequestChanged } from './notices.js';

/**
 * A grant that may have left something behind (a backstop schedule, or a membership whose add
 * timed out) is handed to the revoker, which undoes it durably and ends it as failed; one that
 * provably applied nothing is failed at once. Only a grant still being applied is ended here.
 */
async function undoGrant(db: Queryable, grant: StoredGrant, reason: string): Promise<void> {
  const mayHaveApplied =
    grant.backstopAt !== null || (grant.preExisting === false && grant.addAttempted && grant.added !== false);
  const event = { type: mayHaveApplied ? 'undo' : 'fail' } as const;
  if (!grantTransition(grant.status, event).ok) return;
  if (mayHaveApplied) {
    await revokeEarly(db, {
      id: grant.id,
      actor: SERVICE_ACTOR,
      reason: 'the grant failed',
      failure: reason,
      step: grantStep(event),
    });
  } else {
    await failGrant(db, grant.id, reason, grantStep(event));
  }
}

/**
 * Ends a request as failed with the reason in plain words: the requester and the approvers see
 * it on their messages, and the admin channel gets an alert (invariant 7). The state machine
 * says which requests can still fail; one that already ended is left as it is.
 */
export async function failApprovedRequest(
  deps: Pick<GrantWorkflowDeps, 'pool' | 'onWork'>,
  failure: {
    requestId: string;
    reason: string;
    grantId?: string | undefined;
    /** The account check failed: the request may still be waiting for approval. */
    accountCheck?: boolean;
    /** False when the requester's own situation is the reason (no account): nothing for admins to fix. */
    alertAdmins?: boolean;
  },
): Promise<void> {
  const { requestId, reason } = failure;
  await inTransaction(deps.pool, async (db) => {
    const request = await lockRequest(db, requestId);
    if (!request) return;
    const grant = failure.grantId ? await findGrant(db, failure.grantId) : undefined;
    if (grant) await undoGrant(db, grant, reason);
    const step = requestStep(request.status, {
      type: failure.accountCheck ? 'account-refused' : 'grant-failed',
    });
    if (!step) return;
    const failed = await changeStatus(db, { id: requestId, ...step, actor: null, reason });
    if (!failed) return;
    await appendAudit(db, {
      actor: SERVICE_ACTOR,
      action: 'request.failed',
      outcome: 'error',
      requestId,
      grantId: grant?.id ?? null,
      targetId: request.targetId,
      details: { reason, was: request.status },
    });
    await enqueueRequestChanged(db, requestId);
    if (failure.alertAdmins === false) return;
    await enqueueAdminAlert(db, {
      requestId,
      alert: 'grant-failed',
      error: reason,
      ...(grant ? { grantId: grant.id } : {}),
    });
  });
  deps.onWork?.(DUE_WORK.jobs, DUE_WORK.revocations);
}
