/** A person's request for a target, as stored. Times are Dates; durations whole seconds. */
export type RequestStatus = 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired' | 'failed';

export interface AccessRequest {
  readonly id: string;
  readonly targetId: string;
  readonly requesterId: string;
  readonly principal: string | null;
  /**
   * The principal in words for approvers ("IAM user alice in Production (111111111111)"), set
   * with it; absent on requests prepared before jitbot recorded it.
   */
  readonly principalLabel?: string | null;
  readonly durationSeconds: number;
  readonly justification: string;
  readonly ticket: string | null;
  readonly status: RequestStatus;
  readonly approvalsRequired: number;
  readonly breakglass: boolean;
  readonly decideBy: Date | null;
  readonly decidedAt: Date | null;
  readonly decidedBy: string | null;
  readonly decisionReason: string | null;
  readonly createdAt: Date;
  /** How it was approved: by approvers, automatically (autoApprove), or breakglass. */
  readonly approvedVia?: ApprovedVia | null;
  /** The admin who acknowledged a breakglass grant. */
  readonly reviewedBy?: string | null;
  /** What a request for a generated policy asked for; null for every other kind. */
  readonly permissions?: RequestedPermissions | null;
  /** The grant an extension of a generated policy extends (its policy is replaced by a later one). */
  readonly extendsGrantId?: string | null;
}

/** One statement of a generated policy: these actions on these resources. */
export interface PermissionStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** What approvers read about a generated policy before they decide. */
export interface PermissionSummary {
  readonly actions: number;
  readonly resources: number;
  /** Actions per IAM access level (List, Read, Write, Permissions management, Tagging). */
  readonly byLevel: Readonly<Partial<Record<string, number>>>;
  /** Actions at the Write or Permissions management level: shown in bold. */
  readonly flagged: readonly { readonly action: string; readonly level: string }[];
}

/**
 * The permissions a requester asked for, checked before any approver saw them: the text as typed,
 * and the statements of the smallest policy inside the target's bounds. The policy created at
 * grant time is exactly these statements with the expiry filled in.
 */
export interface RequestedPermissions {
  readonly text: string;
  readonly statements: readonly PermissionStatement[];
  readonly summary: PermissionSummary;
}

export type ApprovedVia = 'approvers' | 'auto' | 'breakglass';

export type DecisionKind = 'approve' | 'deny';

export interface Approval {
  readonly requestId: string;
  readonly approverId: string;
  readonly decision: DecisionKind;
  readonly reason: string | null;
  readonly createdAt: Date;
}

/** A request as stored, with what its decision and grant left on it. */
export interface StoredRequest extends AccessRequest {
  readonly approvedVia: ApprovedVia | null;
  readonly reviewedBy: string | null;
  /** The grant this request's approval created or extended. */
  readonly grantId: string | null;
}
