/**
 * A fresh database for one soak run, on TEST_DATABASE_URL's server, else the local server on
 * 127.0.0.1:5432, else a throwaway embedded PostgreSQL; dropped at the end. The soak's own
 * connections are named `jitbot-soak`, so cutting the replicas' connections leaves them alone.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { createLogger } from '../../src/log/logger.js';

const LOCAL_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';
const SOAK_APPLICATION = 'jitbot-soak';

export interface SoakDatabase {
  /** For the replicas (DATABASE_URL). */
  readonly url: string;
  readonly describe: string;
  /** The soak's own connections: reading what was asked, and cutting the replicas' connections. */
  readonly pool: pg.Pool;
  /** pg_terminate_backend on every connection the replicas hold; how many were cut. */
  cutReplicaConnections(): Promise<number>;
  drop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function cutter(pool: pg.Pool, database: string) {
  return async () => {
    const { rows } = await pool.query<{ cut: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS cut FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
      [database, SOAK_APPLICATION],
    );
    return rows[0]?.cut ?? 0;
  };
}

async function onServer(adminUrl: string): Promise<SoakDatabase> {
  const name = `jitbot_soak_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: SOAK_APPLICATION });
  const parsed = new URL(url);
  return {
    url,
    describe: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432} (database ${name}, dropped at the end)`,
    pool,
    cutReplicaConnections: cutter(pool, name),
    async drop() {
      await pool.end();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

async function embedded(): Promise<SoakDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'jitbot-soak-db-'));
  // As root the embedded PostgreSQL runs as another user, which must be able to pass through.
  chmodSync(dir, 0o755);
  const database = await startEmbeddedDatabase(join(dir, 'data'), createLogger('warn'));
  const { host, port, user } = database.connection;
  const url = `postgres://${user}@localhost:${port}/jitbot?host=${encodeURIComponent(String(host))}`;
  const pool = new pg.Pool({ ...database.connection, max: 4, application_name: SOAK_APPLICATION });
  return {
    url,
    describe: `embedded PostgreSQL in a temporary directory (no server answered on ${LOCAL_SERVER_URL})`,
    pool,
    cutReplicaConnections: cutter(pool, String(database.connection.database ?? 'jitbot')),
    async drop() {
      await pool.end();
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openSoakDatabase(): Promise<SoakDatabase> {
  const server = process.env.TEST_DATABASE_URL ?? LOCAL_SERVER_URL;
  if (await reachable(server)) return onServer(server);
  return embedded();
}
