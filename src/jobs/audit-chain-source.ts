import { nextChainRunDue, nextCheckpointDue } from '../db/audit-chain-repository.js';
import type { Logger } from '../log/logger.js';
import {
  type ChainOptions,
  type CheckpointDeps,
  chainAuditEvents,
  checkpointDue,
} from '../workflow/audit-chain.js';
import type { DueWorkSource } from './worker.js';

export interface AuditChainSourceDeps extends CheckpointDeps {
  readonly logger: Logger;
}

export interface AuditChainSourceOptions extends ChainOptions {
  /** How often a replica asks whether the daily checkpoint is due; once a minute is plenty. */
  readonly checkpointPollMs?: number;
}

/**
 * Links new audit events into the hash chain, about every 2 seconds while some wait, one replica
 * at a time; and once a day (once across replicas) logs the chain's head and hands it to
 * `announce`, so a copy of it lives outside the database. Between runs it asks nothing of the
 * database: the worker cycles often while jobs run, and most cycles have nothing for it.
 */
export function createAuditChainSource(
  deps: AuditChainSourceDeps,
  options: AuditChainSourceOptions = {},
  now: () => number = Date.now,
): DueWorkSource {
  const intervalMs = (options.intervalSeconds ?? 2) * 1000;
  const checkpointPollMs = options.checkpointPollMs ?? 60_000;
  let chainAt = 0;
  let checkpointAt = 0;
  let closed = false;

  async function checkpoint(): Promise<number> {
    checkpointAt = now() + checkpointPollMs;
    const head = await checkpointDue(deps);
    if (!head) return 0;
    const at = head.chainedAt.toISOString();
    deps.logger.info(
      { seq: head.seq, hash: head.hash, chainedAt: at },
      `audit chain checkpoint: seq ${head.seq}, hash ${head.hash}, chained at ${at}; ` +
        `check it later with: jitbot audit verify --checkpoint ${head.seq}:${head.hash}`,
    );
    return 1;
  }

  return {
    name: 'audit-chain',
    async runDue() {
      if (closed) return 0;
      let done = 0;
      if (now() >= chainAt) {
        const outcome = await chainAuditEvents(deps, options);
        chainAt = outcome.more ? 0 : now() + intervalMs;
        done += outcome.chained;
      }
      if (now() >= checkpointAt) done += await checkpoint();
      return done;
    },
    async nextDueAt() {
      const [chain, day] = await Promise.all([nextChainRunDue(deps.pool), nextCheckpointDue(deps.pool)]);
      const times = [
        chain && Math.max(chain.getTime(), chainAt),
        day && Math.max(day.getTime(), checkpointAt),
      ].filter((time): time is number => time !== undefined);
      return times.length > 0 ? new Date(Math.min(...times)) : undefined;
    },
    close: () => {
      closed = true;
    },
  };
}
