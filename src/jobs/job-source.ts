import type pg from 'pg';
import { gatherWrites } from '../db/gathered-writes.js';
import {
  claimDueJobs,
  completeJobs,
  extendJobLeases,
  failJob,
  JOBS_CHANNEL,
  type JobRow,
  nextJobDueAt,
  retryJob,
} from '../db/jobs-repository.js';
import { backoffMs } from '../domain/backoff.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { DUE_WORK } from '../workflow/due-work.js';
import type { JobOutcome } from '../workflow/job-outcome.js';
import { createLeasedSource } from './leased-source.js';
import type { DueWorkSource } from './worker.js';

/** Runs one job; `undefined` means done. */
export type JobHandler = (job: JobRow) => Promise<JobOutcome | undefined>;

export interface JobSourceOptions {
  readonly pool: pg.Pool;
  readonly handlers: Readonly<Record<string, JobHandler>>;
  readonly workerId: string;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Jobs running at once in this process. */
  readonly concurrency?: number;
  /**
   * While this says so (revocations are running), at most a few jobs start: taking access away on
   * time comes before the messages about it, and on a small machine they compete for the CPU.
   */
  readonly yieldWhile?: () => boolean;
  /** How long a failure asked to be left alone (a rate limit's Retry-After); not counted as a try. */
  readonly retryAfterOf?: (error: unknown) => number | undefined;
  /** A claimed job whose worker vanished is claimable again after this long. */
  readonly leaseSeconds?: number;
  /** Called once when a job will not be tried again (an admin should hear of it). */
  readonly onGiveUp?: (job: JobRow, error: string) => Promise<void>;
  readonly random?: () => number;
}

/**
 * Backoff between tries of a job, capped at five minutes: a job is a message or a grant someone
 * waits for, but one that keeps failing must not hammer Slack or AWS.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  return backoffMs(attempts, 5 * 60_000, random);
}

/**
 * A job of a replica that died runs elsewhere this soon (a live one renews four times per lease).
 * Longer than a revocation's: it must outlast a database outage of several seconds, during which
 * renewals fail, or a grant's add could be taken up beside the run still making it.
 */
export const JOB_LEASE_SECONDS = 20;

/** Jobs that may run while another kind of work has priority: messages slow down, never stop. */
const JOBS_WHILE_YIELDING = 4;

/** The durable job queue (the outbox the workflows write to), run through the leased loop. */
export function createJobSource(options: JobSourceOptions): DueWorkSource {
  const { pool, handlers, workerId, logger, random = Math.random } = options;
  // Jobs finishing within a few milliseconds of each other are marked done in one statement.
  const complete = gatherWrites((ids: readonly string[]) => completeJobs(pool, ids, workerId));

  async function settle(job: JobRow, outcome: JobOutcome): Promise<void> {
    if (outcome.status === 'done') return complete(job.id);
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

  async function outcomeOf(job: JobRow): Promise<JobOutcome> {
    const handler = handlers[job.kind];
    if (!handler) return { status: 'failed', error: `no handler for job kind "${job.kind}"` };
    try {
      return (await handler(job)) ?? { status: 'done' };
    } catch (error) {
      const waitMs = options.retryAfterOf?.(error);
      if (waitMs === undefined) return { status: 'retry', error: describeError(error) };
      // Asked to wait (a rate limit, a message another worker is posting): not the job's fault.
      // A little spread so jobs limited together do not return together.
      const delayMs = Math.round(waitMs + 1000 * random());
      return {
        status: 'retry',
        error: `${describeError(error)} (asked to wait: trying again in ${Math.ceil(delayMs / 1000)} s)`,
        delayMs,
        notAnAttempt: true,
      };
    }
  }

  const source = createLeasedSource<JobRow>(
    {
      name: DUE_WORK.jobs,
      claim: (limit, leaseSeconds) => claimDueJobs(pool, workerId, limit, leaseSeconds),
      extendLeases: (jobs, leaseSeconds) =>
        extendJobLeases(
          pool,
          jobs.map((job) => job.id),
          workerId,
          leaseSeconds,
        ),
      handBack: (job) => retryJob(pool, job.id, workerId, 0, 'worker stopping', true),
      run: async (job) => settle(job, await outcomeOf(job)),
      nextDueAt: () => nextJobDueAt(pool),
      describe: (job) => ({ job: job.id, kind: job.kind }),
    },
    {
      logger,
      batchSize: options.batchSize ?? 20,
      concurrency: () => (options.yieldWhile?.() ? JOBS_WHILE_YIELDING : (options.concurrency ?? 50)),
      leaseSeconds: options.leaseSeconds ?? JOB_LEASE_SECONDS,
    },
  );
  // Every enqueue notifies this channel (jobs-repository.ts), in the enqueueing transaction.
  return { ...source, channel: JOBS_CHANNEL };
}
