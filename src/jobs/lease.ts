/**
 * Keeps a claim alive while its work runs: every `everyMs` the lease is extended, so a slow but
 * live worker (AWS retrying, a long rate-limit wait) is never taken for a dead one and its work
 * run a second time beside it. A worker that dies stops extending, and its lease runs out.
 */
export async function whileHolding<T>(
  extend: () => Promise<unknown>,
  everyMs: number,
  work: () => Promise<T>,
  onError: (error: unknown) => void,
): Promise<T> {
  const timer = setInterval(() => {
    extend().catch(onError);
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
