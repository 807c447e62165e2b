/**
 * What the request use cases (submit, decide, cancel, prepare, expire, remind, review breakglass,
 * and the reads behind status, the deny form and a request's messages) need of storage, as narrow
 * interfaces. db/request-stores.ts binds them to PostgreSQL; memory-request-stores.ts is a fake
 * for use-case tests where the database is not the point.
 *
 * The grant use cases are not behind these: there row locks, SKIP LOCKED claims, leases and
 * fencing are the point, so they call db/ repositories and are tested against PostgreSQL only.
 */
import type { StoredGrant } from '../domain/grant.js';
import type {
  Approval,
  ApprovedVia,
  DecisionKind,
  RequestedPermissions,
  RequestStatus,
  StoredRequest,
} from '../domain/request.js';
import type { AuditLog } from './audit-log.js';
import type { Outbox } from './outbox.js';

/** When a pending request times out, and when its approvers are reminded. */
export interface ApprovalWindow {
  readonly decideBy: Date;
  readonly remindAt: Date;
}

export interface NewRequest {
  readonly id: string;
  readonly targetId: string;
  readonly requesterId: string;
  readonly principal: string | null;
  readonly durationSeconds: number;
  readonly justification: string;
  readonly ticket: string | null;
  readonly approvalsRequired: number;
  readonly breakglass: boolean;
  readonly decideBy: Date;
  /** When approvers who have not decided are reminded; null: never. */
  readonly remindAt: Date | null;
  /** A generated policy's checked permissions; null for every other kind. */
  readonly permissions?: RequestedPermissions | null;
  /** Set on an extension of a generated policy: the grant it extends. */
  readonly extendsGrantId?: string | null;
}

export interface StatusChange {
  readonly id: string;
  readonly from: RequestStatus;
  readonly to: RequestStatus;
  readonly actor: string | null;
  readonly reason?: string | null;
  readonly approvedVia?: ApprovedVia;
}

export interface RequestStore {
  find(id: string): Promise<StoredRequest | undefined>;
  /** Reads and locks the row until the transaction ends: decisions on one request queue here. */
  lock(id: string): Promise<StoredRequest | undefined>;
  /** Undefined when the person already has one pending for the target (a unique index says so). */
  insert(request: NewRequest): Promise<StoredRequest | undefined>;
  findPending(requesterId: string, targetId: string): Promise<StoredRequest | undefined>;
  /** Oldest first. */
  listPending(requesterId: string): Promise<StoredRequest[]>;
  /**
   * The guarded transition: changes the row only if it is still in `from`. Undefined means someone
   * else changed it first, and the caller must not act as if it had decided.
   */
  changeStatus(change: StatusChange): Promise<StoredRequest | undefined>;
  /** Undefined unless the request is breakglass and nobody reviewed it yet. */
  markReviewed(id: string, reviewer: string): Promise<StoredRequest | undefined>;
  /** The first resolution wins: a principal (or label) already recorded is kept. */
  /**
   * Records who the requester is to the provider, once: the first resolution wins. With `window`,
   * a pending request's approval clock starts now (its approvers are about to be asked): the time
   * spent finding the principal is not taken from the approvers' time to decide.
   */
  setPrincipal(
    id: string,
    principal: string,
    label: string | null,
    window?: ApprovalWindow,
  ): Promise<StoredRequest | undefined>;
  /** Pending requests past their decide-by time, held for this transaction; others skip them. */
  claimOverdue(limit: number): Promise<StoredRequest[]>;
  /** Pending requests due a reminder whose principal is known, marked reminded: each is claimed once. */
  claimDueReminders(limit: number): Promise<StoredRequest[]>;
  /** The earliest decide-by of a pending request, for the expiry source's next wake-up. */
  nextDeadline(): Promise<Date | undefined>;
  /** The earliest reminder still due, for the reminder source's next wake-up. */
  nextReminderDue(): Promise<Date | undefined>;
}

export interface ApprovalStore {
  /** False when this person had already decided this request. */
  record(
    requestId: string,
    approverId: string,
    decision: DecisionKind,
    reason: string | null,
  ): Promise<boolean>;
  /** In the order they were recorded. */
  list(requestId: string): Promise<Approval[]>;
}

export interface HeldAccess {
  readonly grantId: string;
  readonly expiresAt: Date;
}

/** What a new request is checked against before it is created, inside the submit transaction. */
export interface RequesterLimits {
  /** Serializes one person's submits until the transaction ends, across every replica. */
  lockRequester(requesterId: string): Promise<void>;
  /** When the person's requests of the last `withinSeconds` were made (every status), newest first. */
  recentRequestTimes(requesterId: string, withinSeconds: number, limit: number): Promise<Date[]>;
  /** The person's grant of this provider resource being applied or in force and not yet past expiry. */
  /** With `perRequest`, also the grants made per request under it (`<resource>/<request id>`). */
  findHeldAccess(
    requesterId: string,
    resource: string,
    perRequest?: boolean,
  ): Promise<HeldAccess | undefined>;
}

export interface LiveGrantRow {
  readonly id: string;
  readonly requestId: string;
  readonly targetId: string;
  readonly status: 'pending' | 'active' | 'revoking';
  readonly expiresAt: Date;
  readonly preExisting: boolean | null;
}

/** What the request side reads of grants; it never writes them. */
export interface GrantReader {
  find(id: string): Promise<StoredGrant | undefined>;
  /** A person's grants in force or being applied, soonest expiry first. */
  listLive(requesterId: string): Promise<LiveGrantRow[]>;
  /** When the person's active grant of this target ends, if they have one (an extension request). */
  activeUntil(requesterId: string, targetId: string): Promise<Date | undefined>;
}

/** A request with everything its messages show, as stored. */
export interface StoredRequestFacts {
  readonly request: StoredRequest;
  /** In the order they were recorded. */
  readonly approvals: readonly Approval[];
  /** The grant the approval created or joined, once there is one. */
  readonly grant?: StoredGrant;
  /** While the request is pending: when the requester's active grant of its target ends, if they have one. */
  readonly activeUntil?: Date;
}

/** Reads a request's facts together: on PostgreSQL in one round trip, as every message reads them. */
export interface RequestFactsReader {
  read(requestId: string): Promise<StoredRequestFacts | undefined>;
}

/** The stores, each bound to one place: the pool (each call on its own) or one transaction. */
export interface RequestStoreSet {
  readonly requests: RequestStore;
  readonly approvals: ApprovalStore;
  readonly audit: AuditLog;
  readonly outbox: Outbox;
  readonly limits: RequesterLimits;
  readonly grants: GrantReader;
  readonly facts: RequestFactsReader;
}

/**
 * The stores outside a transaction, and a way into one: `work` gets the same stores bound to the
 * transaction, which commits when `work` resolves and rolls back when it throws.
 */
export interface RequestStores extends RequestStoreSet {
  transaction<T>(work: (tx: RequestStoreSet) => Promise<T>): Promise<T>;
}
