/**
 * The audit log as the use cases write it: append-only, one event per thing that happened or was
 * refused. db/audit-repository.ts stores it (a trigger refuses UPDATE and DELETE).
 */

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

/** The actor of what jitbot did on its own: auto-approval, expiry, reminders, revocation at expiry. */
export const SERVICE_ACTOR = 'jitbot';

export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** What jitbot itself did to a request on its own clock (expired it, reminded its approvers). */
  serviceStep(action: string, request: { readonly id: string; readonly targetId: string }): Promise<void>;
}
