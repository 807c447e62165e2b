import type { StoredGrant } from '../domain/grant.js';
import type { GrantStep } from '../domain/grant-state.js';
import { type Queryable, selectList } from './pool.js';

export const GRANT_FIELDS: readonly string[] = [
  'id',
  'request_id AS "requestId"',
  'latest_request_id AS "latestRequestId"',
  'target_id AS "targetId"',
  'resource',
  'principal',
  'requester_id AS "requesterId"',
  'status',
  'pre_existing AS "preExisting"',
  'added',
  'add_attempted AS "addAttempted"',
  'expires_at AS "expiresAt"',
  'warn_at AS "warnAt"',
  'warned_at AS "warnedAt"',
  'backstop_at AS "backstopAt"',
  'revoke_attempts AS "revokeAttempts"',
  'next_attempt_at AS "nextAttemptAt"',
  'last_error AS "lastError"',
  'alerted_at AS "alertedAt"',
  'failure',
  'granted_at AS "grantedAt"',
  'revoked_at AS "revokedAt"',
  'revoked_by AS "revokedBy"',
  'revoke_reason AS "revokeReason"',
  'provider_operation AS "providerOperation"',
  'provider_state AS "providerState"',
];
export const GRANT_COLUMNS = selectList(GRANT_FIELDS);
const COLUMNS = GRANT_COLUMNS;

export interface NewGrant {
  readonly id: string;
  readonly requestId: string;
  readonly targetId: string;
  readonly resource: string;
  readonly principal: string;
  readonly requesterId: string;
  readonly expiresAt: Date;
  readonly warnAt: Date | null;
}

export async function insertGrant(db: Queryable, grant: NewGrant): Promise<StoredGrant> {
  const { rows } = await db.query<StoredGrant>(
    `INSERT INTO grants (id, request_id, latest_request_id, target_id, resource, principal, requester_id,
                         expires_at, warn_at)
     VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [
      grant.id,
      grant.requestId,
      grant.targetId,
      grant.resource,
      grant.principal,
      grant.requesterId,
      grant.expiresAt,
      grant.warnAt,
    ],
  );
  const inserted = rows[0];
  if (!inserted) throw new Error(`grant ${grant.id} was not inserted`);
  return inserted;
}

export async function findGrant(db: Queryable, id: string): Promise<StoredGrant | undefined> {
  const { rows } = await db.query<StoredGrant>(`SELECT ${COLUMNS} FROM grants WHERE id = $1`, [id]);
  return rows[0];
}

/**
 * One grant, locked for this transaction. NO KEY UPDATE (as lockRequest): rows that refer to the
 * grant can still be written meanwhile; every other locker, and the claims, wait or skip it.
 */
export async function lockGrant(db: Queryable, id: string): Promise<StoredGrant | undefined> {
  const { rows } = await db.query<StoredGrant>(
    `SELECT ${COLUMNS} FROM grants WHERE id = $1 FOR NO KEY UPDATE`,
    [id],
  );
  return rows[0];
}

/** Every grant not yet ended (being applied, active, being revoked), the soonest expiry first. */
export async function listUnendedGrants(db: Queryable): Promise<StoredGrant[]> {
  const { rows } = await db.query<StoredGrant>(
    `SELECT ${COLUMNS} FROM grants WHERE status IN ('pending', 'active', 'revoking') ORDER BY expires_at, id`,
  );
  return rows;
}

/** The live grant of this access to this person, locked until the transaction ends (as lockGrant). */
export async function lockLiveGrant(db: Queryable, resource: string, principal: string) {
  const { rows } = await db.query<StoredGrant>(
    `SELECT ${COLUMNS} FROM grants
      WHERE resource = $1 AND principal = $2 AND status IN ('pending', 'active', 'revoking') FOR NO KEY UPDATE`,
    [resource, principal],
  );
  return rows[0];
}

/**
 * Whether jitbot itself removed this membership a moment ago. IAM is eventually consistent, so
 * a read right after a removal can still show the person as a member: that reading must not
 * make a new grant "pre-existing", or its access would never be taken away.
 */
export async function recentlyRemovedByJitbot(
  db: Queryable,
  resource: string,
  principal: string,
  withinSeconds: number,
): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM grants
      WHERE resource = $1 AND principal = $2 AND status IN ('revoked', 'failed') AND NOT pre_existing
        AND add_attempted AND added IS DISTINCT FROM false
        AND updated_at > now() - make_interval(secs => $3) LIMIT 1`,
    [resource, principal, withinSeconds],
  );
  return rows.length > 0;
}

/** Records what was read before acting, once: a retry must not read again after jitbot added. */
export async function recordPreExisting(db: Queryable, id: string, preExisting: boolean) {
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants SET pre_existing = COALESCE(pre_existing, $2), updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, preExisting],
  );
  return rows[0];
}

export async function recordBackstop(db: Queryable, id: string, at: Date | null): Promise<void> {
  await db.query('UPDATE grants SET backstop_at = $2, updated_at = now() WHERE id = $1', [id, at]);
}

/**
 * Records the backstop right before asking AWS for it, and only while the grant is still pending:
 * from here on a schedule may exist (its answer can be lost on the way back), so a grant given up
 * later is handed to the revoker, which deletes it by name. False: the grant ended meanwhile, and
 * no schedule must be made for it.
 */
export async function recordBackstopIntent(db: Queryable, id: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE grants SET backstop_at = $2, updated_at = now() WHERE id = $1 AND status = 'pending'",
    [id, at],
  );
  return rowCount === 1;
}

/** A pending grant's backstop is known not to exist (AWS said so): nothing outside to undo. */
export async function forgetPendingBackstop(db: Queryable, id: string): Promise<void> {
  await db.query(
    "UPDATE grants SET backstop_at = NULL, updated_at = now() WHERE id = $1 AND status = 'pending'",
    [id],
  );
}

/**
 * Marks the add as sent, right before sending it, and only while the grant is still pending:
 * false means the grant was ended meanwhile (a revoker or a cleanup took it), and the caller must
 * not add access that nothing would then take away.
 */
export async function markAddAttempted(
  db: Queryable,
  id: string,
): Promise<'first' | 'again' | 'not-pending'> {
  // Only one run can turn it on: a second run at the same moment (a lease taken over) learns that
  // another try may have added the access already, and reads the membership before adding.
  const { rowCount } = await db.query(
    `UPDATE grants SET add_attempted = true, updated_at = now()
      WHERE id = $1 AND status = 'pending' AND NOT add_attempted`,
    [id],
  );
  if (rowCount === 1) return 'first';
  const { rows } = await db.query<{ pending: boolean }>(
    "SELECT status = 'pending' AS pending FROM grants WHERE id = $1",
    [id],
  );
  return rows[0]?.pending ? 'again' : 'not-pending';
}

/** The provider's operation in flight for this grant (null: none), kept across restarts. */
export async function recordProviderOperation(
  db: Queryable,
  id: string,
  operation: string | null,
): Promise<void> {
  await db.query('UPDATE grants SET provider_operation = $2, updated_at = now() WHERE id = $1', [
    id,
    operation,
  ]);
}

/** What the provider made for this grant and must find again (a generated policy's ARN after an extension). */
export async function recordProviderState(db: Queryable, id: string, state: string | null): Promise<void> {
  await db.query('UPDATE grants SET provider_state = $2, updated_at = now() WHERE id = $1', [id, state]);
}

/**
 * The add found the access already there (given by someone else between jitbot's read and its
 * call): it was never jitbot's, so it is recorded as pre-existing and never taken away.
 */
export async function recordFoundPresent(db: Queryable, id: string): Promise<StoredGrant | undefined> {
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants SET pre_existing = true, added = false, updated_at = now()
      WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0];
}

export async function recordAdded(db: Queryable, id: string, added: boolean): Promise<void> {
  await db.query('UPDATE grants SET added = $2, updated_at = now() WHERE id = $1', [id, added]);
}

/** The access is in place (`activate`); undefined when someone else finished or failed it first. */
export async function activateGrant(
  db: Queryable,
  id: string,
  step: GrantStep,
): Promise<StoredGrant | undefined> {
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants SET status = $2::grant_status, granted_at = now(), updated_at = now()
      WHERE id = $1 AND status = ANY($3::grant_status[]) RETURNING ${COLUMNS}`,
    [id, step.to, step.from],
  );
  return rows[0];
}

/** Moves an active grant's expiry (an extension or an overlapping approval). */
export async function extendGrant(
  db: Queryable,
  change: { id: string; requestId: string; expiresAt: Date; warnAt: Date | null },
): Promise<StoredGrant | undefined> {
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants SET expires_at = $3, warn_at = $4, warned_at = NULL, latest_request_id = $2,
            updated_at = now()
      WHERE id = $1 AND status = 'active' RETURNING ${COLUMNS}`,
    [change.id, change.requestId, change.expiresAt, change.warnAt],
  );
  return rows[0];
}

/**
 * Takes the grant away now: its expiry moves to now and it goes to revoking, so the revoker
 * picks it up at once. `step` is "Revoke now" (`revoke-now`: only an active grant) or a failed
 * grant's cleanup (`undo`: a pending one).
 */
export async function revokeEarly(
  db: Queryable,
  change: {
    id: string;
    actor: string;
    reason: string;
    failure?: string;
    step: GrantStep;
  },
): Promise<StoredGrant | undefined> {
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants
        SET status = $6::grant_status, next_attempt_at = now(), revoke_leased_until = NULL, revoke_claimant = NULL, expires_at = LEAST(expires_at, now()),
            revoked_by = $2, revoke_reason = $3, failure = COALESCE($4, failure), updated_at = now()
      WHERE id = $1 AND status = ANY($5::grant_status[]) RETURNING ${COLUMNS}`,
    [change.id, change.actor, change.reason, change.failure ?? null, change.step.from, change.step.to],
  );
  return rows[0];
}

/** A grant that failed before anything could have been applied (`fail`): nothing to undo. */
export async function failGrant(db: Queryable, id: string, failure: string, step: GrantStep) {
  const { rows } = await db.query<StoredGrant>(
    `UPDATE grants SET status = $3::grant_status, failure = $2, updated_at = now()
      WHERE id = $1 AND status = ANY($4::grant_status[]) RETURNING ${COLUMNS}`,
    [id, failure, step.to, step.from],
  );
  return rows[0];
}
