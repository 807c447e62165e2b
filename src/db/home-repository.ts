/**
 * What an App Home shows, read in a few queries: a person's own grants and requests, the pending
 * requests an approver may be asked about, and the admins' view of everything that needs a person.
 */
import type { Queryable } from './pool.js';

/** A grant in force or being applied, with the principal it went to. */
export interface HomeGrantRow {
  readonly id: string;
  readonly requestId: string;
  readonly targetId: string;
  readonly requesterId: string;
  readonly status: 'pending' | 'active' | 'revoking';
  readonly expiresAt: Date;
  readonly preExisting: boolean | null;
  /** "IAM user alice in Production (…)"; the principal's id where no label was recorded. */
  readonly principal: string;
}

/** A revocation that keeps failing: the admins were alerted and it is still being retried. */
export interface StuckRevocationRow extends HomeGrantRow {
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface AttentionCounts {
  /** Standing access found outside jitbot and not resolved yet. */
  readonly driftFindings: number;
  /** Background jobs that gave up (a notice nobody received, a grant never applied). */
  readonly failedJobs: number;
  /** Grants that failed to apply in the last 7 days. */
  readonly failedGrants: number;
}

const GRANT_FIELDS = `g.id, g.request_id AS "requestId", g.target_id AS "targetId",
  g.requester_id AS "requesterId", g.status, g.expires_at AS "expiresAt",
  g.pre_existing AS "preExisting", COALESCE(r.principal_label, g.principal) AS principal`;

const LIVE = `g.status IN ('pending', 'active', 'revoking')`;

/** A person's grants in force or being applied, soonest expiry first. */
export async function listOwnLiveGrants(
  db: Queryable,
  userId: string,
  limit: number,
): Promise<HomeGrantRow[]> {
  const { rows } = await db.query<HomeGrantRow>(
    `SELECT ${GRANT_FIELDS} FROM grants g JOIN requests r ON r.id = g.latest_request_id
      WHERE g.requester_id = $1 AND ${LIVE} ORDER BY g.expires_at LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

/** Every grant in force or being applied (the admins' view), soonest expiry first, and how many in all. */
export async function listAllLiveGrants(
  db: Queryable,
  limit: number,
): Promise<{ readonly rows: HomeGrantRow[]; readonly total: number }> {
  const [{ rows }, count] = await Promise.all([
    db.query<HomeGrantRow>(
      `SELECT ${GRANT_FIELDS} FROM grants g JOIN requests r ON r.id = g.latest_request_id
        WHERE ${LIVE} ORDER BY g.expires_at LIMIT $1`,
      [limit],
    ),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM grants g WHERE ${LIVE}`),
  ]);
  return { rows, total: count.rows[0]?.total ?? 0 };
}

/** Revocations the admins were alerted about and that are still failing, oldest expiry first. */
export async function listStuckRevocations(db: Queryable, limit: number): Promise<StuckRevocationRow[]> {
  const { rows } = await db.query<StuckRevocationRow>(
    `SELECT ${GRANT_FIELDS}, g.revoke_attempts AS attempts, g.last_error AS "lastError"
       FROM grants g JOIN requests r ON r.id = g.latest_request_id
      WHERE g.status = 'revoking' AND g.alerted_at IS NOT NULL ORDER BY g.expires_at LIMIT $1`,
    [limit],
  );
  return rows;
}

/** The ids of a person's most recent decided requests, newest first. */
export async function listOwnEndedRequestIds(
  db: Queryable,
  userId: string,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM requests WHERE requester_id = $1 AND status <> 'pending'
      ORDER BY decided_at DESC, id DESC LIMIT $2`,
    [userId, limit],
  );
  return rows.map((row) => row.id);
}

/** A pending request as the approval rules see it. */
export interface AwaitingRow {
  readonly id: string;
  readonly targetId: string;
  readonly requesterId: string;
  /** Everyone who approved or denied it so far. */
  readonly votedBy: readonly string[];
}

/**
 * Pending requests already put to their approvers (their principal is known), oldest first, with
 * who voted: an approver's candidates, before the approval rules pick the ones they may decide.
 */
export async function listRequestsAwaitingDecision(db: Queryable, limit: number): Promise<AwaitingRow[]> {
  const { rows } = await db.query<AwaitingRow>(
    `SELECT r.id, r.target_id AS "targetId", r.requester_id AS "requesterId",
            COALESCE((SELECT array_agg(a.approver_id) FROM approvals a WHERE a.request_id = r.id), '{}') AS "votedBy"
       FROM requests r WHERE r.status = 'pending' AND r.principal IS NOT NULL
      ORDER BY r.created_at, r.id LIMIT $1`,
    [limit],
  );
  return rows;
}

/** Breakglass grants nobody has reviewed yet, oldest first. */
export async function listUnreviewedBreakglass(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM requests
      WHERE breakglass AND reviewed_by IS NULL AND status <> 'pending'
      ORDER BY created_at, id LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.id);
}

export async function countAttention(db: Queryable): Promise<AttentionCounts> {
  const { rows } = await db.query<AttentionCounts>(
    `SELECT (SELECT count(*)::int FROM drift_findings WHERE resolved_at IS NULL AND kind <> 'adopted') AS "driftFindings",
            (SELECT count(*)::int FROM jobs WHERE status = 'failed') AS "failedJobs",
            (SELECT count(*)::int FROM grants
              WHERE status = 'failed' AND updated_at > now() - interval '7 days') AS "failedGrants"`,
  );
  return rows[0] ?? { driftFindings: 0, failedJobs: 0, failedGrants: 0 };
}
