import type pg from 'pg';
import { appendAudit } from '../db/audit-repository.js';
import { finishRevocation } from '../db/grant-schedule-repository.js';
import { GRANT_COLUMNS, type StoredGrant } from '../db/grants-repository.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { listRequestsOfGrant } from '../db/requests-repository.js';
import { enqueueGrantNotice, enqueueRequestChanged } from './notices.js';

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

/** The grants a person may need to act on: not yet ended, oldest expiry first. */
export async function listLiveGrants(db: Queryable): Promise<StoredGrant[]> {
  const { rows } = await db.query<StoredGrant>(
    `SELECT ${GRANT_COLUMNS} FROM grants WHERE status IN ('pending', 'active', 'revoking') ORDER BY expires_at, id`,
  );
  return rows;
}

/**
 * Ends a revocation jitbot cannot finish (the account is gone, the target moved) after an admin
 * took the access away by hand: jitbot stops retrying, and the audit log says who and why. Only
 * a grant being revoked can be closed, so this never ends access that is still meant to be live.
 */
export async function closeRevocationByHand(
  db: pg.Pool,
  grantId: string,
  closing: HandClosing,
): Promise<CloseOutcome> {
  return inTransaction(db, async (tx): Promise<CloseOutcome> => {
    const { rows } = await tx.query<StoredGrant>(
      `SELECT ${GRANT_COLUMNS} FROM grants WHERE id = $1 FOR UPDATE`,
      [grantId],
    );
    const grant = rows[0];
    if (!grant) return { type: 'not-found' };
    if (grant.status !== 'revoking') return { type: 'not-revoking', grant };
    const done = await finishRevocation(tx, grant.id);
    if (!done) return { type: 'not-revoking', grant };
    await appendAudit(tx, {
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
    if (done.status === 'revoked')
      await enqueueGrantNotice(tx, { requestId: grant.requestId, grantId: grant.id, notice: 'revoked' });
    for (const requestId of await listRequestsOfGrant(tx, grant.id))
      await enqueueRequestChanged(tx, requestId);
    return { type: 'closed', grant: done };
  });
}
