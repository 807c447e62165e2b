/**
 * What a use case run by a job reports, for the job loop to settle the job by. Throwing counts
 * as `retry`: the work was not known to be done.
 */
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
