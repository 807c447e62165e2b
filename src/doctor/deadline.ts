import { DeadlineExceeded, withDeadline } from '../domain/deadline.js';

export { DeadlineExceeded, withDeadline };

/** A check within `ms`; no answer in time fails with `silence` (what did not answer, and the fix). */
export async function answeredWithin<T extends object>(
  work: Promise<T>,
  ms: number,
  silence: { readonly from: string; readonly fix: string },
): Promise<T | { readonly ok: false; readonly problem: string; readonly fix: string }> {
  try {
    return await withDeadline(work, ms);
  } catch (error) {
    if (!(error instanceof DeadlineExceeded)) throw error;
    return { ok: false, problem: `no answer from ${silence.from} within ${seconds(ms)}`, fix: silence.fix };
  }
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
