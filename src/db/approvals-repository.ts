import type { Approval, DecisionKind } from '../domain/request.js';
import type { Queryable } from './pool.js';

/** Records one person's decision; false when they had already decided this request. */
export async function recordApproval(
  db: Queryable,
  requestId: string,
  approverId: string,
  decision: DecisionKind,
  reason: string | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO approvals (request_id, approver_id, decision, reason) VALUES ($1, $2, $3, $4)
     ON CONFLICT (request_id, approver_id) DO NOTHING`,
    [requestId, approverId, decision, reason],
  );
  return rowCount === 1;
}

export async function listApprovals(db: Queryable, requestId: string): Promise<Approval[]> {
  const { rows } = await db.query<Approval>(
    `SELECT request_id AS "requestId", approver_id AS "approverId", decision, reason, created_at AS "createdAt"
       FROM approvals WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
  return rows;
}
