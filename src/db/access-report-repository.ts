import type pg from 'pg';
import { withLongRead } from './long-read.js';

export interface ReviewApproval {
  readonly approver: string;
  readonly at: Date;
}

/** A later request that joined or extended the grant, with who approved it. */
export interface ReviewExtension {
  readonly requestId: string;
  readonly approvals: readonly ReviewApproval[];
}

/** The audit events of a grant the review reads: its expiry as approved, how it ended, every AWS and Okta call. */
export interface ReviewEvent {
  readonly action: string;
  readonly outcome: string;
  readonly actor: string;
  readonly at: Date;
  readonly details: Record<string, unknown>;
}

/** One grant and what the access review says about it, as stored. */
export interface GrantReviewFacts {
  readonly id: string;
  readonly status: 'pending' | 'active' | 'revoking' | 'revoked' | 'failed';
  readonly targetId: string;
  readonly resource: string;
  readonly principal: string;
  readonly requesterId: string;
  readonly requesterName: string | null;
  readonly preExisting: boolean | null;
  readonly grantedAt: Date | null;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
  readonly backstopAt: Date | null;
  readonly updatedAt: Date;
  /** The request that created the grant: its words, its approval. */
  readonly requestId: string;
  readonly justification: string;
  readonly ticket: string | null;
  readonly principalLabel: string | null;
  readonly approvedVia: 'approvers' | 'auto' | 'breakglass' | null;
  readonly decidedAt: Date | null;
  readonly decidedBy: string | null;
  readonly breakglass: boolean;
  readonly reviewedBy: string | null;
  readonly reviewedAt: Date | null;
  readonly approvals: readonly ReviewApproval[];
  readonly extensions: readonly ReviewExtension[];
  readonly events: readonly ReviewEvent[];
}

export interface ReviewWindow {
  readonly since?: Date;
  readonly until?: Date;
}

const APPROVALS_OF = (request: string) => `
  (SELECT COALESCE(json_agg(json_build_object('approver', a.approver_id, 'at', a.created_at)
                            ORDER BY a.created_at, a.id), '[]')
     FROM approvals a WHERE a.request_id = ${request} AND a.decision = 'approve')`;

/**
 * Grants whose time overlaps the window: begun (granted, or created when never granted) before
 * `until`, and not ended (revoked, or failed) before `since`. The audit events are read in one
 * pass over the events of the chosen grants, not one search per grant.
 */
const REVIEW_SQL = `
  WITH chosen AS (
    SELECT g.*, r.justification, r.ticket, r.principal_label, r.approved_via, r.decided_at, r.decided_by,
           r.breakglass, r.reviewed_by, r.reviewed_at
      FROM grants g JOIN requests r ON r.id = g.request_id
     WHERE ($1::timestamptz IS NULL
            OR COALESCE(g.revoked_at, CASE WHEN g.status = 'failed' THEN g.updated_at END, 'infinity') >= $1)
       AND ($2::timestamptz IS NULL OR COALESCE(g.granted_at, g.created_at) < $2)
  ),
  events AS (
    SELECT e.grant_id,
           json_agg(json_build_object('action', e.action, 'outcome', e.outcome, 'actor', e.actor,
                                      'at', e.occurred_at, 'details', e.details) ORDER BY e.id) AS events
      FROM audit_events e
     WHERE e.grant_id IN (SELECT id FROM chosen)
       AND (e.action IN ('grant.created', 'grant.activated', 'grant.extended', 'grant.revoked',
                         'grant.closed-by-hand', 'drift.fixed')
            OR e.action LIKE 'aws.%' OR e.action LIKE 'okta.%')
     GROUP BY e.grant_id
  )
  SELECT c.id, c.status, c.target_id AS "targetId", c.resource, c.principal, c.requester_id AS "requesterId",
         NULLIF(COALESCE(NULLIF(u.real_name, ''), u.display_name), '') AS "requesterName",
         c.pre_existing AS "preExisting", c.granted_at AS "grantedAt", c.expires_at AS "expiresAt",
         c.revoked_at AS "revokedAt", c.revoked_by AS "revokedBy", c.revoke_reason AS "revokeReason",
         c.backstop_at AS "backstopAt", c.updated_at AS "updatedAt", c.request_id AS "requestId",
         c.justification, c.ticket, c.principal_label AS "principalLabel", c.approved_via AS "approvedVia",
         c.decided_at AS "decidedAt", c.decided_by AS "decidedBy", c.breakglass,
         c.reviewed_by AS "reviewedBy", c.reviewed_at AS "reviewedAt",
         ${APPROVALS_OF('c.request_id')} AS approvals,
         (SELECT COALESCE(json_agg(json_build_object('requestId', x.id, 'approvals', ${APPROVALS_OF('x.id')})
                                   ORDER BY x.created_at, x.id), '[]')
            FROM requests x
           WHERE x.grant_id = c.id AND x.id <> c.request_id AND x.status = 'approved') AS extensions,
         COALESCE(ev.events, '[]') AS events
    FROM chosen c
    LEFT JOIN slack_users u ON u.user_id = c.requester_id
    LEFT JOIN events ev ON ev.grant_id = c.id
   ORDER BY COALESCE(c.granted_at, c.created_at), c.id`;

type JsonApproval = { approver: string; at: string };
type Row = Omit<GrantReviewFacts, 'approvals' | 'extensions' | 'events'> & {
  approvals: JsonApproval[];
  extensions: { requestId: string; approvals: JsonApproval[] }[];
  events: (Omit<ReviewEvent, 'at'> & { at: string })[];
};

// Timestamps inside json_agg arrive as text, not as the Date pg makes of a column.
const approvalsOf = (list: JsonApproval[]) => list.map((a) => ({ approver: a.approver, at: new Date(a.at) }));

/**
 * The grants of an access review, in the order their access began. Read with the long limits of
 * an admin read: finding each grant's events passes over the whole audit log once.
 */
export async function listGrantsForReview(pool: pg.Pool, window: ReviewWindow): Promise<GrantReviewFacts[]> {
  const params = [window.since ?? null, window.until ?? null];
  const { rows } = await withLongRead(pool, (query) => query<Row>(REVIEW_SQL, params));
  return rows.map((row) => ({
    ...row,
    approvals: approvalsOf(row.approvals),
    extensions: row.extensions.map((x) => ({ requestId: x.requestId, approvals: approvalsOf(x.approvals) })),
    events: row.events.map((event) => ({ ...event, at: new Date(event.at) })),
  }));
}
