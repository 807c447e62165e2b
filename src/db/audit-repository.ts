import { type AuditEvent, SERVICE_ACTOR } from '../ports/audit-log.js';
import type { Queryable } from './pool.js';

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

/** Several events in one statement, in the order given (their ids, and so the chain, follow it). */
export async function appendAudits(db: Queryable, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO audit_events (actor, action, outcome, request_id, grant_id, target_id, details)
     SELECT actor, action, outcome, request_id, grant_id, target_id, details
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
            WITH ORDINALITY AS e(actor, action, outcome, request_id, grant_id, target_id, details, n)
      ORDER BY n`,
    [
      events.map((event) => event.actor),
      events.map((event) => event.action),
      events.map((event) => event.outcome),
      events.map((event) => event.requestId ?? null),
      events.map((event) => event.grantId ?? null),
      events.map((event) => event.targetId ?? null),
      events.map((event) => JSON.stringify(event.details ?? {})),
    ],
  );
}

/** What jitbot itself did to a request on its own clock (expired it, reminded its approvers). */
export function auditServiceStep(
  db: Queryable,
  action: string,
  request: { readonly id: string; readonly targetId: string },
): Promise<void> {
  return appendAudit(db, {
    actor: SERVICE_ACTOR,
    action,
    outcome: 'ok',
    requestId: request.id,
    targetId: request.targetId,
  });
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

/** One line of `jitbot audit`: an event and the request or grant it belongs to. */
export interface AuditTrailEvent {
  readonly occurredAt: Date;
  readonly actor: string;
  readonly action: string;
  readonly outcome: string;
  readonly requestId: string | null;
  readonly grantId: string | null;
  readonly details: Record<string, unknown>;
}

const TRAIL_COLUMNS = `occurred_at AS "occurredAt", actor, action, outcome, request_id AS "requestId",
  grant_id AS "grantId", details`;

/** A request's events and those of the grants it made or joined; a grant's and its requests'. */
const TRAIL_SQL = {
  request: `SELECT ${TRAIL_COLUMNS} FROM audit_events
             WHERE request_id = $1
                OR grant_id IN (SELECT grant_id FROM requests WHERE id = $1 AND grant_id IS NOT NULL)
             ORDER BY id`,
  grant: `SELECT ${TRAIL_COLUMNS} FROM audit_events
           WHERE grant_id = $1 OR request_id IN (SELECT id FROM requests WHERE grant_id = $1)
           ORDER BY id`,
} as const;

/** Every recorded step of one request or grant and of what it is linked to, oldest first. */
export async function listAuditTrail(
  db: Queryable,
  of: { readonly kind: keyof typeof TRAIL_SQL; readonly id: string },
): Promise<AuditTrailEvent[]> {
  const { rows } = await db.query<AuditTrailEvent>(TRAIL_SQL[of.kind], [of.id]);
  return rows;
}
