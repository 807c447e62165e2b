import { resolve } from 'node:path';
import type { Env } from '../config/env.js';
import { type Database, describeDatabaseUrl, openDatabase } from '../db/database.js';
import { type MigrationStatus, migrationStatus, readMigrations } from '../db/migrations.js';
import { DatabaseTlsError } from '../db/tls-failure.js';
import { describeError, isUserFacingError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { DeadlineExceeded, seconds, withDeadline } from './deadline.js';
import { type CheckLine, fail, pass, warn } from './report.js';

const NAME = 'database';
const MIGRATIONS = 'database migrations';
/** The embedded database may have to initdb on its first start, which is slower than a connect. */
const EMBEDDED_START_MS = 60_000;

function openFailure(error: unknown, env: Env, where: string, ms: number): CheckLine {
  if (error instanceof DeadlineExceeded) {
    return fail(
      NAME,
      `no answer from ${where} within ${seconds(ms)}`,
      'check that the server is running and reachable from here (host, port, firewall)',
    );
  }
  if (isUserFacingError(error) && error.code === 'embedded_database_locked') {
    // Not a fault: the running service owns the data directory, and only one process may.
    return warn(
      NAME,
      `a running jitbot holds ${where}, so doctor cannot open it while that jitbot runs`,
      'ask the running jitbot instead: GET /readyz answers 200 when its database is reachable and migrated',
    );
  }
  // A refused TLS connection already says what is wrong and which bundle or host to fix.
  if (error instanceof DatabaseTlsError) return fail(NAME, error.problem, error.fix);
  if (isUserFacingError(error) && error.code === 'database_unreachable' && env.DATABASE_URL) {
    return fail(
      NAME,
      `could not connect to PostgreSQL at ${where} (DATABASE_URL): ${describeError(error.cause)}`,
      'check that the server is running and that the host, port, database, user and password in DATABASE_URL are right',
    );
  }
  const fix = env.DATABASE_URL ? 'check DATABASE_URL' : 'or set DATABASE_URL to use a PostgreSQL server';
  return fail(NAME, `could not open ${where}: ${describeError(error)}`, fix);
}

function migrationLines(status: MigrationStatus): CheckLine[] {
  const total = status.applied.length + status.pending.length + status.edited.length;
  const lines: CheckLine[] = [];
  if (status.pending.length > 0) {
    lines.push(
      fail(
        MIGRATIONS,
        `${status.pending.length} of ${total} not applied: ${status.pending.join(', ')}`,
        'run `jitbot migrate` (docker compose run --rm jitbot migrate), or start jitbot: it applies them at start-up',
      ),
    );
  }
  if (status.edited.length > 0) {
    lines.push(
      fail(
        MIGRATIONS,
        `changed after they were applied to this database: ${status.edited.join(', ')}`,
        'restore those files as they were applied (deploy the matching jitbot version) and put changes in a new migration',
      ),
    );
  }
  if (status.unknown.length > 0) {
    lines.push(
      warn(
        MIGRATIONS,
        `the database has migrations this jitbot does not know (${status.unknown.join(', ')}): a newer jitbot ran against it`,
        'run the newer jitbot version, or give this one its own database',
      ),
    );
  }
  if (lines.length === 0) lines.push(pass(MIGRATIONS, `all ${total} applied`));
  return lines;
}

/** Connects without migrating: the doctor reports what is pending instead of applying it. */
export async function checkDatabase(env: Env, logger: Logger, timeoutMs: number): Promise<CheckLine[]> {
  const where = env.DATABASE_URL
    ? describeDatabaseUrl(env.DATABASE_URL)
    : `the embedded database in ${resolve(env.JITBOT_DATA_DIR)}`;
  const ms = env.DATABASE_URL ? timeoutMs : Math.max(timeoutMs, EMBEDDED_START_MS);
  let database: Database;
  try {
    const close = (late: Database) => void late.close().catch(() => undefined);
    database = await withDeadline(openDatabase(env, logger, { migrate: false }), ms, close);
  } catch (error) {
    return [openFailure(error, env, where, ms)];
  }
  try {
    const status = await withDeadline(migrationStatus(database.pool, readMigrations(MIGRATIONS_DIR)), ms);
    return [pass(NAME, `reachable at ${database.location}`), ...migrationLines(status)];
  } catch (error) {
    return [openFailure(error, env, where, ms)];
  } finally {
    await database.close().catch(() => undefined);
  }
}
