import type pg from 'pg';
import type { Env } from '../config/env.js';
import { describeError, UserFacingError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { startEmbeddedDatabase } from './embedded.js';
import { type Migration, migrate, pendingMigrations, readMigrations } from './migrations.js';
import { type ConnectionSettings, createPool, MIGRATION_TIMEOUTS } from './pool.js';
import { type DatabaseTls, databaseConnection } from './tls.js';
import { tlsFailure } from './tls-failure.js';

export interface Database {
  readonly pool: pg.Pool;
  /**
   * Two connections of their own for the records of AWS and Okta calls. A transaction that makes
   * a call (moving a backstop while its grant is locked) holds a connection of the run-time pool
   * while the call is recorded: from the same pool, a few of those at once would wait on each
   * other until every connection timed out.
   */
  readonly callRecords: pg.Pool;
  /** Where the data lives, for log lines: never includes a password. */
  readonly location: string;
  readiness(): Promise<ReadinessReport>;
  close(): Promise<void>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** For the operator's terminal and logs: may name hosts and carry the server's words. */
  readonly problems: string[];
  /** For /readyz, which anyone who reaches the port can read: fixed words, nothing more. */
  readonly publicProblems: string[];
}

/** host:port/database of a URL, without user or password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * PgBouncer refuses the startup parameters it cannot keep per client, and node-postgres sends
 * statement_timeout as one. Ignored there, the limit must come from the role instead.
 */
function poolerRefusal(error: unknown, location: string): UserFacingError {
  return new UserFacingError(
    'database_unreachable',
    `the connection pooler at ${location} (DATABASE_URL) refused a connection: ${describeError(error)}. ` +
      'jitbot sets statement_timeout when it connects: add statement_timeout to ignore_startup_parameters in ' +
      "pgbouncer.ini and set the limit on jitbot's role instead (ALTER ROLE jitbot SET statement_timeout = '15s'), " +
      'or point DATABASE_URL at the PostgreSQL server itself',
    { cause: error },
  );
}

async function assertReachable(pool: pg.Pool, location: string, tls: DatabaseTls | undefined): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const refusedOverTls = tls === undefined ? undefined : tlsFailure(error, tls, location);
    if (refusedOverTls) throw refusedOverTls;
    if (describeError(error).startsWith('unsupported startup parameter'))
      throw poolerRefusal(error, location);
    throw new UserFacingError(
      'database_unreachable',
      `could not connect to PostgreSQL at ${location} (DATABASE_URL): ${describeError(error)}. ` +
        'Check that the server is running and that the URL, user and password are right.',
      { cause: error },
    );
  }
}

async function checkReadiness(pool: pg.Pool, migrations: Migration[]): Promise<ReadinessReport> {
  try {
    const pending = await pendingMigrations(pool, migrations);
    if (pending.length === 0) return { ready: true, problems: [], publicProblems: [] };
    return {
      ready: false,
      problems: [`migrations not applied: ${pending.join(', ')}`],
      publicProblems: ['database migrations pending'],
    };
  } catch (error) {
    return {
      ready: false,
      problems: [`database unreachable: ${describeError(error)}`],
      publicProblems: ['database unreachable'],
    };
  }
}

/**
 * Migrations get a connection of their own with longer timeouts than the run-time pool: one may
 * rightly take minutes, and a replica waits on the migration lock while another one migrates.
 */
async function migrateWithRoom(
  connection: ConnectionSettings,
  migrations: Migration[],
  logger: Logger,
): Promise<void> {
  const pool = createPool(connection, logger, 1, MIGRATION_TIMEOUTS);
  try {
    await migrate(pool, migrations, logger);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** See `Database.callRecords`. */
const CALL_RECORD_CONNECTIONS = 2;

/**
 * The configured PostgreSQL server when DATABASE_URL is set, else the embedded one under
 * JITBOT_DATA_DIR. Either way: the same pool, the same SQL, migrations applied before use.
 */
export async function openDatabase(
  env: Env,
  logger: Logger,
  options: { migrate?: boolean } = {},
): Promise<Database> {
  const migrations = readMigrations(MIGRATIONS_DIR);
  // Read before anything starts, so a missing or wrong CA bundle fails at once, in words.
  const server = env.DATABASE_URL
    ? databaseConnection({ ...env, DATABASE_URL: env.DATABASE_URL })
    : undefined;
  if (server?.warning) logger.warn(server.warning);
  if (!server && env.DATABASE_CA_FILE)
    logger.warn(
      'DATABASE_CA_FILE is set but DATABASE_URL is not: the embedded database is reached over a local socket, without TLS, so the file is not used',
    );
  const embedded = server ? undefined : await startEmbeddedDatabase(env.JITBOT_DATA_DIR, logger);
  const location = env.DATABASE_URL
    ? describeDatabaseUrl(env.DATABASE_URL)
    : `embedded in ${embedded?.dataDir}`;
  // One set of settings for the run-time pool (and so the LISTEN connection) and the migrations.
  const connection = server?.config ?? embedded?.connection ?? {};
  const pool = createPool(connection, logger);
  const callRecords = createPool(connection, logger, CALL_RECORD_CONNECTIONS);
  try {
    await assertReachable(pool, location, server?.tls);
    if (options.migrate !== false) await migrateWithRoom(connection, migrations, logger);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await callRecords.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  return {
    pool,
    callRecords,
    location,
    readiness: () => checkReadiness(pool, migrations),
    async close() {
      await Promise.all([pool.end(), callRecords.end()]);
      await embedded?.stop();
    },
  };
}
