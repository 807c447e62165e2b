import { describe, expect, it } from 'vitest';
import type { GrantStatus } from '../../src/domain/grant.js';
import { type GrantEvent, grantStep, grantTransition } from '../../src/domain/grant-state.js';

const STATUSES: GrantStatus[] = ['pending', 'active', 'revoking', 'revoked', 'failed'];

/** Every move the lifecycle allows, written out: any pair not listed here must be refused. */
const MOVES: [GrantStatus, GrantEvent['type'], GrantStatus][] = [
  ['pending', 'activate', 'active'],
  ['active', 'expire', 'revoking'],
  ['active', 'revoke-now', 'revoking'],
  ['revoking', 'retry-revocation', 'revoking'],
  ['pending', 'undo', 'revoking'],
  ['pending', 'fail', 'failed'],
  ['revoking', 'removed', 'revoked'],
  ['revoking', 'undone', 'failed'],
];
const EVENTS = [...new Set(MOVES.map(([, event]) => event))];

describe('the grant state machine', () => {
  it.each(MOVES)('%s + %s -> %s', (from, type, to) => {
    expect(grantTransition(from, { type })).toEqual({ ok: true, next: to });
  });

  const refused = STATUSES.flatMap((status) =>
    EVENTS.filter((type) => !MOVES.some(([from, event]) => from === status && event === type)).map(
      (type) => [status, type] as const,
    ),
  );
  it.each(refused)('a %s grant cannot take %s', (from, type) => {
    expect(grantTransition(from, { type })).toEqual({ ok: false, reason: 'wrong-state', current: from });
  });

  it.each<GrantStatus>(['revoked', 'failed'])('a %s grant has ended: no event moves it', (from) => {
    for (const type of EVENTS) expect(grantTransition(from, { type }).ok).toBe(false);
  });

  it('only an active grant can be ended early: a pending one is still being applied', () => {
    expect(grantStep({ type: 'revoke-now' })).toEqual({ from: ['active'], to: 'revoking' });
  });

  it.each(EVENTS)('the guarded write for %s expects exactly the states the machine lets it leave', (type) => {
    const step = grantStep({ type });
    expect(step.from).toEqual(STATUSES.filter((status) => grantTransition(status, { type }).ok));
    for (const from of step.from)
      expect(grantTransition(from, { type })).toEqual({ ok: true, next: step.to });
  });
});
