import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checksumOf, migrate, pendingMigrations, readMigrations } from '../../src/db/migrations.js';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'jitbot-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const TABLES = ['approvals', 'audit_events', 'grants', 'jobs', 'requests', 'slack_messages', 'slack_users'];

describe('migrations', () => {
  it('apply to an empty database and create every table', async () => {
    database = await createTestDatabase();
    const migrations = readMigrations(MIGRATIONS_DIR);
    const result = await migrate(database.pool, migrations);
    expect(result.applied).toEqual(migrations.map((migration) => migration.file));
    const { rows } = await database.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([...TABLES, 'jitbot_migrations']),
    );
    expect(await pendingMigrations(database.pool, migrations)).toEqual([]);
  });

  it('applying twice does nothing the second time', async () => {
    database = await createTestDatabase();
    const migrations = readMigrations(MIGRATIONS_DIR);
    await migrate(database.pool, migrations);
    const second = await migrate(database.pool, migrations);
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.length });
  });

  it('replicas migrating at the same moment apply each migration once', async () => {
    database = await createTestDatabase();
    const migrations = readMigrations(MIGRATIONS_DIR);
    const results = await Promise.all([1, 2, 3].map(() => migrate(database?.pool as never, migrations)));
    expect(results.flatMap((result) => result.applied)).toEqual(
      migrations.map((migration) => migration.file),
    );
  });

  it('refuses to start when an applied migration was edited, naming the file and the fix', async () => {
    database = await createTestDatabase();
    const original = migrationsDir({ '0001_first.sql': 'CREATE TABLE one (id int);' });
    await migrate(database.pool, readMigrations(original));
    const edited = migrationsDir({ '0001_first.sql': 'CREATE TABLE one (id bigint);' });
    await expect(migrate(database.pool, readMigrations(edited))).rejects.toThrow(
      /migrations\/0001_first\.sql was changed after it was applied.*restore the file and put the change in a new migration/,
    );
  });

  it('a failing migration rolls back entirely and names the file', async () => {
    database = await createTestDatabase();
    const dir = migrationsDir({
      '0001_broken.sql': 'CREATE TABLE half (id int); SELECT no_such_function();',
    });
    await expect(migrate(database.pool, readMigrations(dir))).rejects.toThrow(
      /0001_broken\.sql failed and was rolled back/,
    );
    const { rows } = await database.pool.query("SELECT to_regclass('half') AS half");
    expect(rows[0].half).toBeNull();
  });

  it('refuses files that are not named NNNN_name.sql, and duplicate numbers', () => {
    expect(() => readMigrations(migrationsDir({ 'add_things.sql': '' }))).toThrow(/use NNNN_name\.sql/);
    expect(() => readMigrations(migrationsDir({ '0002_a.sql': '', '0002_b.sql': '' }))).toThrow(
      /share the number 0002: renumber the newer one/,
    );
  });

  it('treats CRLF and LF checkouts of a migration as the same file', () => {
    expect(checksumOf('SELECT 1;\r\nSELECT 2;\r\n')).toBe(checksumOf('SELECT 1;\nSELECT 2;\n'));
  });
});

describe('0004: grants from before add_attempted existed', () => {
  it('keep being removed at expiry: every grant that was not pre-existing counts as possibly added', async () => {
    database = await createTestDatabase();
    const all = readMigrations(MIGRATIONS_DIR);
    await migrate(
      database.pool,
      all.filter((migration) => migration.version < 4),
    );
    await database.pool.query(
      `INSERT INTO requests (id, target_id, requester_id, duration_seconds, justification, status, decided_at)
       VALUES ('REQ-OLD', 'prod-admin', 'U1', 3600, 'an old request', 'approved', now())`,
    );
    await database.pool.query(
      `INSERT INTO grants (id, request_id, latest_request_id, target_id, resource, principal, requester_id,
                           status, pre_existing, expires_at, granted_at)
       VALUES ('GNT-JITBOT1', 'REQ-OLD', 'REQ-OLD', 'prod-admin', 'aws:1:group/a', 'alice', 'U1', 'active', false, now(), now()),
              ('GNT-KEPT0001', 'REQ-OLD', 'REQ-OLD', 'prod-admin', 'aws:1:group/b', 'alice', 'U1', 'active', true, now(), now())`,
    );
    await migrate(database.pool, all);
    const { rows } = await database.pool.query('SELECT id, add_attempted FROM grants ORDER BY id');
    expect(rows).toEqual([
      { id: 'GNT-JITBOT1', add_attempted: true },
      { id: 'GNT-KEPT0001', add_attempted: false },
    ]);
  });
});
