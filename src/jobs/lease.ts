/**
 * Keeps this process's claims alive while their work runs: every `everyMs` the leases of
 * everything held are renewed in one statement, so a slow but live worker (AWS retrying, a long
 * rate-limit wait) is never taken for a dead one and its work run a second time beside it, and
 * hundreds of claims cost one query per tick, not one each. A worker that dies stops renewing,
 * and its leases run out.
 */
export interface LeaseHeartbeat<T> {
  /** Holds `item` while `work` runs. */
  during<R>(item: T, work: () => Promise<R>): Promise<R>;
}

export function createLeaseHeartbeat<T>(options: {
  readonly renew: (items: readonly T[]) => Promise<unknown>;
  readonly everyMs: number;
  readonly onError: (error: unknown, items: readonly T[]) => void;
}): LeaseHeartbeat<T> {
  const held = new Set<T>();
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    const items = [...held];
    if (items.length > 0) options.renew(items).catch((error: unknown) => options.onError(error, items));
  }

  return {
    async during(item, work) {
      held.add(item);
      timer ??= setInterval(tick, options.everyMs);
      try {
        return await work();
      } finally {
        held.delete(item);
        if (held.size === 0) {
          clearInterval(timer);
          timer = undefined;
        }
      }
    },
  };
}
