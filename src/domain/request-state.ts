import type { RequestStatus } from './request.js';

/**
 * What can happen to a request. `approve` carries the count of distinct approvals including this
 * one, so the machine decides whether the request is now approved or still waits for more.
 */
export type RequestEvent =
  | { readonly type: 'approve'; readonly approvals: number; readonly required: number }
  /** Approved at submission by a rule of the target (auto-approve, breakglass): no approver counted. */
  | { readonly type: 'auto-approve' }
  | { readonly type: 'deny' }
  | { readonly type: 'cancel' }
  | { readonly type: 'expire' }
  | { readonly type: 'grant-failed' }
  /** The requester has no usable account for the target (checked before anyone approves). */
  | { readonly type: 'account-refused' };

export type Transition =
  | { readonly ok: true; readonly next: RequestStatus }
  | {
      readonly ok: false;
      readonly reason: 'already-decided' | 'not-approved' | 'already-ended';
      readonly current: RequestStatus;
    };

/**
 * The one place the request lifecycle is defined. Only a pending request can be decided,
 * cancelled or expired; only an approved one can fail its grant; a request whose requester has
 * no usable account fails whether it waits for approval or was approved at once.
 */
export function transition(current: RequestStatus, event: RequestEvent): Transition {
  if (event.type === 'account-refused') {
    return current === 'pending' || current === 'approved'
      ? { ok: true, next: 'failed' }
      : { ok: false, reason: 'already-ended', current };
  }
  if (event.type === 'grant-failed') {
    return current === 'approved'
      ? { ok: true, next: 'failed' }
      : { ok: false, reason: 'not-approved', current };
  }
  if (current !== 'pending') return { ok: false, reason: 'already-decided', current };
  switch (event.type) {
    case 'approve':
      return { ok: true, next: event.approvals >= event.required ? 'approved' : 'pending' };
    case 'auto-approve':
      return { ok: true, next: 'approved' };
    case 'deny':
      return { ok: true, next: 'denied' };
    case 'cancel':
      return { ok: true, next: 'cancelled' };
    case 'expire':
      return { ok: true, next: 'expired' };
  }
}

/** A guarded write: the status the row must still have, and the one it gets. */
export interface RequestStep {
  readonly from: RequestStatus;
  readonly to: RequestStatus;
}

/**
 * The write `event` makes on a request read as `current` (under its row lock), for an
 * `UPDATE ... WHERE status = from`; undefined when the machine refuses the event.
 */
export function requestStep(current: RequestStatus, event: RequestEvent): RequestStep | undefined {
  const next = transition(current, event);
  return next.ok ? { from: current, to: next.next } : undefined;
}

/**
 * The same for a request the caller holds in a state that allows `event`: claimed by a query
 * for that state, or created a moment ago in this transaction. A refusal then is a bug, so it
 * throws rather than skip the row in silence.
 */
export function heldRequestStep(current: RequestStatus, event: RequestEvent): RequestStep {
  const step = requestStep(current, event);
  if (!step) throw new Error(`a request that is ${current} cannot take ${event.type}`);
  return step;
}
