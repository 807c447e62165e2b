/** The revoke reason of a grant whose access drift found gone before jitbot took it away. */
export const REMOVED_OUTSIDE_JITBOT = 'removed outside jitbot';

/** A grant as stored: the access one or more approved requests gave a person, and where it stands. */
export type GrantStatus = 'pending' | 'active' | 'revoking' | 'revoked' | 'failed';

export interface StoredGrant {
  readonly id: string;
  readonly requestId: string;
  readonly latestRequestId: string;
  readonly targetId: string;
  readonly resource: string;
  readonly principal: string;
  readonly requesterId: string;
  readonly status: GrantStatus;
  readonly preExisting: boolean | null;
  readonly added: boolean | null;
  /** Whether jitbot ever sent the add call (cleanup never removes what it never asked for). */
  readonly addAttempted: boolean;
  readonly expiresAt: Date;
  readonly warnAt: Date | null;
  readonly warnedAt: Date | null;
  readonly backstopAt: Date | null;
  readonly revokeAttempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastError: string | null;
  readonly alertedAt: Date | null;
  readonly failure: string | null;
  readonly grantedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
  /** An asynchronous provider operation in flight for this grant (see `CallContext.operation`). */
  readonly providerOperation: string | null;
  /** What the provider made for this grant and must find again (see `CallContext.state`). */
  readonly providerState: string | null;
}
