import { claimDueWarnings } from '../db/grant-schedule-repository.js';
import { inTransaction } from '../db/pool.js';
import { DUE_WORK } from './due-work.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { enqueueGrantNotice } from './notices.js';

/**
 * Warns the holders of up to `limit` grants now due for it, `settings.expiryWarning` before
 * their access ends, with Extend and Revoke now; says how many. An extension moves `warn_at` and
 * clears `warned_at`, so the new expiry gets its own warning.
 */
export async function warnDueGrants(
  deps: Pick<GrantWorkflowDeps, 'pool' | 'onWork'>,
  limit: number,
): Promise<number> {
  const warned = await inTransaction(deps.pool, async (db) => {
    const due = await claimDueWarnings(db, limit);
    for (const grant of due) {
      await enqueueGrantNotice(db, {
        requestId: grant.latestRequestId,
        grantId: grant.id,
        notice: 'warning',
      });
    }
    return due.length;
  });
  if (warned > 0) deps.onWork?.(DUE_WORK.jobs);
  return warned;
}
