import type pg from 'pg';
import { whileHeld } from './pool.js';

/**
 * The limits of an admin command's read (an export, a report): its statements may rightly run
 * long, where the service's own are small and indexed. A FETCH of a window late in a large audit
 * log first passes over every earlier event (about a quarter of a second per million measured).
 */
const LONG_READ = { statementMs: 10 * 60_000, queryMs: 11 * 60_000 } as const;

export type LongQuery = <T extends pg.QueryResultRow>(
  sql: string,
  params?: readonly unknown[],
) => Promise<pg.QueryResult<T>>;

/**
 * Runs `work` in one read-only transaction on a connection of its own, with the longer limits:
 * the server's statement_timeout for this transaction only, and the client's wait per query (pg
 * reads `query_timeout` from each query's config, though its types leave it out). A connection
 * that failed is closed rather than handed back: ending it rolls the transaction back.
 */
export async function withLongRead<T>(pool: pg.Pool, work: (query: LongQuery) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const query: LongQuery = (sql, params = []) => {
    const config = { text: sql, values: [...params], query_timeout: LONG_READ.queryMs };
    return client.query(config);
  };
  let failed: Error | undefined;
  const stopWatching = whileHeld(client, (lost) => {
    failed = lost;
  });
  try {
    await query('BEGIN READ ONLY');
    await query(`SET LOCAL statement_timeout = ${LONG_READ.statementMs}`);
    const result = await work(query);
    await query('COMMIT');
    return result;
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    stopWatching();
    client.release(failed);
  }
}
