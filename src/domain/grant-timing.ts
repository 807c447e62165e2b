/**
 * When things happen to a grant, as pure functions of its times. Kept apart from the workflows
 * so the rules (which expiry wins, when to warn, when the backstop fires) have their own tests.
 */

import { backoffMs } from './backoff.js';

/** The backstop fires this long after expiry: jitbot revokes first when it is up. */
export const BACKSTOP_GRACE_SECONDS = 5 * 60;

/** A warning this close to the grant's start is noise: the access notice already says the expiry. */
const MIN_WARNING_LEAD_SECONDS = 60;

export function expiryFor(from: Date, durationSeconds: number): Date {
  return new Date(from.getTime() + durationSeconds * 1000);
}

/**
 * Overlapping or extended grants of the same access are one membership with the latest expiry
 * (invariant 3): an approval that would end sooner never shortens the access.
 */
export function laterExpiry(current: Date, requested: Date): Date {
  return requested.getTime() > current.getTime() ? requested : current;
}

/**
 * What a request does to a grant it joins (the same access, already live). Only a request that
 * people approved may move the expiry, and then only later (invariant 3). One nobody approved
 * (auto-approval, breakglass) is refused even when it would not move it: a chain of them would be
 * access without end that no person ever agreed to, and its requester is told to ask for more
 * time with Extend instead, which goes to the approvers.
 */
export type JoinDecision =
  | { readonly type: 'move'; readonly expiresAt: Date }
  | { readonly type: 'refuse'; readonly until: Date };

export function joinLiveGrant(input: {
  readonly current: Date;
  readonly requested: Date;
  readonly approvedByPerson: boolean;
}): JoinDecision {
  if (!input.approvedByPerson) return { type: 'refuse', until: input.current };
  return { type: 'move', expiresAt: laterExpiry(input.current, input.requested) };
}

/**
 * The expiry of a new grant. One nobody approved never ends later than its start plus the
 * target's `durations.max` as the catalog says now: the request was checked against the max
 * when it was made, and a catalog that lowered it since must not be outrun by an old request.
 * A person who approved a duration approved it under the rules of the time, so it stands.
 */
export function newGrantExpiry(input: {
  readonly start: Date;
  readonly durationSeconds: number;
  readonly maxSeconds: number;
  readonly approvedByPerson: boolean;
}): Date {
  const seconds = input.approvedByPerson
    ? input.durationSeconds
    : Math.min(input.durationSeconds, input.maxSeconds);
  return expiryFor(input.start, seconds);
}

/** When to warn before expiry; undefined when the grant is too short for a warning to help. */
export function warnAtFor(start: Date, expiresAt: Date, warningSeconds: number): Date | undefined {
  const warnAt = new Date(expiresAt.getTime() - warningSeconds * 1000);
  if (warnAt.getTime() - start.getTime() < MIN_WARNING_LEAD_SECONDS * 1000) return undefined;
  return warnAt;
}

export function backstopAtFor(expiresAt: Date, graceSeconds = BACKSTOP_GRACE_SECONDS): Date {
  return new Date(expiresAt.getTime() + graceSeconds * 1000);
}

/**
 * Revocations are retried for ever, with backoff and jitter, capped at a minute between tries:
 * access past its expiry is what jitbot exists to prevent, so it never waits longer than that.
 */
export function revokeRetryDelayMs(attempts: number, random: () => number = Math.random): number {
  return backoffMs(attempts, 60_000, random);
}
