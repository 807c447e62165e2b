/**
 * A person's grants as they see them in Slack: those in force or being applied (the status
 * reply) and the end of the one they hold on a target (a pending extension request's view).
 * Kept apart from grant-schedule-repository, whose rows are the workers' due times.
 */

import type { LiveGrantRow } from '../ports/request-stores.js';
import type { Queryable } from './pool.js';

/** A person's grants that are in force or being applied, soonest expiry first. */
export async function listLiveGrants(db: Queryable, requesterId: string): Promise<LiveGrantRow[]> {
  const { rows } = await db.query<LiveGrantRow>(
    `SELECT id, request_id AS "requestId", target_id AS "targetId", status, expires_at AS "expiresAt",
            pre_existing AS "preExisting"
       FROM grants WHERE requester_id = $1 AND status IN ('pending', 'active', 'revoking') ORDER BY expires_at`,
    [requesterId],
  );
  return rows;
}

/** When the person's active grant of this target ends, if they have one (an extension request). */
export async function activeGrantUntil(db: Queryable, requesterId: string, targetId: string) {
  const { rows } = await db.query<{ expiresAt: Date }>(
    `SELECT expires_at AS "expiresAt" FROM grants
      WHERE requester_id = $1 AND target_id = $2 AND status = 'active' ORDER BY expires_at DESC LIMIT 1`,
    [requesterId, targetId],
  );
  return rows[0]?.expiresAt;
}
