/** A check that got no answer in time: it fails with this instead of hanging the doctor. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${Math.round(ms / 1000)} s`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * `work`, or DeadlineExceeded after `ms`. The work itself is not cancelled (the SDKs take no
 * signal here); `onLate` gets its result if it still arrives, so it can be closed.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new DeadlineExceeded(ms));
    }, ms);
    timer.unref();
  });
  work.then(
    (value) => {
      if (late) onLate?.(value);
    },
    () => undefined,
  );
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

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
