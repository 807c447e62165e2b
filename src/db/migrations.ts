import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { describeError, UserFacingError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type Queryable, whileHeld } from './pool.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sql: string;
  readonly checksum: string;
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** One fixed key: every replica that starts at the same moment queues on it, so one migrates. */
const MIGRATION_LOCK_KEY = 7_246_051_001;

export function checksumOf(sql: string): string {
  // Line endings are normalised so a checkout with CRLF does not look like an edited migration.
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export function readMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match?.[1] || !match[2]) {
      throw new UserFacingError(
        'migration_failed',
        `${join(dir, file)} is not named like a migration: use NNNN_name.sql, e.g. 0002_add_reminders.sql`,
      );
    }
    const version = Number(match[1]);
    const previous = migrations.at(-1);
    if (previous?.version === version) {
      throw new UserFacingError(
        'migration_failed',
        `migrations ${previous.file} and ${file} share the number ${match[1]}: renumber the newer one`,
      );
    }
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({ version, name: match[2], file, sql, checksum: checksumOf(sql) });
  }
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function ensureLedger(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS jitbot_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
}

async function readApplied(client: Queryable): Promise<Map<number, AppliedRow>> {
  const { rows } = await client.query<AppliedRow>('SELECT version, name, checksum FROM jitbot_migrations');
  return new Map(rows.map((row) => [row.version, row]));
}

function refuseEdited(migration: Migration, applied: AppliedRow): never {
  throw new UserFacingError(
    'migration_edited',
    `migrations/${migration.file} was changed after it was applied to this database ` +
      `(recorded checksum ${applied.checksum.slice(0, 12)}, file now ${migration.checksum.slice(0, 12)}). ` +
      'Applied migrations must not change: restore the file and put the change in a new migration.',
  );
}

async function applyOne(client: pg.ClientBase, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO jitbot_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new UserFacingError(
      'migration_failed',
      `migration ${migration.file} failed and was rolled back: ${describeError(error)}`,
      { cause: error },
    );
  }
}

export interface MigrationResult {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

/**
 * Applies the pending migrations in order, each in its own transaction, under one advisory lock
 * so replicas starting together migrate once. Refuses to run when an applied file was edited.
 */
export async function migrate(
  pool: pg.Pool,
  migrations: Migration[],
  logger?: Logger,
): Promise<MigrationResult> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const stopWatching = whileHeld(client, (error) => {
    lost = error;
  });
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await ensureLedger(client);
      const applied = await readApplied(client);
      const done: string[] = [];
      for (const migration of migrations) {
        const existing = applied.get(migration.version);
        if (existing) {
          if (existing.checksum !== migration.checksum) refuseEdited(migration, existing);
          continue;
        }
        await applyOne(client, migration);
        logger?.info({ migration: migration.file }, 'applied migration');
        done.push(migration.file);
      }
      const known = new Set(migrations.map((migration) => migration.version));
      const unknown = [...applied.values()].filter((row) => !known.has(row.version));
      if (unknown.length > 0) {
        logger?.warn(
          { versions: unknown.map((row) => row.version) },
          'the database has migrations this jitbot version does not know: a newer version has run against it',
        );
      }
      return { applied: done, alreadyApplied: migrations.length - done.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    stopWatching();
    client.release(lost);
  }
}

/** Versions in `migrations` not yet recorded as applied; used by /readyz. */
export async function pendingMigrations(pool: pg.Pool, migrations: Migration[]): Promise<number[]> {
  const { rows } = await pool.query<{ exists: boolean }>(
    "SELECT to_regclass('jitbot_migrations') IS NOT NULL AS exists",
  );
  if (!rows[0]?.exists) return migrations.map((migration) => migration.version);
  const applied = await readApplied(pool);
  return migrations
    .filter((migration) => !applied.has(migration.version))
    .map((migration) => migration.version);
}

export interface MigrationStatus {
  /** Files recorded as applied with the checksum they still have. */
  readonly applied: string[];
  readonly pending: string[];
  /** Files recorded as applied whose contents changed since: `migrate` refuses to run. */
  readonly edited: string[];
  /** Versions recorded in the database that these files do not have: a newer jitbot ran here. */
  readonly unknown: number[];
}

/**
 * What `migrate` would find, without applying anything, creating the ledger or taking the lock:
 * for `jitbot doctor`, which reports the state of a database rather than changing it.
 */
export async function migrationStatus(db: Queryable, migrations: Migration[]): Promise<MigrationStatus> {
  const { rows } = await db.query<{ exists: boolean }>(
    "SELECT to_regclass('jitbot_migrations') IS NOT NULL AS exists",
  );
  const applied = rows[0]?.exists ? await readApplied(db) : new Map<number, AppliedRow>();
  const status = { applied: [] as string[], pending: [] as string[], edited: [] as string[] };
  for (const migration of migrations) {
    const row = applied.get(migration.version);
    if (row === undefined) status.pending.push(migration.file);
    else if (row.checksum !== migration.checksum) status.edited.push(migration.file);
    else status.applied.push(migration.file);
  }
  const known = new Set(migrations.map((migration) => migration.version));
  const unknown = [...applied.keys()].filter((version) => !known.has(version)).sort((a, b) => a - b);
  return { ...status, unknown };
}
