/** How long a write waits for others: the calls of a burst land within a few milliseconds. */
const GATHER_MS = 2;
const MAX_BATCH = 200;

/**
 * Gathers writes made within a couple of milliseconds into one statement: a burst of revocations
 * records its hundreds of AWS calls in a few round trips, not one each through a pool of ten. Each
 * caller's promise settles when its batch is written (or fails), so nothing is reported written
 * before it is, and the order of one caller's writes is kept. A batch that fails is written again
 * one item at a time, so one bad item fails only its own caller, not the neighbours it was
 * gathered with.
 */
export function gatherWrites<T>(write: (items: readonly T[]) => Promise<void>): (item: T) => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    const settle = (entries: typeof batch) =>
      write(entries.map((entry) => entry.item)).then(
        () => {
          for (const entry of entries) entry.resolve();
        },
        (error: unknown) => {
          if (entries.length === 1) entries[0]?.reject(error);
          else for (const entry of entries) void settle([entry]);
        },
      );
    void settle(batch);
  }
  return (item) =>
    new Promise((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= MAX_BATCH) flush();
      else timer ??= setTimeout(flush, GATHER_MS);
    });
}
