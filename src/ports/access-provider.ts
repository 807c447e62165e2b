import type { Target } from '../domain/catalog.js';
import type { PermissionStatement } from '../domain/request.js';
import { type FixedRetryKind, PROVIDER_ERROR_KINDS, type ProviderErrorKind } from './provider-error-kinds.js';

/**
 * One kind of access (an AWS IAM group, an Okta group, ...) behind one interface. The workflows
 * decide *when* to grant and revoke and keep the state; a provider only knows *how*, and says
 * plainly when it cannot. Adding a kind means adding a provider module and registering it in the
 * composition root: nothing in the workflows changes.
 */
export interface AccessProvider<T extends Target = Target> {
  readonly kind: T['kind'];
  /**
   * What is granted, as a stable string (e.g. `aws:111111111111:group/jit-admin`). Two catalog
   * targets that name the same group share it, so overlapping grants are decided on this.
   */
  resourceOf(target: T): string;
  /**
   * The target as it was when `resource` (a `resourceOf` value) was granted: the catalog may
   * since name another group or policy, and revoking must take away what was given. Undefined
   * when jitbot can no longer reach it that way (the target moved to another account or org).
   */
  asGranted(target: T, resource: string): T | undefined;
  /** What exactly is granted, in words for approvers: "IAM group jit-admin in Production (111111111111)". */
  describe(target: T): string;
  /** Where the target lives, beside its name and as a heading in the form: "Production (111111111111)". */
  location(target: T): string;
  /**
   * Slack person -> the provider's principal (IAM user name, Okta user id), checked to exist and
   * to be able to receive the access, so approvers are never asked to approve the impossible.
   */
  resolvePrincipal(target: T, person: SlackPerson, context: CallContext): Promise<PrincipalOutcome>;
  /**
   * Who gets the access, in words for approvers, from what `resolvePrincipal` found for `person`:
   * "IAM user alice in Production (111111111111)", "Okta user alice@example.com". An approver must
   * see whose account the approval opens, not only the Slack name asking.
   */
  describePrincipal(target: T, principal: string, person: SlackPerson): string;
  /**
   * Everyone who holds this access now, read back from the provider (every page): what drift
   * compares with jitbot's grants. Absent for access made per request (a generated policy: the
   * inventory of generated policies covers it).
   */
  listHolders?(target: T, context: CallContext): Promise<readonly Holder[]>;
  /** Whether the principal has the access right now (read before granting: pre-existing access). */
  isMember(target: T, principal: string, context: CallContext): Promise<boolean>;
  /**
   * Adds the access. Idempotent: granting what is already there succeeds. `already-present` when
   * the provider can tell the access was there (someone gave it between the read and this call):
   * then it is not jitbot's to take away.
   */
  grant(target: T, principal: string, context: CallContext): Promise<GrantResult>;
  /** Removes the access; `already-gone` when it was not there (removed by hand, or by the backstop). */
  revoke(target: T, principal: string, context: CallContext): Promise<RevokeResult>;
  /**
   * What people must know about this access beyond its name: whether removing it ends sessions
   * already started, and where to sign in. Absent: nothing to add.
   */
  accessNotes?(target: T): AccessNotes;
  /**
   * Access made for each request (a generated policy) instead of one thing shared: every approved
   * request is a grant of its own, never joined to another, and grant() needs the request's
   * `permissions` and the grant's `expiresAt` in its context.
   */
  readonly perRequest?: true;
  /**
   * What the audit log keeps about exactly what a grant holds, beyond its resource: a generated
   * policy's document and its hash. Absent: the resource says it all.
   */
  grantRecord?(target: T, principal: string, context: CallContext): Record<string, unknown>;
  /**
   * Access that carries its own expiry (a generated policy's condition) cannot just be given more
   * time: an extension replaces it with access ending at `expiresAt`, moving the backstop to it
   * (to `backstopAt`, when there is one), and removes the old. `context.operation` holds the
   * replacement while it is under way (set by the workflow before the call), so a retry finishes
   * the same one and a revocation meanwhile removes both. Returns the new `state`. A refusal
   * (no room for another policy) leaves the old access exactly as it was.
   */
  extend?(
    target: T,
    principal: string,
    change: {
      readonly expiresAt: Date;
      /** Where the backstop moves; absent: the grant has none. */
      readonly backstopAt?: Date;
      /** Where it is now, to put it back if the replacement is refused. */
      readonly currentBackstopAt?: Date;
    },
    context: CallContext,
  ): Promise<string>;
  /** A timer outside jitbot that removes the access if jitbot is down at expiry; absent: none for this kind. */
  readonly backstop?: Backstop<T>;
  /**
   * Membership reads can lag behind writes for a while (IAM is eventually consistent), so a
   * "member" read right after jitbot's own removal must not count as access someone else gave.
   */
  readonly readsLagWrites?: boolean;
}

/** One holder of some access, as drift reads it back. */
export interface Holder {
  /** As grants record it: the IAM user name, the Okta user id, the Identity Store user id. */
  readonly principal: string;
  /** As people and a target's `standingMembers` name it: IAM user name, Okta login, Identity Center user name. */
  readonly name: string;
}

export type RevokeResult = 'removed' | 'already-gone';

export type GrantResult = 'added' | 'already-present';

export interface AccessNotes {
  /** For approvers and the holder: what removal does not end ("sessions already started last ..."). */
  readonly sessions?: string;
  /** For the holder: where the access is used ("Sign in through https://…"). */
  readonly signIn?: string;
}

export interface Backstop<T extends Target = Target> {
  /**
   * The schedule needs something the grant creates (an Identity Store membership id): it is made
   * right after the access, and a grant found without it is completed or undone. Absent: made
   * before, so no access ever exists without it.
   */
  readonly afterGrant?: true;
  /** Whether this target has a backstop configured (e.g. its account has a scheduler role). */
  available(target: T): boolean;
  /**
   * Creates the schedule for `grantId` to remove the access at `at`, or moves it there. Idempotent:
   * one that already exists under the grant's name (an earlier try whose answer was lost) is
   * adopted, and updated only if it differs. A plain refusal it throws (denied, not found,
   * invalid) means this call made nothing; once a schedule is known to exist, it fails otherwise.
   */
  set(target: T, principal: string, grantId: string, at: Date, context: CallContext): Promise<void>;
  /** Whether the schedule for `grantId` exists now (found by its name, which derives from the grant id). */
  exists(target: T, grantId: string, context: CallContext): Promise<boolean>;
  /** Deletes the schedule for `grantId`; one that is not there is fine. */
  clear(target: T, grantId: string, context: CallContext): Promise<void>;
}

export interface SlackPerson {
  readonly userId: string;
  /** From users.info; absent when the Slack profile has none (or the app lacks users:read.email). */
  readonly email?: string;
}

/** Why a call is made: carried into CloudTrail (the STS session name) and into the audit log. */
export interface CallContext {
  readonly requestId: string;
  readonly grantId?: string;
  /** Slack user id of whoever caused the call, or `jitbot`. */
  readonly actor: string;
  /**
   * The connector session to sign in, when several calls share one: a replica's revocations within
   * a few minutes assume each account's role once (`jitbot-revoke-<batch id>`), and each call's audit row
   * names the session, so CloudTrail's session name still leads to every grant it served.
   * Absent: a session of its own, named after the request.
   */
  readonly session?: string;
  /**
   * An operation the provider started for this grant and may still be waiting on (an Identity
   * Center assignment request id), as `rememberOperation` last stored it: after a restart the
   * wait resumes instead of starting the operation twice.
   */
  readonly operation?: string;
  /** Stores `operation` durably with the grant, before the provider waits on it. */
  readonly rememberOperation?: (operation: string | null) => Promise<void>;
  /** The grant's expiry, for access that stops working by itself then (a generated policy's condition). */
  readonly expiresAt?: Date;
  /** What the request asked for, for access made per request (a generated policy's statements). */
  readonly permissions?: readonly PermissionStatement[];
  /**
   * What the provider made for this grant and returned from `extend` (a generated policy's ARN
   * once an extension replaced the first): how it finds what to remove. Absent: what `grant` made.
   */
  readonly state?: string;
}

export type PrincipalOutcome =
  | { readonly ok: true; readonly principal: string }
  /** `reason` is plain words for the requester: what is wrong and who can fix it. */
  | { readonly ok: false; readonly reason: string };

type ProviderErrorOptions = {
  readonly cause?: unknown;
  readonly providerRequestId?: string;
  readonly retryAfterMs?: number;
} & (
  | { readonly kind: FixedRetryKind }
  /** A kind that keeps the retryability of the failure underneath says what it was. */
  | { readonly kind: Exclude<ProviderErrorKind, FixedRetryKind>; readonly retryable: boolean }
);

/**
 * A provider call that did not succeed. `message` is plain words for people (requester,
 * approvers, admin channel) and never contains a secret. `kind` is jitbot's own name for the
 * failure, from which `retryable` (can trying again succeed?) and `definite` (did the call
 * certainly change nothing?) follow; `code` is the adapter's own, more precise one.
 */
export class ProviderError extends Error {
  /** The adapter's code (`aws_access_denied`, `okta_forbidden`, `assume_role_denied`), as the audit log records it. */
  readonly code: string;
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  readonly definite: boolean;
  /** The provider's own request id (AWS x-amzn-RequestId, Okta X-Okta-Request-Id), when known. */
  readonly providerRequestId?: string;
  /** How long the provider asked us to wait before trying again (429 Retry-After / rate-limit reset). */
  readonly retryAfterMs?: number;

  constructor(code: string, message: string, options: ProviderErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.code = code;
    this.kind = options.kind;
    this.retryable =
      'retryable' in options ? options.retryable : PROVIDER_ERROR_KINDS[options.kind].retryable;
    this.definite = PROVIDER_ERROR_KINDS[options.kind].definite;
    if (options.providerRequestId !== undefined) this.providerRequestId = options.providerRequestId;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

/**
 * One call to AWS or Okta, as the audit log records it (invariant 6). Providers report every
 * call they make, successful or not, through `CallRecorder`.
 */
export interface ExternalCall {
  /** `aws.AddUserToGroup`, `aws.sts.AssumeRole`, `okta.assignUserToGroup`, ... */
  readonly action: string;
  readonly outcome: 'ok' | 'error';
  readonly context: CallContext;
  readonly targetId?: string;
  /** The AWS account id, or the Okta org URL. */
  readonly account?: string;
  /** What was acted on: group name, schedule name, user name. Never a secret. */
  readonly resource?: string;
  readonly principal?: string;
  readonly providerRequestId?: string;
  /** The error code and plain message when the call failed. */
  readonly errorCode?: string;
  readonly error?: string;
}

export type CallRecorder = (call: ExternalCall) => Promise<void>;

/** The providers by target kind. */
export type ProviderRegistry = {
  readonly [K in Target['kind']]?: AccessProvider<Extract<Target, { kind: K }>>;
};

export function providerFor<T extends Target>(registry: ProviderRegistry, target: T): AccessProvider<T> {
  const provider = registry[target.kind] as AccessProvider<T> | undefined;
  if (!provider) throw new Error(`no provider is configured for targets of kind ${target.kind}`);
  return provider;
}
