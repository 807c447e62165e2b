import { describe, expect, it } from 'vitest';
import type { RequestStatus } from '../../src/domain/request.js';
import {
  heldRequestStep,
  type RequestEvent,
  requestStep,
  transition,
} from '../../src/domain/request-state.js';

const approve = (approvals: number, required: number): RequestEvent => ({
  type: 'approve',
  approvals,
  required,
});

describe('the request state machine', () => {
  it.each<[RequestStatus, RequestEvent, RequestStatus]>([
    ['pending', approve(1, 1), 'approved'],
    ['pending', approve(1, 2), 'pending'],
    ['pending', approve(2, 2), 'approved'],
    ['pending', { type: 'deny' }, 'denied'],
    ['pending', { type: 'cancel' }, 'cancelled'],
    ['pending', { type: 'expire' }, 'expired'],
    ['approved', { type: 'grant-failed' }, 'failed'],
    ['pending', { type: 'account-refused' }, 'failed'],
    ['approved', { type: 'account-refused' }, 'failed'],
  ])('%s + %o -> %s', (from, event, to) => {
    expect(transition(from, event)).toEqual({ ok: true, next: to });
  });

  const decided: RequestStatus[] = ['approved', 'denied', 'cancelled', 'expired', 'failed'];
  const decisions: RequestEvent[] = [approve(1, 1), { type: 'deny' }, { type: 'cancel' }, { type: 'expire' }];
  it.each(decided.flatMap((status) => decisions.map((event) => [status, event] as const)))(
    'a %s request cannot take %o: it was decided once',
    (from, event) => {
      expect(transition(from, event)).toEqual({ ok: false, reason: 'already-decided', current: from });
    },
  );

  it.each<RequestStatus>(['pending', 'denied', 'cancelled', 'expired', 'failed'])(
    'only an approved request can fail its grant, not a %s one',
    (from) => {
      expect(transition(from, { type: 'grant-failed' })).toEqual({
        ok: false,
        reason: 'not-approved',
        current: from,
      });
    },
  );

  it.each<RequestStatus>(['denied', 'cancelled', 'expired', 'failed'])(
    'a %s request has ended: finding no account for it changes nothing',
    (from) => {
      expect(transition(from, { type: 'account-refused' })).toEqual({
        ok: false,
        reason: 'already-ended',
        current: from,
      });
    },
  );
});

describe('approval at submission and the guarded writes', () => {
  it('a target rule approves a pending request at once', () => {
    expect(transition('pending', { type: 'auto-approve' })).toEqual({ ok: true, next: 'approved' });
  });

  it.each<RequestStatus>(['approved', 'denied', 'cancelled', 'expired', 'failed'])(
    'nothing approves a %s request at once',
    (from) => {
      expect(transition(from, { type: 'auto-approve' })).toEqual({
        ok: false,
        reason: 'already-decided',
        current: from,
      });
    },
  );

  it('the write expects the status it was read in and sets the one the machine names', () => {
    expect(requestStep('pending', { type: 'cancel' })).toEqual({ from: 'pending', to: 'cancelled' });
    expect(requestStep('approved', { type: 'account-refused' })).toEqual({ from: 'approved', to: 'failed' });
    expect(requestStep('denied', { type: 'cancel' })).toBeUndefined();
  });

  it('a request held in the wrong state for its event is a bug, not a skip', () => {
    expect(heldRequestStep('pending', { type: 'expire' })).toEqual({ from: 'pending', to: 'expired' });
    expect(() => heldRequestStep('approved', { type: 'expire' })).toThrow(
      'a request that is approved cannot take expire',
    );
  });
});
