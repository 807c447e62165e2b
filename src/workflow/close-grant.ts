import type pg from 'pg';
import { appendAudit } from '../db/audit-repository.js';
import { finishRevocation } from '../db/grant-schedule-repository.js';
import { lockGrant } from '../db/grants-repository.js';
import { inTransaction } from '../db/pool.js';
import type { StoredGrant } from '../domain/grant.js';
import { grantTransition } from '../domain/grant-state.js';
import { enqueueRevocationEnded } from './notices.js';

export interface HandClosing {
  /** Who closes it, for the audit log: a name or an email, not a Slack id necessarily. */
  readonly by: string;
  /** Why: what was done by hand, in words (the audit log keeps them). */
  readonly reason: string;
}

export type CloseOutcome =
  | { readonly type: 'closed'; readonly grant: StoredGrant }
  | { readonly type: 'not-found' }
  | { readonly type: 'not-revoking'; readonly grant: StoredGrant };

/**
 * Ends a revocation jitbot cannot finish (the account is gone, the target moved) after an admin
 * took the access away by hand: jitbot stops retrying, and the audit log says who and why. Only
 * a grant being revoked can be closed, so this never ends access that is still meant to be live.
 */
export async function closeRevocationByHand(
  pool: pg.Pool,
  grantId: string,
  closing: HandClosing,
): Promise<CloseOutcome> {
  return inTransaction(pool, async (db): Promise<CloseOutcome> => {
    const grant = await lockGrant(db, grantId);
    if (!grant) return { type: 'not-found' };
    // A grant being undone (it failed while applied) ends failed; any other ends revoked.
    const event = { type: grant.failure === null ? 'removed' : 'undone' } as const;
    if (!grantTransition(grant.status, event).ok) return { type: 'not-revoking', grant };
    const done = await finishRevocation(db, grant.id);
    if (!done) return { type: 'not-revoking', grant };
    await appendAudit(db, {
      actor: `cli:${closing.by}`,
      action: 'grant.closed-by-hand',
      outcome: 'ok',
      requestId: grant.requestId,
      grantId: grant.id,
      targetId: grant.targetId,
      details: {
        reason: closing.reason,
        resource: grant.resource,
        principal: grant.principal,
        attempts: grant.revokeAttempts,
        lastError: grant.lastError,
      },
    });
    await enqueueRevocationEnded(db, done);
    return { type: 'closed', grant: done };
  });
}
