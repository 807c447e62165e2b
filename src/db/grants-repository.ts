import type { Queryable } from './pool.js';

export interface ActiveGrantRow {
  readonly requestId: string;
  readonly targetId: string;
  readonly expiresAt: Date;
}

/** A person's grants that are in force or being applied, soonest expiry first. */
export async function listLiveGrants(db: Queryable, requesterId: string): Promise<ActiveGrantRow[]> {
  const { rows } = await db.query<ActiveGrantRow>(
    `SELECT request_id AS "requestId", target_id AS "targetId", expires_at AS "expiresAt"
       FROM grants WHERE requester_id = $1 AND status IN ('pending', 'active') ORDER BY expires_at`,
    [requesterId],
  );
  return rows;
}
