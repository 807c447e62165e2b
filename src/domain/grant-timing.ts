/**
 * When things happen to a grant, as pure functions of its times. Kept apart from the workflows
 * so the rules (which expiry wins, when to warn, when the backstop fires) have their own tests.
 */

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

/** When to warn before expiry; undefined when the grant is too short for a warning to help. */
export function warnAtFor(start: Date, expiresAt: Date, warningSeconds: number): Date | undefined {
  const warnAt = new Date(expiresAt.getTime() - warningSeconds * 1000);
  if (warnAt.getTime() - start.getTime() < MIN_WARNING_LEAD_SECONDS * 1000) return undefined;
  return warnAt;
}

export function backstopAtFor(expiresAt: Date, graceSeconds = BACKSTOP_GRACE_SECONDS): Date {
  return new Date(expiresAt.getTime() + graceSeconds * 1000);
}

/** Revocations are retried for ever, with backoff and jitter, capped at a minute between tries. */
export function revokeRetryDelayMs(attempts: number, random: () => number = Math.random): number {
  const step = Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(step * (0.5 + random() * 0.5));
}
