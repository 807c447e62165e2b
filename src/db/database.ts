import type pg from 'pg';
import type { Env } from '../config/env.js';
import { describeError, UserFacingError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { startEmbeddedDatabase } from './embedded.js';
import { type Migration, migrate, pendingMigrations, readMigrations } from './migrations.js';
import { createPool } from './pool.js';

export interface Database {
  readonly pool: pg.Pool;
  /** Where the data lives, for log lines: never includes a password. */
  readonly location: string;
  readiness(): Promise<ReadinessReport>;
  close(): Promise<void>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly problems: string[];
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

async function assertReachable(pool: pg.Pool, location: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
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
    if (pending.length === 0) return { ready: true, problems: [] };
    return { ready: false, problems: [`migrations not applied: ${pending.join(', ')}`] };
  } catch (error) {
    return { ready: false, problems: [`database unreachable: ${describeError(error)}`] };
  }
}

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
  const embedded = env.DATABASE_URL ? undefined : await startEmbeddedDatabase(env.JITBOT_DATA_DIR, logger);
  const location = env.DATABASE_URL
    ? describeDatabaseUrl(env.DATABASE_URL)
    : `embedded in ${embedded?.dataDir}`;
  const pool = createPool(env.DATABASE_URL ?? embedded?.connection ?? {}, logger);
  try {
    await assertReachable(pool, location);
    if (options.migrate !== false) await migrate(pool, migrations, logger);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  return {
    pool,
    location,
    readiness: () => checkReadiness(pool, migrations),
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
