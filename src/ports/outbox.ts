/**
 * The durable job queue as the use cases write to it: a job enqueued in the transaction that
 * causes the work (transactional outbox) runs once that transaction commits, and never otherwise.
 * db/jobs-repository.ts stores it; jobs/ runs it.
 */

export interface NewJob {
  readonly kind: string;
  readonly payload?: Record<string, unknown>;
  /** At most one queued or running job per key: the same work enqueued twice runs once. */
  readonly dedupeKey?: string;
  readonly runAt?: Date;
  /** Omit to retry until it succeeds (revocations must never be dropped). */
  readonly maxAttempts?: number;
}

export interface Outbox {
  /** The new job's id; undefined when an open job of the same dedupe key already holds the work. */
  enqueue(job: NewJob): Promise<string | undefined>;
}
