import type { Queryable } from './pool.js';

export type AuditOutcome = 'ok' | 'refused' | 'error';

export interface AuditEvent {
  /** A Slack user id, or `jitbot` for what the service did by itself. */
  readonly actor: string;
  /** `request.submitted`, `request.approved`, `aws.AddUserToGroup`, ... */
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly requestId?: string | null;
  readonly grantId?: string | null;
  readonly targetId?: string | null;
  /** Never a secret: external ids, tokens and credentials stay out of the audit log. */
  readonly details?: Record<string, unknown>;
}

export const SERVICE_ACTOR = 'jitbot';

export async function appendAudit(db: Queryable, event: AuditEvent): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (actor, action, outcome, request_id, grant_id, target_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      event.actor,
      event.action,
      event.outcome,
      event.requestId ?? null,
      event.grantId ?? null,
      event.targetId ?? null,
      event.details ?? {},
    ],
  );
}

export interface StoredAuditEvent extends Required<Omit<AuditEvent, 'details'>> {
  readonly id: string;
  readonly occurredAt: Date;
  readonly details: Record<string, unknown>;
}

export async function listAuditEvents(db: Queryable, requestId: string): Promise<StoredAuditEvent[]> {
  const { rows } = await db.query<StoredAuditEvent>(
    `SELECT id::text AS id, occurred_at AS "occurredAt", actor, action, outcome, request_id AS "requestId",
            grant_id AS "grantId", target_id AS "targetId", details
       FROM audit_events WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
  return rows;
}
