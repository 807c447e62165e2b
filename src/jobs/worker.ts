import type pg from 'pg';
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
  /** Stops starting work: anything claimed from now on is handed back at once. */
  close?(): void;
  /** Resolves when the work this source started has finished (graceful shutdown). */
  drain?(): Promise<void>;
}

export interface Worker {
  start(): void;
  /** Wakes the loop now: new work was written by this process. */
  wake(): void;
  /** Stops claiming, lets the batch in hand finish, and resolves. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  readonly pool: pg.Pool;
  readonly sources: readonly DueWorkSource[];
  readonly logger: Logger;
  /** Channels whose NOTIFY wakes the loop (another replica, or a transaction, wrote nearer work). */
  readonly channels?: readonly string[];
  /** Longest sleep, so a missed notification delays work by at most this much. */
  readonly maxIdleMs?: number;
}

const ERROR_BACKOFF_MS = 2000;

async function earliestDue(sources: readonly DueWorkSource[]): Promise<number | undefined> {
  const dues = await Promise.all(sources.map((source) => source.nextDueAt()));
  const times = dues.filter((due): due is Date => due !== undefined).map((due) => due.getTime());
  return times.length > 0 ? Math.min(...times) : undefined;
}

export function createWorker(options: WorkerOptions): Worker {
  const { pool, sources, logger, channels = [], maxIdleMs = 10_000 } = options;
  let running = false;
  let loop: Promise<void> | undefined;
  let listener: pg.PoolClient | undefined;
  let wakeUp: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  // A wake that arrives while a batch runs must not be lost: the next sleep returns at once.
  let wokenEarly = false;

  function wake(): void {
    if (wakeUp) wakeUp();
    else wokenEarly = true;
  }

  async function sleep(ms: number): Promise<void> {
    if (wokenEarly) {
      wokenEarly = false;
      return;
    }
    await new Promise<void>((resolve) => {
      wakeUp = () => resolve();
      timer = setTimeout(resolve, Math.max(0, ms));
    });
    clearTimeout(timer);
    wakeUp = undefined;
    wokenEarly = false;
  }

  async function listen(): Promise<void> {
    if (channels.length === 0 || listener) return;
    try {
      const client = await pool.connect();
      client.on('notification', wake);
      client.on('error', (error) => {
        logger.warn({ err: error }, 'lost the job notification connection; polling until it is back');
        client.release(true);
        if (listener === client) listener = undefined;
      });
      for (const channel of channels) await client.query(`LISTEN ${channel}`);
      listener = client;
    } catch (error) {
      logger.warn({ err: error }, 'could not listen for job notifications; polling instead');
    }
  }

  async function cycle(): Promise<void> {
    await listen();
    let ran = 0;
    for (const source of sources) {
      if (!running) return;
      ran += await source.runDue();
    }
    if (ran > 0 || !running) return;
    const due = await earliestDue(sources);
    const wait = due === undefined ? maxIdleMs : Math.min(maxIdleMs, due - Date.now());
    if (wait > 0) await sleep(wait);
  }

  async function runLoop(): Promise<void> {
    while (running) {
      try {
        await cycle();
      } catch (error) {
        logger.error({ err: error }, `worker cycle failed: ${describeError(error)}; retrying`);
        if (running) await sleep(ERROR_BACKOFF_MS);
      }
    }
  }

  for (const source of sources) source.attach?.(wake);

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
      wake();
      await loop;
      await Promise.all(sources.map((source) => source.drain?.()));
      listener?.release();
      listener = undefined;
    },
  };
}
