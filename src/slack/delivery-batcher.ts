/**
 * Gathers the delivery keys of requests read in the same turn of the event loop into one
 * database statement: a burst of 50 commands waits for one round trip, not 50 through a pool of
 * ten. Duplicates within a batch count once: the first asker gets true, the rest false.
 */
export function batchFirstDeliveries(
  record: (keys: readonly string[]) => Promise<Set<string>>,
): (key: string) => Promise<boolean> {
  let pending: { key: string; resolve: (first: boolean) => void; reject: (error: unknown) => void }[] = [];
  function flush(): void {
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
      if (pending.length === 0) setImmediate(flush);
      pending.push({ key, resolve, reject });
    });
}
