import type pg from 'pg';
import { listenOn } from '../db/jobs-repository.js';
import { isDatabaseTimeout } from '../db/pool.js';
import { backoffMs } from '../domain/backoff.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** Work stored with a due time (jobs, grant expiries, warnings) that the worker runs when due. */
export interface DueWorkSource {
  readonly name: string;
  /** Claims what is due now and starts it: how many it claimed (0 when nothing is due or it is full). */
  runDue(): Promise<number>;
  /** When something next falls due, so the worker sleeps exactly that long. */
  nextDueAt(): Promise<Date | undefined>;
  /** Sources that run work in the background: wake the worker when a slot frees. */
  attach?(wake: () => void): void;
  /** A NOTIFY on this channel means this source (and no other) has new work. */
  readonly channel?: string;
  /** Stops starting work: anything claimed from now on is handed back at once. */
  close?(): void;
  /** Resolves when the work this source started has finished (graceful shutdown). */
  drain?(): Promise<void>;
}

export interface Worker {
  start(): void;
  /**
   * Wakes the loop now: this process wrote new work, of the sources named (none named: every source); a
   * source named with a time is only told when its work falls due, which costs no query.
   */
  wake(...written: WakeNotice[]): void;
  /** Stops claiming, lets the batch in hand finish, and resolves. */
  stop(): Promise<void>;
}

/** A source by name, or by name with when the work written for it falls due. */
export type WakeNotice = string | { readonly work: string; readonly at: Date };

export interface WorkerOptions {
  readonly pool: pg.Pool;
  readonly sources: readonly DueWorkSource[];
  readonly logger: Logger;
  /** Channels whose NOTIFY wakes the loop (another replica, or a transaction, wrote nearer work). */
  readonly channels?: readonly string[];
  /** Longest sleep, so a missed notification delays work by at most this much. */
  readonly maxIdleMs?: number;
}

/** After a failed cycle (the database did not answer) the loop waits longer each time, up to this. */
const MAX_BACKOFF_MS = 30_000;

/**
 * How long to wait after the `failures`-th failed cycle in a row: 1 s, 2 s, 4 s, ... up to 30 s.
 * The whole step, without jitter: a replica's retry is one cycle's few queries, not a burst that
 * needs spreading.
 */
export function outageBackoffMs(failures: number): number {
  return backoffMs(failures, MAX_BACKOFF_MS, () => 1);
}

/**
 * While the loop is busy (work keeps coming), a source that found nothing due is asked again
 * after this long, unless its own next due time comes first or something tells it of new work.
 * Work another process wrote without telling this one is found at most this late while busy;
 * when idle, every wake-up asks every source, as before.
 */
export const RECHECK_MS = 1000;

/** What the loop knows of one source since it last asked it. */
interface Watch {
  readonly source: DueWorkSource;
  /** Its next due time; undefined when nothing is due (or it has no free slot, and wakes us itself). */
  dueAt: number | undefined;
  checkedAt: number;
  /** Told of new work (a NOTIFY on its channel, a freed slot, this process's own writes). */
  poked: boolean;
  /** The earliest due time written by this process since its last check began (kept over that check). */
  told: number | undefined;
}

function earlier(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}

function isDue(watch: Watch, now: number): boolean {
  return (
    watch.poked || now - watch.checkedAt >= RECHECK_MS || (watch.dueAt !== undefined && watch.dueAt <= now)
  );
}

export function createWorker(options: WorkerOptions): Worker {
  const { pool, sources, logger, channels = [], maxIdleMs = 10_000 } = options;
  const outage = createOutageLog(logger);
  let running = false;
  let loop: Promise<void> | undefined;
  let listener: pg.PoolClient | undefined;
  let wakeUp: (() => void) | undefined;
  let interrupt: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  // A wake that arrives while a batch runs must not be lost: the next sleep returns at once.
  let wokenEarly = false;
  const watches: Watch[] = sources.map((source) => ({
    source,
    dueAt: undefined,
    checkedAt: 0,
    poked: true,
    told: undefined,
  }));

  function rouse(): void {
    if (wakeUp) wakeUp();
    else wokenEarly = true;
  }

  /** This process wrote new work: the sources named (or, with none named, all) are asked at once. */
  function wake(...written: WakeNotice[]): void {
    for (const watch of watches) {
      if (written.length === 0) watch.poked = true;
      for (const notice of written) {
        if (typeof notice === 'string') {
          if (notice === watch.source.name) watch.poked = true;
        } else if (notice.work === watch.source.name) {
          watch.dueAt = earlier(watch.dueAt, notice.at.getTime());
          watch.told = earlier(watch.told, notice.at.getTime());
        }
      }
    }
    rouse();
  }

  function poke(watch: Watch): void {
    watch.poked = true;
    rouse();
  }

  /** A NOTIFY: the sources of its channel have new work; one no source claims concerns them all. */
  function notified(message: { channel: string }): void {
    const concerned = watches.filter((watch) => watch.source.channel === message.channel);
    if (concerned.length === 0) wake();
    for (const watch of concerned) poke(watch);
  }

  /**
   * Waits `ms`. A wake (new work, a finished task) ends an idle wait early; a backoff after a
   * failure is ended only by stop(), so work that fails fast cannot turn it into a busy loop.
   */
  async function sleep(ms: number, wakeable = true): Promise<void> {
    if (wakeable && wokenEarly) {
      wokenEarly = false;
      return;
    }
    await new Promise<void>((resolve) => {
      if (wakeable) wakeUp = () => resolve();
      interrupt = () => resolve();
      timer = setTimeout(resolve, Math.max(0, ms));
    });
    clearTimeout(timer);
    wakeUp = undefined;
    interrupt = undefined;
    if (wakeable) wokenEarly = false;
  }

  async function listen(): Promise<void> {
    if (channels.length === 0 || listener) return;
    try {
      const client = await pool.connect();
      client.on('notification', notified);
      client.on('error', (error) => {
        logger.warn({ err: error }, 'lost the job notification connection; polling until it is back');
        client.release(true);
        if (listener === client) listener = undefined;
      });
      try {
        for (const channel of channels) await listenOn(client, channel);
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
      listener = client;
    } catch (error) {
      // Said once per outage: the cycle's own failure says the rest.
      if (!outage.ongoing())
        logger.warn({ err: error }, 'could not listen for job notifications; polling instead');
    }
  }

  /** Runs what the source has due; when nothing was, asks when something next will be. */
  async function check(watch: Watch): Promise<number> {
    watch.poked = false;
    watch.told = undefined;
    const claimed = await watch.source.runDue();
    const now = Date.now();
    // Claimed some: there may be more, so it is due again at once. A due time this process wrote
    // meanwhile may be missing from the answer (read before its commit): it is kept.
    const next = claimed > 0 ? now : (await watch.source.nextDueAt())?.getTime();
    watch.dueAt = watch.told === undefined ? next : earlier(next, watch.told);
    watch.checkedAt = now;
    return claimed;
  }

  async function cycle(): Promise<void> {
    await listen();
    let ran = 0;
    for (const watch of watches) {
      if (!running) return;
      if (isDue(watch, Date.now())) ran += await check(watch);
    }
    // The database answered: an outage, if there was one, is over.
    outage.ended();
    if (ran > 0 || !running) return;
    const dues = watches.map((watch) => watch.dueAt).filter((due): due is number => due !== undefined);
    const wait = dues.length === 0 ? maxIdleMs : Math.min(maxIdleMs, Math.min(...dues) - Date.now());
    if (wait <= 0) return;
    await sleep(wait);
  }

  async function runLoop(): Promise<void> {
    while (running) {
      try {
        await cycle();
      } catch (error) {
        // After a failure nothing known of any source can be trusted: ask them all again.
        for (const watch of watches) watch.poked = true;
        const failures = outage.failed(error);
        if (running) await sleep(outageBackoffMs(failures), false);
      }
    }
  }

  for (const watch of watches) watch.source.attach?.(() => poke(watch));

  return {
    start() {
      if (running) return;
      running = true;
      loop = runLoop();
    },
    wake,
    async stop() {
      running = false;
      for (const source of sources) source.close?.();
      interrupt?.();
      wake();
      await loop;
      await Promise.all(sources.map((source) => source.drain?.()));
      listener?.release();
      listener = undefined;
    },
  };
}

/**
 * Failed cycles in a row (the database is down or hung). The first failure of an outage is
 * logged as an error, the rest only at debug level, and the end of the outage once: a dead
 * database must not fill the log with one line per tick.
 */
function createOutageLog(logger: Logger) {
  let failures = 0;
  let since = 0;
  return {
    ongoing: () => failures > 0,
    failed(error: unknown): number {
      failures += 1;
      const words = isDatabaseTimeout(error)
        ? `PostgreSQL did not answer in time (${describeError(error)}): the server may be hung or unreachable`
        : describeError(error);
      if (failures === 1) {
        since = Date.now();
        logger.error(
          { err: error },
          `worker cycle failed: ${words}; backing off (up to ${MAX_BACKOFF_MS / 1000} s between tries) until it works again`,
        );
      } else {
        logger.debug({ err: error, failures }, `worker cycle failed again: ${words}`);
      }
      return failures;
    },
    ended(): void {
      if (failures === 0) return;
      logger.info(
        { failures, outageMs: Date.now() - since },
        `worker running again after ${failures} failed cycles over ${Math.round((Date.now() - since) / 1000)} s`,
      );
      failures = 0;
    },
  };
}
