import type { StoredRequest } from '../domain/request.js';
import type { ApprovalWindow, NewRequest, StatusChange } from '../ports/request-stores.js';
import { type Queryable, readDueTime, selectList } from './pool.js';

export const REQUEST_FIELDS: readonly string[] = [
  'id',
  'target_id AS "targetId"',
  'requester_id AS "requesterId"',
  'principal',
  'duration_seconds AS "durationSeconds"',
  'justification',
  'ticket',
  'status',
  'approvals_required AS "approvalsRequired"',
  'breakglass',
  'decide_by AS "decideBy"',
  'decided_at AS "decidedAt"',
  'decided_by AS "decidedBy"',
  'decision_reason AS "decisionReason"',
  'created_at AS "createdAt"',
  'approved_via AS "approvedVia"',
  'reviewed_by AS "reviewedBy"',
  'grant_id AS "grantId"',
  'principal_label AS "principalLabel"',
  'permissions',
  'extends_grant_id AS "extendsGrantId"',
];
export const REQUEST_COLUMNS = selectList(REQUEST_FIELDS);

/** Inserts a pending request; undefined when the person already has one pending for the target. */
export async function insertRequest(db: Queryable, request: NewRequest): Promise<StoredRequest | undefined> {
  const { rows } = await db.query<StoredRequest>(
    `INSERT INTO requests (id, target_id, requester_id, principal, duration_seconds, justification, ticket,
                           approvals_required, breakglass, decide_by, remind_at, permissions, extends_grant_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (requester_id, target_id) WHERE status = 'pending' DO NOTHING
     RETURNING ${REQUEST_COLUMNS}`,
    [
      request.id,
      request.targetId,
      request.requesterId,
      request.principal,
      request.durationSeconds,
      request.justification,
      request.ticket,
      request.approvalsRequired,
      request.breakglass,
      request.decideBy,
      request.remindAt,
      request.permissions ?? null,
      request.extendsGrantId ?? null,
    ],
  );
  return rows[0];
}

export async function findRequest(db: Queryable, id: string): Promise<StoredRequest | undefined> {
  const { rows } = await db.query<StoredRequest>(`SELECT ${REQUEST_COLUMNS} FROM requests WHERE id = $1`, [
    id,
  ]);
  return rows[0];
}

/**
 * Reads and locks the row until the transaction ends: decisions on one request queue here. NO KEY
 * UPDATE, the lock an UPDATE of the row takes: it excludes every other locker, but not the key
 * share lock that a row referring to the request takes (a message slot, an approval, an audit
 * event), so those are never held up behind a transaction that waits on AWS.
 */
export async function lockRequest(db: Queryable, id: string): Promise<StoredRequest | undefined> {
  const { rows } = await db.query<StoredRequest>(
    `SELECT ${REQUEST_COLUMNS} FROM requests WHERE id = $1 FOR NO KEY UPDATE`,
    [id],
  );
  return rows[0];
}

export async function findPendingRequest(db: Queryable, requesterId: string, targetId: string) {
  const { rows } = await db.query<StoredRequest>(
    `SELECT ${REQUEST_COLUMNS} FROM requests WHERE requester_id = $1 AND target_id = $2 AND status = 'pending'`,
    [requesterId, targetId],
  );
  return rows[0];
}

export async function listPendingRequests(db: Queryable, requesterId: string): Promise<StoredRequest[]> {
  const { rows } = await db.query<StoredRequest>(
    `SELECT ${REQUEST_COLUMNS} FROM requests WHERE requester_id = $1 AND status = 'pending' ORDER BY created_at`,
    [requesterId],
  );
  return rows;
}

/**
 * The guarded transition: changes the row only if it is still in `from`. Undefined means someone
 * else changed it first, and the caller must not act as if it had decided.
 */
export async function changeStatus(db: Queryable, change: StatusChange): Promise<StoredRequest | undefined> {
  const { rows } = await db.query<StoredRequest>(
    `UPDATE requests
        SET status = $3::request_status, decided_by = COALESCE($4, decided_by),
            decision_reason = COALESCE($5, decision_reason), approved_via = COALESCE($6, approved_via),
            decided_at = CASE WHEN $3::request_status = 'pending' THEN NULL ELSE COALESCE(decided_at, now()) END,
            updated_at = now()
      WHERE id = $1 AND status = $2::request_status
      RETURNING ${REQUEST_COLUMNS}`,
    [change.id, change.from, change.to, change.actor, change.reason ?? null, change.approvedVia ?? null],
  );
  return rows[0];
}

export async function markReviewed(
  db: Queryable,
  id: string,
  reviewer: string,
): Promise<StoredRequest | undefined> {
  const { rows } = await db.query<StoredRequest>(
    `UPDATE requests SET reviewed_by = $2, reviewed_at = now(), updated_at = now()
      WHERE id = $1 AND breakglass AND reviewed_by IS NULL RETURNING ${REQUEST_COLUMNS}`,
    [id, reviewer],
  );
  return rows[0];
}

/** Pending requests past their decide-by time, locked for this transaction (SKIP LOCKED). */
export async function claimOverdueRequests(db: Queryable, limit: number): Promise<StoredRequest[]> {
  const { rows } = await db.query<StoredRequest>(
    `SELECT ${REQUEST_COLUMNS} FROM requests WHERE status = 'pending' AND decide_by <= now()
      ORDER BY decide_by LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

/**
 * Pending requests due a reminder, marked reminded in the same statement so each is claimed once.
 * Only once the requester's principal is known: before that, no approver has been asked yet.
 */
export async function claimDueReminders(db: Queryable, limit: number): Promise<StoredRequest[]> {
  const { rows } = await db.query<StoredRequest>(
    `UPDATE requests SET reminded_at = now()
      WHERE id IN (SELECT id FROM requests
                    WHERE status = 'pending' AND reminded_at IS NULL AND remind_at <= now()
                      AND principal IS NOT NULL
                    ORDER BY remind_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING ${REQUEST_COLUMNS}`,
    [limit],
  );
  return rows;
}

export async function nextReminderDue(db: Queryable): Promise<Date | undefined> {
  return readDueTime(
    db,
    `SELECT min(remind_at) AS due FROM requests
      WHERE status = 'pending' AND reminded_at IS NULL AND principal IS NOT NULL`,
  );
}

export async function nextRequestDeadline(db: Queryable): Promise<Date | undefined> {
  return readDueTime(db, "SELECT min(decide_by) AS due FROM requests WHERE status = 'pending'");
}

/**
 * Records who the requester is to the provider, once: the first resolution wins. `label`: the
 * principal in words for approvers (see AccessRequest.principalLabel). `window`: see
 * RequestStore.setPrincipal.
 */
export async function setPrincipal(
  db: Queryable,
  id: string,
  principal: string,
  label: string | null = null,
  window?: ApprovalWindow,
) {
  const { rows } = await db.query<StoredRequest>(
    `UPDATE requests SET principal = COALESCE(principal, $2), principal_label = COALESCE(principal_label, $3),
            decide_by = CASE WHEN principal IS NULL AND status = 'pending' THEN COALESCE($4, decide_by) ELSE decide_by END,
            remind_at = CASE WHEN principal IS NULL AND status = 'pending' THEN COALESCE($5, remind_at) ELSE remind_at END,
            updated_at = now()
      WHERE id = $1
     RETURNING ${REQUEST_COLUMNS}`,
    [id, principal, label, window?.decideBy ?? null, window?.remindAt ?? null],
  );
  return rows[0];
}

export async function linkGrant(db: Queryable, id: string, grantId: string): Promise<void> {
  await db.query('UPDATE requests SET grant_id = $2, updated_at = now() WHERE id = $1', [id, grantId]);
}

/** Every request whose approval applied to this grant, oldest first: all their messages show it. */
export async function listRequestsOfGrant(db: Queryable, grantId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM requests WHERE grant_id = $1 ORDER BY created_at',
    [grantId],
  );
  return rows.map((row) => row.id);
}

/** The same for several grants at once: each grant's requests, oldest first. */
export async function listRequestsOfGrants(
  db: Queryable,
  grantIds: readonly string[],
): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ id: string; grantId: string }>(
    'SELECT id, grant_id AS "grantId" FROM requests WHERE grant_id = ANY($1::text[]) ORDER BY created_at',
    [grantIds],
  );
  const byGrant = new Map<string, string[]>();
  for (const row of rows) byGrant.set(row.grantId, [...(byGrant.get(row.grantId) ?? []), row.id]);
  return byGrant;
}
