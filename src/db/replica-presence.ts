import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import type { Queryable } from './pool.js';

/**
 * The advisory-lock space of presence locks (the first key of the two-key form; the replica's
 * own key is the second), so they never meet a lock taken for anything else.
 */
export const PRESENCE_LOCK_SPACE = 0x6a697462;

/**
 * SQL for the keys of the replicas present now: the presence locks held in this database. Any
 * role may read pg_locks. Usable as a subquery: `revoke_claimant IN (${PRESENT_CLAIMANTS})`.
 */
export const PRESENT_CLAIMANTS = `SELECT objid::bigint FROM pg_locks
   WHERE locktype = 'advisory' AND granted AND classid = ${PRESENCE_LOCK_SPACE}::oid AND objsubid = 2
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/**
 * This replica as present: its key. A new object for each spell of presence (after a loss), so a
 * caller tells whether presence held throughout by comparing `current()` before and after.
 */
export interface Presence {
  readonly key: number;
}

/**
 * This process, as PostgreSQL sees it: a session advisory lock held on a connection of its own
 * (opened with the pool's settings, outside the pool, so it takes no slot from the work).
 * A replica that dies (SIGKILL, a crash, an out-of-memory kill) closes that connection, and the
 * server lets the lock go at once, so the others can tell it is gone within a poll instead of
 * waiting for its leases to run out. A replica that is alive but slow keeps its lock. When the
 * network, not the process, fails, the server may hold the lock until TCP gives up: the leases,
 * which run out regardless, bound that case.
 */
export interface ReplicaPresence {
  /** Present now, or undefined (not yet taken, lost, or closed). */
  current(): Presence | undefined;
  /**
   * Present, taking the lock first if it is not held (at most once a second after a failure):
   * undefined when the database cannot be reached. Never throws.
   */
  ensure(): Promise<Presence | undefined>;
  /**
   * The presence connection while the lock is held: for the statements that prove this replica
   * alive (lease renewals), which must not queue behind a burst of work in the pool. Undefined
   * while not present.
   */
  connection(): Queryable | undefined;
  /** Told when the lock is lost: whatever this replica holds "while present" may be taken up. */
  onLost(listener: () => void): void;
  /** Lets the lock go (at shutdown). */
  close(): Promise<void>;
}

/** How long after a failed attempt to take the lock the next is made. */
const RETAKE_AFTER_MS = 1000;

/** A positive int4, as pg_locks shows it (objid is an unsigned oid). */
function randomKey(): number {
  return randomInt(1, 2 ** 31 - 1);
}

export function createReplicaPresence(pool: pg.Pool, logger: Logger): ReplicaPresence {
  let key = randomKey();
  let held: { readonly client: pg.Client; readonly presence: Presence } | undefined;
  let taking: Promise<Presence | undefined> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let closed = false;
  const listeners: (() => void)[] = [];

  /** Ends a connection whose lock is no longer wanted or no longer there; its later errors are moot. */
  function drop(client: pg.Client): void {
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
  }

  function lost(client: pg.Client, error: Error): void {
    if (held?.client !== client) return;
    held = undefined;
    drop(client);
    logger.warn(
      { err: error },
      'lost the presence connection: revocations in flight may be taken up by another replica',
    );
    for (const listener of listeners) listener();
  }

  async function take(): Promise<Presence | undefined> {
    const client = new pg.Client(pool.options);
    // Until it is held, an error surfaces through the awaited calls below.
    client.on('error', () => undefined);
    try {
      await client.connect();
      // The first key is kept across a reconnect, so claims made before a brief loss still name a
      // present replica; a key another process holds (a 1 in 2^31 chance) is replaced.
      for (;;) {
        const { rows } = await client.query<{ taken: boolean }>(
          'SELECT pg_try_advisory_lock($1, $2) AS taken',
          [PRESENCE_LOCK_SPACE, key],
        );
        if (rows[0]?.taken) break;
        key = randomKey();
      }
      if (closed) {
        drop(client);
        return undefined;
      }
      client.on('error', (error) => lost(client, error));
      held = { client, presence: { key } };
      return held.presence;
    } catch (error) {
      // Closing the connection lets go of a lock it may have taken.
      drop(client);
      if (failedAt === Number.NEGATIVE_INFINITY || Date.now() - failedAt > 60_000)
        logger.warn(
          { err: error },
          'could not take the presence lock; revocations rely on their leases alone until it is back',
        );
      failedAt = Date.now();
      return undefined;
    }
  }

  return {
    current: () => held?.presence,
    connection: () => held?.client,
    async ensure() {
      if (held || closed) return held?.presence;
      if (taking) return taking;
      if (Date.now() - failedAt < RETAKE_AFTER_MS) return undefined;
      taking = take().finally(() => {
        taking = undefined;
      });
      return taking;
    },
    onLost(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      await taking;
      const client = held?.client;
      held = undefined;
      // The lock goes with the connection.
      if (client) drop(client);
    },
  };
}
