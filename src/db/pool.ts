import pg from 'pg';
import type { Logger } from '../log/logger.js';

/** Anything that runs a query: the pool, or one client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

export type ConnectionSettings = string | pg.PoolConfig;

export function createPool(connection: ConnectionSettings, logger: Logger, max = 10): pg.Pool {
  const config: pg.PoolConfig =
    typeof connection === 'string' ? { connectionString: connection } : connection;
  const pool = new pg.Pool({
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'jitbot',
    ...config,
  });
  // An idle client that loses its server emits here; without a listener node would crash.
  pool.on('error', (error) => logger.error({ err: error }, 'database connection lost; it will be replaced'));
  return pool;
}

/** Runs `work` in one transaction on one client; rolls back when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
