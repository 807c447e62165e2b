import type { Logger } from '../log/logger.js';
import { createInFlight } from './in-flight.js';
import { createLeaseHeartbeat } from './lease.js';
import type { DueWorkSource } from './worker.js';

/** Due work kept in a table whose rows are claimed with a lease (the job queue, revocations). */
export interface LeasedWork<T> {
  readonly name: string;
  /** Claims up to `limit` due rows for `leaseSeconds`; SKIP LOCKED, so replicas never share one. */
  claim(limit: number, leaseSeconds: number): Promise<readonly T[]>;
  /** Extends the claims that are still this process's, all in one statement. */
  extendLeases(items: readonly T[], leaseSeconds: number): Promise<void>;
  /** Gives a claim back untouched and due at once, for whichever replica runs next. */
  handBack(item: T): Promise<void>;
  /** Does the work and records how it went. */
  run(item: T): Promise<void>;
  nextDueAt(): Promise<Date | undefined>;
  /** Log fields that name a row. */
  describe(item: T): Record<string, unknown>;
}

export interface LeaseSettings {
  readonly logger: Logger;
  /** Rows claimed in one go. */
  readonly batchSize: number;
  /** Rows worked on at once in this process; a function when it depends on other work (priorities). */
  readonly concurrency: number | (() => number);
  /**
   * A claim whose worker vanished is claimable again after this long. Short on purpose: a live
   * worker renews every claim it holds several times per lease, so only a dead one loses them.
   */
  readonly leaseSeconds: number;
}

/**
 * The one claim / lease / run loop. Claimed rows run side by side, so one slow AWS call does not
 * hold up the rest; every lease this process holds is renewed together (one statement, several
 * times per lease) while its work runs, so a slow but live worker is never taken for a dead one,
 * and one that died leaves leases that run out within seconds. Rows claimed after close() are
 * handed back, and drain() waits for the rest.
 */
export function createLeasedSource<T>(
  work: LeasedWork<T>,
  settings: LeaseSettings,
): DueWorkSource & { running(): number } {
  const { logger, batchSize, concurrency, leaseSeconds } = settings;
  let closed = false;
  const inFlight = createInFlight(concurrency, (error) =>
    logger.error({ err: error }, `${work.name}: could not record an outcome; its lease will bring it back`),
  );
  const held = createLeaseHeartbeat<T>({
    renew: (items) => work.extendLeases(items, leaseSeconds),
    everyMs: (leaseSeconds * 1000) / 4,
    onError: (error, items) =>
      logger.warn(
        { err: error, count: items.length },
        `${work.name}: could not renew ${items.length} lease(s); another replica may take them up`,
      ),
  });

  function start(item: T): void {
    inFlight.start(() => held.during(item, () => work.run(item)));
  }

  return {
    name: work.name,
    running: () => inFlight.running(),
    async runDue() {
      const free = inFlight.free();
      if (free === 0) return 0;
      const claimed = await work.claim(Math.min(batchSize, free), leaseSeconds);
      if (closed) {
        // Claimed while shutting down: hand them back untouched for another worker.
        for (const item of claimed) await work.handBack(item);
        return 0;
      }
      for (const item of claimed) start(item);
      return claimed.length;
    },
    // While every slot is taken, nothing is due for this process: a finishing task wakes it.
    nextDueAt: async () => (inFlight.free() === 0 ? undefined : work.nextDueAt()),
    attach: (wake) => inFlight.onSettled(wake),
    close: () => {
      closed = true;
    },
    drain: () => inFlight.drain(),
  };
}
