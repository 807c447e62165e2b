import { describe, expect, it } from 'vitest';
import {
  BACKSTOP_GRACE_SECONDS,
  backstopAtFor,
  expiryFor,
  laterExpiry,
  revokeRetryDelayMs,
  warnAtFor,
} from '../../src/domain/grant-timing.js';

const START = new Date('2026-12-01T10:00:00Z');
const at = (iso: string) => new Date(`2026-12-01T${iso}Z`);

describe('grant timing', () => {
  it('expires a whole duration after the start', () => {
    expect(expiryFor(START, 2 * 3600)).toEqual(at('12:00:00'));
  });

  it.each([
    ['a later approval extends', at('12:00:00'), at('13:00:00'), at('13:00:00')],
    ['an earlier one never shortens', at('12:00:00'), at('11:00:00'), at('12:00:00')],
    ['the same time changes nothing', at('12:00:00'), at('12:00:00'), at('12:00:00')],
  ])('overlapping grants keep the latest expiry: %s', (_, current, requested, expected) => {
    expect(laterExpiry(current, requested)).toEqual(expected);
  });

  it('warns the configured time before expiry', () => {
    expect(warnAtFor(START, at('12:00:00'), 15 * 60)).toEqual(at('11:45:00'));
  });

  it('does not warn when the warning would come within a minute of the start', () => {
    expect(warnAtFor(START, at('10:15:00'), 15 * 60)).toBeUndefined();
    expect(warnAtFor(START, at('10:15:30'), 15 * 60)).toBeUndefined();
    expect(warnAtFor(START, at('10:16:00'), 15 * 60)).toEqual(at('10:01:00'));
  });

  it('fires the backstop after the grace period, so jitbot revokes first when it is up', () => {
    expect(BACKSTOP_GRACE_SECONDS).toBe(300);
    expect(backstopAtFor(at('12:00:00'))).toEqual(at('12:05:00'));
  });

  it('retries revocations with doubling, jittered delays capped at a minute', () => {
    expect(revokeRetryDelayMs(1, () => 0)).toBe(500);
    expect(revokeRetryDelayMs(1, () => 1)).toBe(1000);
    expect(revokeRetryDelayMs(3, () => 1)).toBe(4000);
    expect(revokeRetryDelayMs(50, () => 1)).toBe(60_000);
  });
});
