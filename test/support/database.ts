import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate, readMigrations } from '../../src/db/migrations.js';
import { createLogger } from '../../src/log/logger.js';
import { MIGRATIONS_DIR } from '../../src/paths.js';

export interface TestDatabase {
  readonly config: pg.PoolConfig;
  /** A postgres:// URL for child processes (DATABASE_URL). */
  readonly url: string;
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

export const silentLogger = createLogger('silent');

function adminConfig(): pg.ClientConfig {
  return inject('adminConnection');
}

function urlFor(config: pg.ClientConfig, database: string): string {
  if (config.connectionString) {
    const url = new URL(config.connectionString);
    url.pathname = `/${database}`;
    return url.toString();
  }
  // A Unix socket directory goes in the host query parameter.
  const host = encodeURIComponent(String(config.host));
  return `postgres://${config.user}@localhost:${config.port}/${database}?host=${host}`;
}

/** A fresh, empty database of its own for one test file, on the run's shared server. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const admin = adminConfig();
  const name = `jitbot_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client(admin);
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const config: pg.PoolConfig = admin.connectionString
    ? { connectionString: urlFor(admin, name) }
    : { ...admin, database: name };
  const pool = new pg.Pool({ ...config, max: 10 });
  if (options.migrated) await migrate(pool, readMigrations(MIGRATIONS_DIR));
  return {
    config,
    url: urlFor(admin, name),
    pool,
    async drop() {
      await pool.end();
      const dropper = new pg.Client(admin);
      await dropper.connect();
      // pool.end() resolves before its sockets have closed; forcing the drop while they still
      // close makes the server kill them, and that surfaces as an uncaught error in the test file.
      await untilNoConnections(dropper, name);
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

async function untilNoConnections(client: pg.Client, database: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    if (rows[0]?.count === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
