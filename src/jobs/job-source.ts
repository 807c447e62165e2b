import type pg from 'pg';
import {
  claimDueJobs,
  completeJob,
  extendJobLease,
  failJob,
  type JobRow,
  nextJobDueAt,
  retryJob,
} from '../db/jobs-repository.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createInFlight } from './in-flight.js';
import { whileHolding } from './lease.js';
import type { DueWorkSource } from './worker.js';

/** What a handler reports. Throwing counts as `retry`: the work was not known to be done. */
export type JobOutcome =
  | { readonly status: 'done' }
  | {
      readonly status: 'retry';
      readonly error: string;
      readonly delayMs?: number;
      /** Waiting on something else, not a failure: the try is not counted against the job. */
      readonly notAnAttempt?: boolean;
    }
  | { readonly status: 'failed'; readonly error: string };

export type JobHandler = (job: JobRow) => Promise<JobOutcome | undefined>;

export interface JobSourceOptions {
  readonly pool: pg.Pool;
  readonly handlers: Readonly<Record<string, JobHandler>>;
  readonly workerId: string;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Jobs running at once in this process. */
  readonly concurrency?: number;
  /** A claimed job whose worker vanished is claimable again after this long. */
  readonly leaseSeconds?: number;
  /** Called once when a job will not be tried again (an admin should hear of it). */
  readonly onGiveUp?: (job: JobRow, error: string) => Promise<void>;
  readonly random?: () => number;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/** Exponential backoff with full jitter between half and the whole step, capped at 5 minutes. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(step * (0.5 + random() * 0.5));
}

export function createJobSource(options: JobSourceOptions): DueWorkSource {
  const {
    pool,
    handlers,
    workerId,
    logger,
    batchSize = 20,
    concurrency = 50,
    leaseSeconds = 120,
    random = Math.random,
  } = options;
  let closed = false;
  const inFlight = createInFlight(concurrency, (error) =>
    logger.error({ err: error }, 'could not record a job outcome'),
  );

  async function settle(job: JobRow, outcome: JobOutcome): Promise<void> {
    if (outcome.status === 'done') return completeJob(pool, job.id, workerId);
    const exhausted = job.maxAttempts !== null && job.attempts >= job.maxAttempts;
    if (outcome.status === 'failed' || exhausted) {
      await failJob(pool, job.id, workerId, outcome.error);
      logger.error({ job: job.id, kind: job.kind, attempts: job.attempts }, `job gave up: ${outcome.error}`);
      await options.onGiveUp?.(job, outcome.error);
      return;
    }
    const delay = outcome.delayMs ?? retryDelayMs(job.attempts, random);
    logger.warn(
      { job: job.id, kind: job.kind, attempts: job.attempts, delayMs: delay },
      `job will retry: ${outcome.error}`,
    );
    await retryJob(pool, job.id, workerId, delay, outcome.error, outcome.notAnAttempt === true);
  }

  async function runOne(job: JobRow): Promise<void> {
    const handler = handlers[job.kind];
    let outcome: JobOutcome;
    if (!handler) {
      outcome = { status: 'failed', error: `no handler for job kind "${job.kind}"` };
    } else {
      try {
        const extend = () => extendJobLease(pool, job.id, workerId, leaseSeconds);
        const warn = (error: unknown) =>
          logger.warn({ err: error, job: job.id }, 'could not extend a job lease');
        outcome = (await whileHolding(extend, (leaseSeconds * 1000) / 3, () => handler(job), warn)) ?? {
          status: 'done',
        };
      } catch (error) {
        outcome = { status: 'retry', error: describeError(error) };
      }
    }
    await settle(job, outcome);
  }

  return {
    name: 'jobs',
    async runDue() {
      const free = inFlight.free();
      if (free === 0) return 0;
      const jobs = await claimDueJobs(pool, workerId, Math.min(batchSize, free), leaseSeconds);
      if (closed) {
        // Claimed while shutting down: hand them back untouched for another worker.
        for (const job of jobs) await retryJob(pool, job.id, workerId, 0, 'worker stopping', true);
        return 0;
      }
      for (const job of jobs) inFlight.start(() => runOne(job));
      return jobs.length;
    },
    // While every slot is taken, nothing is due for this process: a finishing job wakes it.
    nextDueAt: async () => (inFlight.free() === 0 ? undefined : nextJobDueAt(pool)),
    attach: (wake) => inFlight.onSettled(wake),
    close: () => {
      closed = true;
    },
    drain: () => inFlight.drain(),
  };
}
