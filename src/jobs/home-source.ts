import type pg from 'pg';
import {
  claimDueHomes,
  extendHomeLeases,
  type HomeClaim,
  handBackHome,
  nextHomeDue,
  retryHome,
  settleHome,
} from '../db/home-views-repository.js';
import { backoffMs } from '../domain/backoff.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { DUE_WORK } from '../workflow/due-work.js';
import { createLeasedSource } from './leased-source.js';
import type { DueWorkSource } from './worker.js';

/** A Home that cannot be published (the Home tab is off in the app's settings) is tried again this rarely at most. */
const MAX_RETRY_MS = 10 * 60_000;

export interface HomeSourceDeps {
  readonly pool: pg.Pool;
  readonly publish: (userId: string) => Promise<void>;
  readonly logger: Logger;
  /** How long a failure asked to be left alone (a rate limit's Retry-After). */
  readonly retryAfterOf?: (error: unknown) => number | undefined;
}

/**
 * Publishes the App Homes that fell due (home-views-repository): one replica per person at a
 * time, the latest state each time, never dropped: a failed publish comes back with backoff.
 */
export function createHomeSource({ pool, publish, logger, retryAfterOf }: HomeSourceDeps): DueWorkSource {
  async function run(claim: HomeClaim): Promise<void> {
    try {
      await publish(claim.userId);
    } catch (error) {
      const delay = retryAfterOf?.(error) ?? backoffMs(claim.failures + 1, MAX_RETRY_MS);
      const words = describeError(error);
      logger.warn(
        { err: error, user: claim.userId },
        `could not publish an App Home; trying again in ${Math.round(delay / 1000)} s`,
      );
      await retryHome(pool, claim.userId, delay, words);
      return;
    }
    await settleHome(pool, claim);
  }

  return createLeasedSource<HomeClaim>(
    {
      name: DUE_WORK.homes,
      claim: (limit, leaseSeconds) => claimDueHomes(pool, limit, leaseSeconds),
      extendLeases: (claims, leaseSeconds) =>
        extendHomeLeases(
          pool,
          claims.map((claim) => claim.userId),
          leaseSeconds,
        ),
      handBack: (claim) => handBackHome(pool, claim.userId),
      run,
      nextDueAt: () => nextHomeDue(pool),
      describe: (claim) => ({ user: claim.userId }),
    },
    { logger, batchSize: 20, concurrency: 10, leaseSeconds: 20 },
  );
}
