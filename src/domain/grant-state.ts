import type { GrantStatus } from './grant.js';

/**
 * What can happen to a grant. None carries data: where a grant goes depends only on where it is,
 * so each event has one set of states it may leave and one state it goes to.
 */
export type GrantEvent =
  /** The access is in place: added now, or found already there. */
  | { readonly type: 'activate' }
  /** Its expiry came: the revoker takes the access away. */
  | { readonly type: 'expire' }
  /** The holder, an approver or an admin ended it early ("Revoke now"). */
  | { readonly type: 'revoke-now' }
  /** A failed revocation is taken up again (its retry time came, or its run's lease ran out). */
  | { readonly type: 'retry-revocation' }
  /** It failed after something may have been applied: the revoker undoes it, then it ends failed. */
  | { readonly type: 'undo' }
  /** It failed before anything could have been applied: nothing to undo. */
  | { readonly type: 'fail' }
  /** The access is gone (removed, found gone, or closed by an admin who removed it by hand). */
  | { readonly type: 'removed' }
  /** What a failed grant may have applied is gone. */
  | { readonly type: 'undone' };

/** A guarded write: the states the row must still be in, and the one it goes to. */
export interface GrantStep {
  readonly from: readonly GrantStatus[];
  readonly to: GrantStatus;
}

/**
 * The one place the grant lifecycle is defined: pending -> active -> revoking -> revoked, with
 * failed for a grant that could not be applied (directly, or through revoking to undo it).
 * Only an active grant can be ended early: a pending one is still being applied, and removing
 * it mid-way could race the add.
 */
const STEPS: { readonly [E in GrantEvent['type']]: GrantStep } = {
  activate: { from: ['pending'], to: 'active' },
  expire: { from: ['active'], to: 'revoking' },
  'revoke-now': { from: ['active'], to: 'revoking' },
  'retry-revocation': { from: ['revoking'], to: 'revoking' },
  undo: { from: ['pending'], to: 'revoking' },
  fail: { from: ['pending'], to: 'failed' },
  removed: { from: ['revoking'], to: 'revoked' },
  undone: { from: ['revoking'], to: 'failed' },
};

export type GrantTransition =
  | { readonly ok: true; readonly next: GrantStatus }
  | { readonly ok: false; readonly reason: 'wrong-state'; readonly current: GrantStatus };

/** Where `event` takes a grant that is `current`, or why it cannot. */
export function grantTransition(current: GrantStatus, event: GrantEvent): GrantTransition {
  const step = STEPS[event.type];
  return step.from.includes(current)
    ? { ok: true, next: step.to }
    : { ok: false, reason: 'wrong-state', current };
}

/**
 * The guarded write for `event`, for an `UPDATE ... WHERE status = ANY(from)`: zero rows means
 * the grant moved on meanwhile, and the caller must not act as if it had moved it.
 */
export function grantStep(event: GrantEvent): GrantStep {
  return STEPS[event.type];
}
