/**
 * How long to wait before the `attempts`-th try again: one second, doubling per attempt, never
 * more than `capMs`, with jitter between half and the whole step so replicas and rows that failed
 * together do not all come back in the same instant. Every retry in jitbot waits by this one rule;
 * only the cap differs (see the callers for why theirs).
 */
export function backoffMs(attempts: number, capMs: number, random: () => number = Math.random): number {
  const step = Math.min(capMs, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(step * (0.5 + random() * 0.5));
}
