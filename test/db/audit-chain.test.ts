/**
 * The audit chain against PostgreSQL: events linked in one order whatever commits when, writers
 * that never wait for it, the migration that links the events already there, the daily
 * checkpoint claimed once, and the background source that runs it all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { nextChainRunDue, readChainHead } from '../../src/db/audit-chain-repository.js';
import { migrate, readMigrations } from '../../src/db/migrations.js';
import { chainInput } from '../../src/domain/audit-hash.js';
import { createAuditChainSource } from '../../src/jobs/audit-chain-source.js';
import { createLogger } from '../../src/log/logger.js';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { chainAuditEvents, checkpointDue } from '../../src/workflow/audit-chain.js';
import { verifyAuditChain } from '../../src/workflow/verify-audit-chain.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { chainAll, chainedEventIds, recordEvent } from './audit-chain-steps.js';

const databases: TestDatabase[] = [];
async function freshDatabase(migrated = true): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrated });
  databases.push(database);
  return database;
}
afterAll(() => Promise.all(databases.map((database) => database.drop())));

describe('chaining audit events', () => {
  it('waits for a lower id that commits after a higher one, and links both in id order', async () => {
    const { pool } = await freshDatabase();
    const slow = await pool.connect();
    await slow.query('BEGIN');
    const low = await recordEvent(slow);
    const high = await recordEvent(pool);

    const early = await chainAuditEvents({ pool }, { intervalSeconds: 0 });
    expect(early).toMatchObject({ claimed: true, chained: 0 });
    expect(await chainedEventIds(pool)).toEqual([]);

    await slow.query('COMMIT');
    slow.release();
    await chainAll(pool);
    expect(low).toBeLessThan(high);
    expect(await chainedEventIds(pool)).toEqual([low, high]);
    expect((await verifyAuditChain(pool)).broken).toBeUndefined();
  });

  it('hands an audit id only to a transaction that already has a transaction id, so a snapshot lists it', async () => {
    const { pool } = await freshDatabase();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const before = await client.query('SELECT pg_current_xact_id_if_assigned() AS xid');
      expect(before.rows[0].xid).toBeNull();
      await client.query('SELECT audit_event_next_id()');
      const after = await client.query('SELECT pg_current_xact_id_if_assigned() AS xid');
      expect(after.rows[0].xid).not.toBeNull();
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('skips ids burnt by a rolled-back insert without waiting for them', async () => {
    const { pool } = await freshDatabase();
    const kept = await recordEvent(pool);
    const client = await pool.connect();
    await client.query('BEGIN');
    const burnt = await recordEvent(client);
    await client.query('ROLLBACK');
    client.release();
    const after = await recordEvent(pool);
    await chainAll(pool);
    expect(await chainedEventIds(pool)).toEqual([kept, after]);
    expect(burnt).toBe(kept + 1);
  });

  it('links every event once, in id order, with two writers and two chainers at work together', async () => {
    const { pool } = await freshDatabase();
    let writing = true;
    async function writer(name: string): Promise<void> {
      for (let round = 0; round < 40; round += 1) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (let index = 0; index < 3; index += 1) await recordEvent(client, { actor: name });
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    }
    async function chainer(): Promise<number> {
      let runs = 0;
      while (writing) {
        const outcome = await chainAuditEvents({ pool }, { intervalSeconds: 0, batch: 50 });
        if (outcome.claimed) runs += 1;
      }
      return runs;
    }
    const chainers = Promise.all([chainer(), chainer()]);
    await Promise.all([writer('U1'), writer('U2')]);
    writing = false;
    const runs = await chainers;
    await chainAll(pool);

    const { rows } = await pool.query<{ id: number }>('SELECT id::int FROM audit_events ORDER BY id');
    expect(rows).toHaveLength(240);
    expect(await chainedEventIds(pool)).toEqual(rows.map((row) => row.id));
    expect(runs[0] + runs[1]).toBeGreaterThan(1);
    const report = await verifyAuditChain(pool);
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBe(240);
  });

  it('never makes a writer wait, even while the chain tables are locked', async () => {
    const { pool } = await freshDatabase();
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query(
      'LOCK TABLE audit_chain, audit_chain_runs, audit_checkpoints IN ACCESS EXCLUSIVE MODE',
    );
    const writer = await pool.connect();
    try {
      await writer.query("SET lock_timeout = '200ms'");
      await expect(recordEvent(writer)).resolves.toBeGreaterThan(0);
    } finally {
      await writer.query('RESET lock_timeout');
      writer.release();
      await holder.query('ROLLBACK');
      holder.release();
    }
  });
});

describe('the migration', () => {
  it('links the events written before it, with the very hashes jitbot computes', async () => {
    const database = await freshDatabase(false);
    const { pool } = database;
    const all = readMigrations(MIGRATIONS_DIR);
    await migrate(
      pool,
      all.filter((migration) => migration.version < 13),
    );
    await pool.query(
      `INSERT INTO audit_events (actor, action, outcome, request_id, grant_id, target_id, details) VALUES
         ('U1', 'request.submitted', 'ok', 'REQ-1', NULL, 'prod-admin', '{"reason": "fix\\nthe outage", "b": 1.50}'),
         ('jitbot', 'aws.AddUserToGroup', 'error', NULL, 'GNT-1', NULL, '{"error": "Zugriff verweigert: ü, 日本", "n": 12345678901234567890123}'),
         ('U2', 'grant.revoked', 'refused', '', '', '', '{"z": {"b": [1, "2", null, true], "a": {}}, "aa": ""}')`,
    );
    await pool.query(
      'BEGIN; INSERT INTO audit_events (actor, action, outcome) VALUES ($$U3$$, $$x$$, $$ok$$); ROLLBACK',
    );
    await migrate(pool, all);

    const report = await verifyAuditChain(pool);
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBe(3);
    const { rows } = await pool.query<{
      sql: string;
      seq: string;
      prevHash: string;
      id: string;
      occurredAt: string;
    }>(
      `SELECT audit_chain_input(c.seq, c.prev_hash, e) AS sql, c.seq::text AS seq, c.prev_hash AS "prevHash",
              e.id::text AS id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
              e.actor, e.action, e.outcome, e.request_id AS "requestId", e.grant_id AS "grantId",
              e.target_id AS "targetId", e.details::text AS details
         FROM audit_chain c JOIN audit_events e ON e.id = c.event_id ORDER BY c.seq`,
    );
    for (const { sql, seq, prevHash, ...event } of rows)
      expect(chainInput({ seq: Number(seq), prevHash, event: event as never })).toBe(sql);

    // The chain goes on from there; the burnt id is not waited for.
    const next = await recordEvent(pool);
    await chainAll(pool);
    expect(await chainedEventIds(pool)).toEqual([1, 2, 3, next]);
    expect(next).toBe(5);
    expect((await verifyAuditChain(pool)).broken).toBeUndefined();
  });
});

describe('the daily checkpoint', () => {
  it('is claimed once across replicas, with the head to announce inside the claim', async () => {
    const { pool } = await freshDatabase();
    await recordEvent(pool);
    await recordEvent(pool);
    await chainAll(pool);
    const announced: { seq: number; hash: string }[] = [];
    const deps = {
      pool,
      announce: async (
        tx: { query: (sql: string) => Promise<unknown> },
        head: { seq: number; hash: string },
      ) => {
        await tx.query('SELECT 1');
        announced.push({ seq: head.seq, hash: head.hash });
      },
    };
    const heads = await Promise.all([checkpointDue(deps), checkpointDue(deps)]);
    const head = await readChainHead(pool);
    expect(heads.filter(Boolean)).toEqual([head]);
    expect(announced).toEqual([{ seq: 2, hash: head?.hash }]);
    expect(await checkpointDue(deps)).toBeUndefined();

    const { rows } = await pool.query(
      `SELECT last_seq::int, last_hash, next_at > now() + interval '23 hours' AS tomorrow FROM audit_checkpoints`,
    );
    expect(rows).toEqual([{ last_seq: 2, last_hash: head?.hash, tomorrow: true }]);
    await pool.query("UPDATE audit_checkpoints SET next_at = now() - interval '1 second'");
    expect(await checkpointDue(deps)).toEqual(head);
  });
});

describe('the background source', () => {
  it('links new events, logs the checkpoint, and sleeps while nothing waits', async () => {
    const { pool } = await freshDatabase();
    const lines: { msg: string; seq?: number }[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const source = createAuditChainSource({ pool, logger }, { intervalSeconds: 0, checkpointPollMs: 0 });
    const first = await recordEvent(pool);

    await expect
      .poll(
        async () => {
          await source.runDue();
          return lines.some((line) => line.msg.startsWith('audit chain checkpoint'));
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(await chainedEventIds(pool)).toEqual([first]);
    const head = await readChainHead(pool);
    expect(lines.map((line) => line.msg)).toContain(
      `audit chain checkpoint: seq 1, hash ${head?.hash}, chained at ${head?.chainedAt.toISOString()}; ` +
        `check it later with: jitbot audit verify --checkpoint 1:${head?.hash}`,
    );
    await expect.poll(() => nextChainRunDue(pool), { timeout: 15_000 }).toBeUndefined();
    const idle = await source.nextDueAt();
    expect(idle?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);

    await recordEvent(pool);
    const due = await source.nextDueAt();
    expect(due?.getTime()).toBeLessThan(Date.now() + 3_000);
  });
});
