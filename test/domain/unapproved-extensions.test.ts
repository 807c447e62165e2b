import { describe, expect, it } from 'vitest';
import { approvedByPerson } from '../../src/domain/approval-rules.js';
import { joinLiveGrant, newGrantExpiry } from '../../src/domain/grant-timing.js';
import type { ApprovedVia } from '../../src/domain/request.js';

const at = (time: string) => new Date(`2026-12-01T${time}Z`);
const START = at('10:00:00');
const MAX_SECONDS = 3600;

describe('who approved a request', () => {
  it.each<[ApprovedVia | null | undefined, boolean]>([
    ['approvers', true],
    ['auto', false],
    ['breakglass', false],
    // Rows from before approved_via existed: the less trusted case.
    [null, false],
    [undefined, false],
  ])('approved via %s: by a person = %s', (via, expected) => {
    expect(approvedByPerson(via)).toBe(expected);
  });
});

describe('a request joining a live grant of the same access', () => {
  const move = (time: string) => ({ type: 'move', expiresAt: at(time) }) as const;
  const refuse = (time: string) => ({ type: 'refuse', until: at(time) }) as const;

  // [name, approved via, the live grant's expiry, the requested expiry, the decision]
  it.each([
    ['approvers move it later', 'approvers', '10:30:00', '11:45:00', move('11:45:00')],
    ['approvers never shorten it', 'approvers', '10:30:00', '10:20:00', move('10:30:00')],
    ['approvers may move it past start + max', 'approvers', '10:30:00', '13:00:00', move('13:00:00')],
    ['auto-approval may not move it', 'auto', '10:05:00', '10:15:00', refuse('10:05:00')],
    ['auto-approval is refused even within the max', 'auto', '10:05:00', '10:10:00', refuse('10:05:00')],
    [
      'auto-approval is refused even when it would not move it',
      'auto',
      '10:30:00',
      '10:10:00',
      refuse('10:30:00'),
    ],
    ['breakglass may not move it', 'breakglass', '10:30:00', '11:30:00', refuse('10:30:00')],
    ['an unknown way may not move it', null, '10:30:00', '11:30:00', refuse('10:30:00')],
  ] as const)('%s', (_, via, current, requested, expected) => {
    expect(
      joinLiveGrant({
        current: at(current),
        requested: at(requested),
        approvedByPerson: approvedByPerson(via),
      }),
    ).toEqual(expected);
  });

  it('a chain of auto-approved requests never gets past the first expiry', () => {
    let expiresAt = newGrantExpiry({
      start: START,
      durationSeconds: 300,
      maxSeconds: MAX_SECONDS,
      approvedByPerson: false,
    });
    for (let minute = 4; minute < 60; minute += 4) {
      const now = new Date(START.getTime() + minute * 60_000);
      const requested = new Date(now.getTime() + 600_000);
      const decision = joinLiveGrant({ current: expiresAt, requested, approvedByPerson: false });
      if (decision.type === 'move') expiresAt = decision.expiresAt;
    }
    expect(expiresAt).toEqual(at('10:05:00'));
    expect(expiresAt.getTime()).toBeLessThanOrEqual(START.getTime() + MAX_SECONDS * 1000);
  });
});

describe('the expiry of a new grant', () => {
  it.each([
    ['within the max, nobody approving', 1800, false, at('10:30:00')],
    [
      'over a max lowered since the request, nobody approving: cut to start + max',
      7200,
      false,
      at('11:00:00'),
    ],
    ['over a max lowered since the request, approved by people: as approved', 7200, true, at('12:00:00')],
  ] as const)('%s', (_, durationSeconds, byPerson, expected) => {
    expect(
      newGrantExpiry({ start: START, durationSeconds, maxSeconds: MAX_SECONDS, approvedByPerson: byPerson }),
    ).toEqual(expected);
  });
});
