import { randomUUID } from 'node:crypto';
import {
  claimDueRevocations,
  extendRevocationLeases,
  nextRevocationDue,
  retryRevocation,
} from '../db/grant-schedule-repository.js';
import type { ReplicaPresence } from '../db/replica-presence.js';
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
 * soon, so access ends within seconds of its expiry even then. Not shorter: in a burst of 1,000
 * expiries on two cores, renewals queued behind the burst's queries let a 2 s lease run out under
 * a live revoker, and the grant was claimed and removed a second time beside it. A revoker that
 * misses its renewals anyway is fenced: the attempt count its claim took no longer matches, and it
 * stops before acting.
 */
export const REVOCATION_LEASE_SECONDS = 3;

interface ClaimedRevocation {
  readonly grant: StoredGrant;
  /**
   * Its `heldUntil` moves on with each renewal of this grant's lease, and drops to 0 when this
   * replica's presence is lost: another may take the grant up at once then, lease or not.
   */
  readonly claim: RevocationClaim & { readonly session: string; heldUntil: number };
  /** The presence key the claim named; undefined: none, its lease alone decides. */
  readonly claimant: number | undefined;
}

/** Half the lease, counted from before the statement that took or renewed it: surely still ours then. */
function heldUntil(sentAt: number, leaseSeconds: number): number {
  return sentAt + (leaseSeconds * 1000) / 2;
}

/**
 * How long this process's revocations share one connector session (`jitbot-revoke-<batch id>`,
 * one AssumeRole per account). Well inside the session's 15 minutes, so its credentials are never
 * refreshed under the same name.
 */
export const REVOCATION_SESSION_MS = 5 * 60_000;

/**
 * The session of the current window: revocations claimed within it share one, so a revocation at
 * expiry finds the connector session already assumed (AssumeRole, and its throttling, off the path
 * from expiry to removal) and a burst costs one AssumeRole per account, not one per grant.
 */
function createRevocationSessions(): () => string {
  let current: { readonly name: string; readonly openedAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (!current || now - current.openedAt >= REVOCATION_SESSION_MS)
      current = { name: revocationSessionName(randomUUID().slice(0, 8)), openedAt: now };
    return current.name;
  };
}

/**
 * Grants whose access is due to go: at expiry, at once after "Revoke now", and again after a
 * failure until it works (invariant 1). Replicas claim with SKIP LOCKED, so each grant is revoked
 * by one of them; claimed grants are revoked side by side, so one slow account does not delay the
 * others. The revocation records its own outcome (finished, or due again with backoff).
 *
 * With `presence`, claims name this replica, and a replica that dies while revoking has its
 * grants taken up by another within PRESENCE_POLL_MS, not when their leases run out: access
 * still ends within seconds of its expiry when the revoker is killed in the middle.
 */
export function createRevocationSource(
  deps: GrantWorkflowDeps,
  logger: Logger,
  presence?: ReplicaPresence,
): DueWorkSource & { running(): number } {
  const { pool } = deps;
  const sessionOfTheWindow = createRevocationSessions();
  const inHand = new Set<ClaimedRevocation>();
  // No longer surely ours: another replica may take these up now that this one looks gone.
  presence?.onLost(() => {
    for (const { claim } of inHand) claim.heldUntil = 0;
  });
  return createLeasedSource<ClaimedRevocation>(
    {
      name: DUE_WORK.revocations,
      claim: async (limit, leaseSeconds) => {
        const session = sessionOfTheWindow();
        const present = await presence?.ensure();
        const sentAt = Date.now();
        const grants = await claimDueRevocations(pool, limit, leaseSeconds, present?.key);
        // Lost while the claim was on its way: the claims name a replica that looks gone.
        const until = present && presence?.current() !== present ? 0 : heldUntil(sentAt, leaseSeconds);
        const claimed = grants.map((grant) => ({
          grant,
          claim: { session, heldUntil: until },
          claimant: present?.key,
        }));
        for (const item of claimed) inHand.add(item);
        return claimed;
      },
      // A renewed lease spares the revoker a look at the row before it acts (removeMembership),
      // unless the claim named this replica's presence and that was lost meanwhile.
      extendLeases: async (items, leaseSeconds) => {
        const before = presence?.current();
        const sentAt = Date.now();
        const renewed = new Set(
          await extendRevocationLeases(
            // On the presence connection, so a burst's queries queued in the pool cannot hold a
            // renewal back until the lease runs out under this live revoker.
            presence?.connection() ?? pool,
            items.map(({ grant }) => grant),
            leaseSeconds,
          ),
        );
        const present = before !== undefined && presence?.current() === before ? before.key : undefined;
        for (const { grant, claim, claimant } of items)
          if (renewed.has(grant.id) && (claimant === undefined || claimant === present))
            claim.heldUntil = heldUntil(sentAt, leaseSeconds);
      },
      handBack: (item) => {
        inHand.delete(item);
        return retryRevocation(pool, item.grant, 0, 'worker stopping');
      },
      run: async (item) => {
        try {
          await revokeClaimedGrant(deps, item.grant, logger, item.claim);
        } finally {
          inHand.delete(item);
        }
      },
      nextDueAt: () => nextRevocationDue(pool, presence?.current()?.key),
      describe: ({ grant, claim }) => ({ grant: grant.id, session: claim.session }),
    },
    // A replica killed while revoking leaves grants that another takes up within PRESENCE_POLL_MS,
    // or REVOCATION_LEASE_SECONDS without presence: access must end within seconds of its expiry even then.
    { logger, batchSize: 250, concurrency: 500, leaseSeconds: REVOCATION_LEASE_SECONDS },
  );
}
