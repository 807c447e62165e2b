/**
 * Work started by a due-work source and not yet finished. Sources start claimed work here and
 * return at once, so one slow AWS call never holds up the notifications or revocations claimed
 * beside it; the worker is woken when a slot frees, and waits for all of it at shutdown.
 */
export interface InFlight {
  /** How many more tasks may start now. */
  free(): number;
  /** How many are running. */
  running(): number;
  start(task: () => Promise<void>): void;
  /** Resolves when everything started so far has finished. */
  drain(): Promise<void>;
  /** Called after each task settles (the worker's wake). */
  onSettled(listener: () => void): void;
}

export function createInFlight(limit: number | (() => number), onError: (error: unknown) => void): InFlight {
  const running = new Set<Promise<void>>();
  const limitNow = typeof limit === 'number' ? () => limit : limit;
  let listener: (() => void) | undefined;
  return {
    free: () => Math.max(0, limitNow() - running.size),
    running: () => running.size,
    start(task) {
      const promise: Promise<void> = task()
        .catch(onError)
        .finally(() => {
          running.delete(promise);
          listener?.();
        });
      running.add(promise);
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    onSettled(next) {
      listener = next;
    },
  };
}
