/**
 * A PostgreSQL database for one benchmark run: DATABASE_URL as given when set; otherwise a fresh
 * `jitbot_bench_<random>` on the local server (dropped at the end), or, when that server does not
 * answer, a throwaway embedded PostgreSQL (stopped and deleted at the end).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { createLogger } from '../../src/log/logger.js';

export const LOCAL_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  /** For the child process (DATABASE_URL). */
  readonly url: string;
  /** Where the data lives, for the report (no password). */
  readonly describe: string;
  /** The bench's own connection, for seeding and checking. */
  readonly pool: pg.Pool;
  /** The database's name on its server (pg_stat_activity's datname). */
  readonly name: string;
  drop(): Promise<void>;
}

export interface BenchDatabaseOptions {
  /** application_name of the bench's own connections, to tell them from jitbot's. */
  readonly applicationName?: string;
  /** The server to create the database on when it answers; default the local one. */
  readonly server?: string;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function hostOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function onServer(adminUrl: string, options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const name = `jitbot_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: options.applicationName });
  return {
    url,
    describe: `PostgreSQL ${hostOf(url)} (fresh, dropped at the end)`,
    pool,
    name,
    async drop() {
      await pool.end();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

async function embedded(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'jitbot-bench-db-'));
  // As root the embedded PostgreSQL runs as another user, which must be able to pass through.
  chmodSync(dir, 0o755);
  const database = await startEmbeddedDatabase(join(dir, 'data'), createLogger('warn'));
  const { host, port, user } = database.connection;
  const url = `postgres://${user}@localhost:${port}/jitbot?host=${encodeURIComponent(String(host))}`;
  const pool = new pg.Pool({ ...database.connection, max: 4, application_name: options.applicationName });
  return {
    url,
    describe: `embedded PostgreSQL in ${dir} (${LOCAL_SERVER_URL} did not answer)`,
    pool,
    name: String(database.connection.database ?? 'jitbot'),
    async drop() {
      await pool.end();
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openBenchDatabase(options: BenchDatabaseOptions = {}): Promise<BenchDatabase> {
  const given = process.env.DATABASE_URL;
  if (given) {
    const pool = new pg.Pool({ connectionString: given, max: 4, application_name: options.applicationName });
    return {
      url: given,
      describe: `PostgreSQL ${hostOf(given)} (DATABASE_URL, used as is; this run's rows stay)`,
      pool,
      name: new URL(given).pathname.slice(1),
      drop: () => pool.end(),
    };
  }
  const server = options.server ?? LOCAL_SERVER_URL;
  if (await reachable(server)) return onServer(server, options);
  return embedded(options);
}
