import type { RequestStatus } from './request.js';

/**
 * What can happen to a request. `approve` carries the count of distinct approvals including this
 * one, so the machine decides whether the request is now approved or still waits for more.
 */
export type RequestEvent =
  | { readonly type: 'approve'; readonly approvals: number; readonly required: number }
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
    case 'deny':
      return { ok: true, next: 'denied' };
    case 'cancel':
      return { ok: true, next: 'cancelled' };
    case 'expire':
      return { ok: true, next: 'expired' };
  }
}
