import {
  claimDueRevocations,
  extendRevocationLease,
  nextRevocationDue,
  retryRevocation,
} from '../db/grant-schedule-repository.js';
import type { StoredGrant } from '../domain/grant.js';
import type { Logger } from '../log/logger.js';
import type { GrantWorkflowDeps } from '../workflow/grant-deps.js';
import { revokeClaimedGrant } from '../workflow/revoke-grants.js';
import { createLeasedSource } from './leased-source.js';
import type { DueWorkSource } from './worker.js';

/**
 * Grants whose access is due to go: at expiry, at once after "Revoke now", and again after a
 * failure until it works (invariant 1). Replicas claim with SKIP LOCKED, so each grant is revoked
 * by one of them; claimed grants are revoked side by side, so one slow account does not delay the
 * others. The revocation records its own outcome (finished, or due again with backoff).
 */
export function createRevocationSource(deps: GrantWorkflowDeps, logger: Logger): DueWorkSource {
  const { pool } = deps;
  return createLeasedSource<StoredGrant>(
    {
      name: 'revocations',
      claim: (limit, leaseSeconds) => claimDueRevocations(pool, limit, leaseSeconds),
      extendLease: (grant, leaseSeconds) => extendRevocationLease(pool, grant.id, leaseSeconds),
      handBack: (grant) => retryRevocation(pool, grant.id, 0, 'worker stopping'),
      run: (grant) => revokeClaimedGrant(deps, grant, logger),
      nextDueAt: () => nextRevocationDue(pool),
      describe: (grant) => ({ grant: grant.id }),
    },
    // A claimed revocation is retried by another replica if this one has not finished it by then.
    { logger, batchSize: 50, concurrency: 100, leaseSeconds: 120 },
  );
}
