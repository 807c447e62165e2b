import { randomUUID } from 'node:crypto';
import {
  claimDueRevocations,
  extendRevocationLeases,
  nextRevocationDue,
  retryRevocation,
} from '../db/grant-schedule-repository.js';
import type { StoredGrant } from '../domain/grant.js';
import { revocationSessionName } from '../domain/session-names.js';
import type { Logger } from '../log/logger.js';
import { DUE_WORK } from '../workflow/due-work.js';
import type { GrantWorkflowDeps } from '../workflow/grant-deps.js';
import { type RevocationClaim, revokeClaimedGrant } from '../workflow/revoke-grants.js';
import { createLeasedSource } from './leased-source.js';
import type { DueWorkSource } from './worker.js';

/**
 * A live replica renews it four times per lease; a dead one's grants are revoked by another this
 * soon, so access ends within seconds of its expiry even then. A live one that misses its renewals
 * (a stall of over two seconds) is fenced: the attempt count its claim took no longer matches, and
 * it stops before acting.
 */
export const REVOCATION_LEASE_SECONDS = 2;

interface ClaimedRevocation {
  readonly grant: StoredGrant;
  readonly claim: RevocationClaim & { readonly session: string };
}

/**
 * Grants whose access is due to go: at expiry, at once after "Revoke now", and again after a
 * failure until it works (invariant 1). Replicas claim with SKIP LOCKED, so each grant is revoked
 * by one of them; claimed grants are revoked side by side, so one slow account does not delay the
 * others. The revocation records its own outcome (finished, or due again with backoff).
 */
export function createRevocationSource(
  deps: GrantWorkflowDeps,
  logger: Logger,
): DueWorkSource & { running(): number } {
  const { pool } = deps;
  return createLeasedSource<ClaimedRevocation>(
    {
      name: DUE_WORK.revocations,
      claim: async (limit, leaseSeconds) => {
        // Grants claimed together share one connector session per account: a burst of expiries
        // costs one AssumeRole per account and claim, not one per grant.
        const session = revocationSessionName(randomUUID().slice(0, 8));
        // Half the lease, counted from before the claim was sent: the row is surely still ours then.
        const heldUntil = Date.now() + (leaseSeconds * 1000) / 2;
        const grants = await claimDueRevocations(pool, limit, leaseSeconds);
        return grants.map((grant) => ({ grant, claim: { session, heldUntil } }));
      },
      extendLeases: (items, leaseSeconds) =>
        extendRevocationLeases(
          pool,
          items.map(({ grant }) => grant),
          leaseSeconds,
        ),
      handBack: ({ grant }) => retryRevocation(pool, grant, 0, 'worker stopping'),
      run: ({ grant, claim }) => revokeClaimedGrant(deps, grant, logger, claim),
      nextDueAt: () => nextRevocationDue(pool),
      describe: ({ grant, claim }) => ({ grant: grant.id, session: claim.session }),
    },
    // A replica killed while revoking leaves grants that another takes up within REVOCATION_LEASE_SECONDS:
    // access must end within seconds of its expiry even then.
    { logger, batchSize: 250, concurrency: 500, leaseSeconds: REVOCATION_LEASE_SECONDS },
  );
}
