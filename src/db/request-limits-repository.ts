/**
 * What a new request is checked against before it is created: the person's recent requests and
 * the access they already hold. Each function takes the submit transaction's client.
 */
import type { HeldAccess } from '../ports/request-stores.js';
import type { Queryable } from './pool.js';

/** The first key of jitbot's per-requester advisory locks ('jitb'): its own space, apart from other locks. */
const REQUESTER_LOCK_CLASS = 0x6a697462;

/**
 * Serializes one person's submits until the transaction ends, across every replica: the counts
 * read after it include the rows of every submit that took it before. A per-person lock, so
 * nobody waits on anyone else.
 */
export async function lockRequester(db: Queryable, requesterId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1::int4, hashtext($2))', [REQUESTER_LOCK_CLASS, requesterId]);
}

/**
 * When the person's requests of the last `withinSeconds` were made (every status: a cancelled
 * request asked the approvers all the same), newest first, at most `limit`. The database's clock,
 * so replicas agree.
 */
export async function recentRequestTimes(
  db: Queryable,
  requesterId: string,
  withinSeconds: number,
  limit: number,
): Promise<Date[]> {
  const { rows } = await db.query<{ createdAt: Date }>(
    `SELECT created_at AS "createdAt" FROM requests
      WHERE requester_id = $1 AND created_at > now() - make_interval(secs => $2)
      ORDER BY created_at DESC LIMIT $3`,
    [requesterId, withinSeconds, limit],
  );
  return rows.map((row) => row.createdAt);
}

/**
 * The person's grant of this access (a provider resource) that is being applied or is in force
 * and not yet past its expiry; undefined when there is none. Matched on the resource, so a
 * second catalog target naming the same group finds it too.
 */
export async function findHeldAccess(
  db: Queryable,
  requesterId: string,
  resource: string,
  perRequest = false,
): Promise<HeldAccess | undefined> {
  // Access made per request (a generated policy) records `<resource>/<request id>`: each of them counts as held.
  const { rows } = await db.query<HeldAccess>(
    `SELECT id AS "grantId", expires_at AS "expiresAt" FROM grants
      WHERE requester_id = $1 AND (resource = $2 OR ($3 AND starts_with(resource, $2 || '/')))
        AND status IN ('pending', 'active') AND expires_at > now()
      ORDER BY expires_at DESC LIMIT 1`,
    [requesterId, resource, perRequest],
  );
  return rows[0];
}
