import pg from 'pg';
import type { Logger } from '../log/logger.js';

/** Anything that runs a query: the pool, or one client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

export type ConnectionSettings = string | pg.PoolConfig;

/**
 * How long jitbot waits for PostgreSQL, so a hung server (frozen, partitioned, out of memory)
 * fails work that can then be retried, instead of stalling every replica for good.
 */
export interface DatabaseTimeouts {
  /** To open a connection, or to get one from the pool when all are busy. */
  readonly connectMs: number;
  /** The server cancels a statement that runs longer (statement_timeout). */
  readonly statementMs: number;
  /**
   * The client gives up on an answer after this long (query_timeout). A frozen server never
   * answers, so its own statement_timeout never fires: only a client-side limit ends the wait.
   * Longer than `statementMs`, so a slow statement is cancelled by the server first and its
   * connection stays usable.
   */
  readonly queryMs: number;
}

/** For everything jitbot does at run time: its statements are small and indexed. */
export const DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, statementMs: 15_000, queryMs: 20_000 };

/**
 * For migrations: an index or a backfill on a large table may rightly take minutes, and a replica
 * waits on the migration lock while another migrates. A frozen server still fails in the end.
 */
export const MIGRATION_TIMEOUTS: DatabaseTimeouts = {
  connectMs: 5_000,
  statementMs: 10 * 60_000,
  queryMs: 11 * 60_000,
};

export function createPool(
  connection: ConnectionSettings,
  logger: Logger,
  max = 10,
  timeouts: DatabaseTimeouts = DATABASE_TIMEOUTS,
): pg.Pool {
  const config: pg.PoolConfig =
    typeof connection === 'string' ? { connectionString: connection } : connection;
  const pool = new pg.Pool({
    max,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.queryMs,
    idleTimeoutMillis: 30_000,
    application_name: 'jitbot',
    ...config,
  });
  // An idle client that loses its server emits here; without a listener node would crash.
  pool.on('error', (error) => logger.error({ err: error }, 'database connection lost; it will be replaced'));
  return pool;
}

/**
 * Calls `lost` when the server ends a checked-out connection while no statement of it is running
 * (an admin's pg_terminate_backend, a restart), for as long as the client is held. pg tells that to
 * the client's own 'error' listeners only (the pool listens to idle clients alone): with none, it
 * would be an uncaught exception. The next statement on the client fails with the loss anyway.
 * Returns the function that stops listening, before the client is released.
 */
export function whileHeld(client: pg.PoolClient, lost: (error: Error) => void): () => void {
  client.on('error', lost);
  return () => client.off('error', lost);
}

/** Runs `work` in one transaction on one client; rolls back when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A client whose ROLLBACK failed may still be waiting for an answer that never comes (a query
  // timed out on the client side): it is closed, not handed to the next transaction. So is one
  // the server ended.
  let broken: Error | undefined;
  const stopWatching = whileHeld(client, (lost) => {
    broken = lost;
  });
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // After a client-side timeout the connection is still waiting for the server: a ROLLBACK
    // would only queue behind it. Closing the connection rolls the transaction back anyway.
    if (isClientTimeout(error)) broken = error;
    else
      await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
        broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
      });
    throw error;
  } finally {
    stopWatching();
    client.release(broken);
  }
}

/** pg's own error when `query_timeout` passed without an answer from the server. */
function isClientTimeout(error: unknown): error is Error {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** The words pg and its pool use when a connection could not be had in `connectMs`. */
const CONNECT_TIMEOUTS = [
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
];

/** Whether the database did not answer in time: no answer to a query, or no connection. */
export function isDatabaseTimeout(error: unknown): error is Error {
  return (
    isClientTimeout(error) ||
    (error instanceof Error && CONNECT_TIMEOUTS.some((words) => error.message === words))
  );
}

/** When the next piece of work falls due, from a query of one row with a `due` column; undefined: none. */
export async function readDueTime(
  db: Queryable,
  sql: string,
  params: readonly unknown[] = [],
): Promise<Date | undefined> {
  const { rows } = await db.query<{ due: Date | null }>(sql, [...params]);
  return rows[0]?.due ?? undefined;
}

/**
 * A select list from a repository's fields (`column` or `column AS "name"`), each qualified by
 * `alias` when given: a join of two tables whose columns share names (both have an id).
 */
export function selectList(fields: readonly string[], alias?: string): string {
  return fields.map((field) => (alias ? `${alias}.${field}` : field)).join(', ');
}
