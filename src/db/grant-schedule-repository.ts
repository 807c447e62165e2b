/**
 * The due times that live on grant rows (DESIGN.md: the state is the schedule): expiry, the
 * retry time of a revocation, the expiry warning. Replicas claim due rows with SKIP LOCKED, so
 * each grant is worked on by one of them at a time.
 */

import type { StoredGrant } from '../domain/grant.js';
import { grantStep } from '../domain/grant-state.js';
import { GRANT_COLUMNS as COLUMNS } from './grants-repository.js';
import { type Queryable, readDueTime } from './pool.js';
import { PRESENT_CLAIMANTS } from './replica-presence.js';

/**
 * A revocation in flight whose replica is no longer present (replica-presence.ts): it died, and
 * the attempt is taken up now, not when its lease runs out.
 */
const ABANDONED = `revoke_leased_until IS NOT NULL AND revoke_claimant IS NOT NULL
              AND revoke_claimant NOT IN (${PRESENT_CLAIMANTS})`;

/**
 * Claims grants whose access must go now: active ones past expiry, and revocations whose retry
 * time came, or whose replica died: the claim leases the row until `revoke_leased_until` (and
 * `next_attempt_at` with it, which the claim reads), and names the claimant's presence key, so
 * an attempt whose replica vanished is taken up at once. `claimant` is undefined while this
 * replica holds no presence lock: its claims then end with their leases only.
 */
export async function claimDueRevocations(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
  claimant?: number,
): Promise<StoredGrant[]> {
  // Both claims land in the same state (revoking): a due expiry, and a revocation taken up again.
  const expire = grantStep({ type: 'expire' });
  const retry = grantStep({ type: 'retry-revocation' });
  if (expire.to !== retry.to) throw new Error('an expiry and a retried revocation must claim into one state');
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants SET status = $3::grant_status, revoke_attempts = revoke_attempts + 1,
            next_attempt_at = now() + make_interval(secs => $2),
            revoke_leased_until = now() + make_interval(secs => $2), revoke_claimant = $6,
            updated_at = now()
      WHERE id IN (
        SELECT id FROM grants
         WHERE (status = ANY($4::grant_status[]) AND expires_at <= now())
            OR (status = ANY($5::grant_status[]) AND (next_attempt_at <= now() OR (${ABANDONED})))
         ORDER BY LEAST(expires_at, next_attempt_at)
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [limit, leaseSeconds, expire.to, expire.from, retry.from, claimant ?? null],
  );
  return rows;
}

/** revoking -> revoked (or failed, for a grant that could not be applied). */
export async function finishRevocation(db: Queryable, id: string): Promise<StoredGrant | undefined> {
  return (await finishRevocations(db, [id]))[0];
}

/**
 * The same for several grants in one statement (a burst of revocations finishing together):
 * the grants that were still being revoked, now ended; any other is left as it was.
 */
export async function finishRevocations(db: Queryable, ids: readonly string[]): Promise<StoredGrant[]> {
  // A grant that failed ends `undone`; any other ends `removed`: each step from the machine.
  const removed = grantStep({ type: 'removed' });
  const undone = grantStep({ type: 'undone' });
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants
        SET status = CASE WHEN failure IS NULL THEN $2::grant_status ELSE $3::grant_status END,
            revoked_at = CASE WHEN failure IS NULL THEN now() END,
            revoked_by = COALESCE(revoked_by, 'jitbot'),
            revoke_reason = COALESCE(revoke_reason, 'expired'),
            next_attempt_at = NULL, revoke_leased_until = NULL, revoke_claimant = NULL, updated_at = now()
      WHERE id = ANY($1::text[])
        AND status = ANY(CASE WHEN failure IS NULL THEN $4::grant_status[] ELSE $5::grant_status[] END)
      RETURNING ${COLUMNS}`,
    [ids, removed.to, undone.to, removed.from, undone.from],
  );
  return rows;
}

/**
 * Who holds a revocation: the grant, and the attempt its claim counted. The count is the fencing
 * token: a claim taken up again by another replica (the lease ran out while this one hung) has
 * counted one more, so the stale holder can tell it no longer holds the grant, even though the
 * grant is still being revoked.
 */
export interface RevocationHold {
  readonly id: string;
  readonly revokeAttempts: number;
}

const HELD = `(id, revoke_attempts) IN (SELECT * FROM unnest($1::text[], $2::integer[]))
        AND status = 'revoking'`;

/**
 * Renews the leases of revocations this process holds, and returns the grants renewed. One whose
 * attempt already ended (a retry time was written), or that another replica took up, is left alone.
 *
 * A row locked by another statement is skipped, not waited for: it is being finished, or taken up,
 * right now, and the next renewal comes within a quarter of the lease. Waiting could deadlock: a
 * burst's finishing transaction locks hundreds of rows in its own order, the renewal in another,
 * and PostgreSQL breaks the cycle only after a second by failing one of them; then no lease of the
 * burst was renewed, and they ran out under the live revoker (its grants were removed twice).
 */
export async function extendRevocationLeases(
  db: Queryable,
  holds: readonly RevocationHold[],
  leaseSeconds: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE grants SET next_attempt_at = now() + make_interval(secs => $3),
            revoke_leased_until = now() + make_interval(secs => $3)
      WHERE id IN (
        SELECT id FROM grants WHERE ${HELD} AND revoke_leased_until IS NOT NULL FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [holds.map((hold) => hold.id), holds.map((hold) => hold.revokeAttempts), leaseSeconds],
  );
  return rows.map((row) => row.id);
}

/**
 * Whether this claim still holds the revocation: a run whose lease ran out while it hung must not
 * act once another run took the grant up, or finished it.
 */
export async function holdsRevocation(db: Queryable, hold: RevocationHold): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM grants WHERE ${HELD}`, [[hold.id], [hold.revokeAttempts]]);
  return rows.length > 0;
}

/** A revocation attempt failed: try again after `delayMs`; it is never dropped. A stale claim writes nothing. */
export async function retryRevocation(db: Queryable, hold: RevocationHold, delayMs: number, error: string) {
  await db.query(
    `UPDATE grants SET next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
            revoke_leased_until = NULL, revoke_claimant = NULL, last_error = $4, updated_at = now()
      WHERE ${HELD}`,
    [[hold.id], [hold.revokeAttempts], delayMs, error],
  );
}

/** True the first time only: the admin channel hears once that a revocation keeps failing. */
export async function markAlerted(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE grants SET alerted_at = now() WHERE id = $1 AND alerted_at IS NULL',
    [id],
  );
  return rowCount === 1;
}

/** Active grants whose expiry warning is due, marked warned in the same statement. */
export async function claimDueWarnings(db: Queryable, limit: number): Promise<StoredGrant[]> {
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants SET warned_at = now(), updated_at = now()
      WHERE id IN (
        SELECT id FROM grants
         WHERE status = 'active' AND warned_at IS NULL AND warn_at <= now() AND expires_at > now()
           AND NOT pre_existing
         ORDER BY warn_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [limit],
  );
  return rows;
}

/**
 * How often a replica looks whether another that holds revocations in flight is still present:
 * the longest a dead replica's revocations wait for another to take them up.
 */
export const PRESENCE_POLL_MS = 250;

/**
 * When a revocation next falls due: an expiry, a retry time, a lease running out; and, while
 * another replica (not `claimant`) has revocations in flight, a look every PRESENCE_POLL_MS
 * whether it is still there, since nothing tells a replica that another died.
 */
export async function nextRevocationDue(db: Queryable, claimant?: number): Promise<Date | undefined> {
  return readDueTime(
    db,
    `SELECT LEAST(
       (SELECT min(expires_at) FROM grants WHERE status = 'active'),
       (SELECT min(next_attempt_at) FROM grants WHERE status = 'revoking'),
       (SELECT now() + make_interval(secs => $2::double precision / 1000) FROM grants
         WHERE status = 'revoking' AND revoke_leased_until > now() AND revoke_claimant IS NOT NULL
           AND revoke_claimant IS DISTINCT FROM $1 LIMIT 1)) AS due`,
    [claimant ?? null, PRESENCE_POLL_MS],
  );
}

export async function nextWarningDue(db: Queryable): Promise<Date | undefined> {
  return readDueTime(
    db,
    `SELECT min(warn_at) AS due FROM grants
      WHERE status = 'active' AND warned_at IS NULL AND expires_at > now() AND NOT pre_existing`,
  );
}
