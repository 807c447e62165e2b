/**
 * `jitbot audit verify` against PostgreSQL, as an auditor uses it: it passes on an intact chain,
 * and after the owner drops the append-only triggers and edits, deletes or slips in a row, it
 * fails naming the row. What the chain alone cannot see (a chain rewritten after the edit, its end
 * cut off), a checkpoint taken earlier does.
 */
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { readChainHead } from '../../src/db/audit-chain-repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { chainAll, recordEvent, verifyCommand } from './audit-chain-steps.js';

const databases: TestDatabase[] = [];
afterAll(() => Promise.all(databases.map((database) => database.drop())));

/** A database whose log holds four chained events; their ids. */
async function chainedLog(): Promise<{ pool: pg.Pool; ids: number[] }> {
  const database = await createTestDatabase({ migrated: true });
  databases.push(database);
  const ids: number[] = [];
  for (const action of ['request.submitted', 'request.approved', 'grant.activated', 'grant.revoked'])
    ids.push(await recordEvent(database.pool, { action, details: { note: action } }));
  await chainAll(database.pool);
  return { pool: database.pool, ids };
}

/** What someone who owns the database can do: lift the append-only guards. */
async function dropGuards(pool: pg.Pool): Promise<void> {
  await pool.query('DROP TRIGGER audit_events_no_update_or_delete ON audit_events');
  await pool.query('DROP TRIGGER audit_chain_no_update_or_delete ON audit_chain');
}

function idAt(ids: number[], index: number): number {
  const id = ids[index];
  if (id === undefined) throw new Error(`no event ${index}`);
  return id;
}

describe('jitbot audit verify', () => {
  it('passes on an intact chain and names its head', async () => {
    const { pool } = await chainedLog();
    const head = await readChainHead(pool);
    const result = await verifyCommand(pool);
    expect(result).toEqual({
      code: 0,
      output: `audit chain intact: 4 links, seq 1 to 4, head hash ${head?.hash} (chained ${head?.chainedAt.toISOString()})`,
    });
    expect((await verifyCommand(pool, '--checkpoint', `4:${head?.hash}`)).code).toBe(0);
  });

  it('names an event edited after it was chained', async () => {
    const { pool, ids } = await chainedLog();
    await dropGuards(pool);
    await pool.query(`UPDATE audit_events SET details = '{"note": "nothing to see"}' WHERE id = $1`, [
      idAt(ids, 1),
    ]);
    const result = await verifyCommand(pool);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      `audit chain broken: seq 2: event id ${idAt(ids, 1)} was changed after it was chained (its hash no longer matches). ` +
        'Links up to seq 1 are sound.',
    );
    expect(result.output).toContain('compare it with a backup');
  });

  it('names an event deleted after it was chained', async () => {
    const { pool, ids } = await chainedLog();
    await dropGuards(pool);
    await pool.query('DELETE FROM audit_events WHERE id = $1', [idAt(ids, 2)]);
    const result = await verifyCommand(pool);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      `seq 3: event id ${idAt(ids, 2)} was deleted from audit_events after it was chained`,
    );
  });

  it('names a link deleted from the chain, with its event', async () => {
    const { pool, ids } = await chainedLog();
    await dropGuards(pool);
    await pool.query('DELETE FROM audit_chain WHERE seq = 2');
    await pool.query('DELETE FROM audit_events WHERE id = $1', [idAt(ids, 1)]);
    const result = await verifyCommand(pool);
    expect(result.code).toBe(1);
    expect(result.output).toContain('seq 2: the link is missing (the next one is seq 3)');
  });

  it('names an event slipped in behind the chain with an old id and an old time', async () => {
    const { pool } = await chainedLog();
    // An id the sequence handed out and a rolled-back insert left unused, below events chained since.
    const client = await pool.connect();
    await client.query('BEGIN');
    const unused = await recordEvent(client);
    await client.query('ROLLBACK');
    client.release();
    await recordEvent(pool);
    await chainAll(pool);
    expect((await verifyCommand(pool)).code).toBe(0);

    await pool.query(
      `INSERT INTO audit_events (id, occurred_at, actor, action, outcome, details)
       VALUES ($1, '2024-01-01T00:00:00Z', 'U9', 'grant.activated', 'ok', '{}')`,
      [unused],
    );
    await chainAll(pool);
    const result = await verifyCommand(pool);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      `audit chain broken: event id ${unused} (dated 2024-01-01T00:00:00.000Z) is not chained although the chain has passed its id: it was inserted out of order`,
    );
  });

  it('misses a chain rewritten from an edit onwards, unless given an earlier checkpoint', async () => {
    const { pool, ids } = await chainedLog();
    const checkpoint = await readChainHead(pool);
    await dropGuards(pool);
    await pool.query(`UPDATE audit_events SET actor = 'U2' WHERE id = $1`, [idAt(ids, 1)]);
    // The whole rest of the chain recomputed, link by link, as an attacker with the database can.
    for (let seq = 2; seq <= 4; seq += 1) {
      await pool.query(
        `UPDATE audit_chain c
            SET prev_hash = p.hash, hash = audit_chain_hash(c.seq, p.hash, e)
           FROM audit_chain p, audit_events e
          WHERE c.seq = $1 AND p.seq = $1 - 1 AND e.id = c.event_id`,
        [seq],
      );
    }
    expect((await verifyCommand(pool)).code).toBe(0);
    const result = await verifyCommand(pool, `--checkpoint=4:${checkpoint?.hash}`);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      `seq 4: the checkpoint says hash ${checkpoint?.hash}, the chain now has ${(await readChainHead(pool))?.hash}: ` +
        'the chain was rewritten since the checkpoint',
    );
  });

  it('misses links cut from the end of the chain, unless given an earlier checkpoint', async () => {
    const { pool, ids } = await chainedLog();
    const checkpoint = await readChainHead(pool);
    await dropGuards(pool);
    await pool.query('DELETE FROM audit_chain WHERE seq = 4');
    await pool.query('DELETE FROM audit_events WHERE id = $1', [idAt(ids, 3)]);
    expect((await verifyCommand(pool)).code).toBe(0);
    const result = await verifyCommand(pool, '--checkpoint', `4:${checkpoint?.hash}`);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      "the chain ends at seq 3, before the checkpoint's seq 4: links were cut from its end",
    );
  });

  it('reports events left unchained for more than a minute, and not the ones just written', async () => {
    const { pool } = await chainedLog();
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO audit_events (occurred_at, actor, action, outcome)
       VALUES (now() - interval '2 minutes', 'U1', 'request.submitted', 'ok') RETURNING id::int`,
    );
    await recordEvent(pool);
    const result = await verifyCommand(pool);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^audit chain intact: 4 links/);
    expect(result.output).toContain(
      `1 audit event has waited more than a minute to be chained (the oldest: id ${rows[0]?.id}, written `,
    );
    expect(result.output).toContain('start one (or look in its log for why it cannot), then verify again');
    await chainAll(pool);
    expect((await verifyCommand(pool)).code).toBe(0);
  });

  it.each([
    [['--checkpoint'], '--checkpoint takes SEQ:HASH as posted in the admin channel'],
    [['--checkpoint', '12:abc'], '--checkpoint takes SEQ:HASH as posted in the admin channel'],
    [['--since', '2025-01-01'], 'does not take "--since 2025-01-01": give nothing, or --checkpoint SEQ:HASH'],
  ])('refuses %j as a usage mistake, saying what it takes', async (args, words) => {
    const { pool } = await chainedLog();
    const result = await verifyCommand(pool, ...args);
    expect(result.code).toBe(2);
    expect(result.output).toContain(`jitbot audit verify: ${words}`);
    expect(result.output).toContain('jitbot audit verify [--checkpoint SEQ:HASH]');
  });
});
