import { claimDueWarnings, nextWarningDue } from '../db/grant-schedule-repository.js';
import { inTransaction } from '../db/pool.js';
import type { DueWorkSource } from '../jobs/worker.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { enqueueGrantNotice } from './notices.js';

const BATCH = 50;

/**
 * Warns people `settings.expiryWarning` before their access ends, with Extend and Revoke now.
 * An extension moves `warn_at` and clears `warned_at`, so the new expiry gets its own warning.
 */
export function createWarningSource(deps: Pick<GrantWorkflowDeps, 'pool' | 'onWork'>): DueWorkSource {
  return {
    name: 'expiry-warnings',
    async runDue() {
      const warned = await inTransaction(deps.pool, async (db) => {
        const due = await claimDueWarnings(db, BATCH);
        for (const grant of due) {
          await enqueueGrantNotice(db, {
            requestId: grant.latestRequestId,
            grantId: grant.id,
            notice: 'warning',
          });
        }
        return due.length;
      });
      if (warned > 0) deps.onWork?.();
      return warned;
    },
    nextDueAt: () => nextWarningDue(deps.pool),
  };
}
