/** How long a key waits for others: a burst of commands arrives within a few milliseconds. */
const GATHER_MS = 2;
const MAX_BATCH = 200;

/**
 * Gathers the delivery keys of requests that arrive within a couple of milliseconds into one
 * database statement: a burst of 50 commands costs one round trip, not 50 through a pool of ten,
 * and the CPU of one statement. A command's key is checked after its ack, so the wait never
 * delays an ack. Duplicates within a batch count once: the first asker gets true, the rest false.
 */
export function batchFirstDeliveries(
  record: (keys: readonly string[]) => Promise<Set<string>>,
): (key: string) => Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let pending: { key: string; resolve: (first: boolean) => void; reject: (error: unknown) => void }[] = [];
  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    const keys = [...new Set(batch.map((entry) => entry.key))];
    record(keys).then(
      (fresh) => {
        for (const entry of batch) {
          // Only the first asker of a fresh key gets it; a copy in the same batch is a replay.
          entry.resolve(fresh.delete(entry.key));
        }
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }
  return (key) =>
    new Promise((resolve, reject) => {
      pending.push({ key, resolve, reject });
      if (pending.length >= MAX_BATCH) flush();
      else timer ??= setTimeout(flush, GATHER_MS);
    });
}
