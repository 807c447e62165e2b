/**
 * The audit chain's SQL: the links (audit_chain), the chainer's claim and open window
 * (audit_chain_runs), and the daily checkpoint's due time. What verify reads is in
 * audit-chain-verify-repository.ts.
 */
import type { ChainedEvent, ChainPosition, NewLink } from '../domain/audit-hash.js';
import { type Queryable, readDueTime } from './pool.js';

/**
 * An audit_events row (as `e`) in the text forms the hash covers (src/domain/audit-hash.ts): the
 * same expressions as audit_chain_input() in migrations/0013_audit_chain.sql.
 */
export const EVENT_TEXT = `e.id::text AS id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
  e.actor, e.action, e.outcome, e.request_id AS "requestId", e.grant_id AS "grantId",
  e.target_id AS "targetId", e.details::text AS details`;

/** The last id the sequence handed out; 0 before the first. */
const LAST_ALLOCATED_ID = 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_events_id_seq';

export interface ChainHead extends ChainPosition {
  readonly chainedAt: Date;
}

export async function readChainHead(db: Queryable): Promise<ChainHead | undefined> {
  const { rows } = await db.query<{ seq: string; hash: string; eventId: string; chainedAt: Date }>(
    `SELECT seq, hash, event_id AS "eventId", chained_at AS "chainedAt"
       FROM audit_chain ORDER BY seq DESC LIMIT 1`,
  );
  const row = rows[0];
  return (
    row && { seq: Number(row.seq), hash: row.hash, eventId: Number(row.eventId), chainedAt: row.chainedAt }
  );
}

/**
 * Ids handed out up to `upTo`, read before the transaction `xid` had its transaction id: every
 * transaction holding one of them has an older transaction id (see audit_event_next_id() in
 * migrations/0013_audit_chain.sql).
 */
export interface ChainWindow {
  readonly upTo: number;
  readonly xid: string;
}

export interface ChainRun {
  /** Every id up to here is chained, or was never committed and never will be. */
  readonly settledUpto: number;
  readonly pending: ChainWindow | undefined;
}

/** The last id handed out; 0 before the first. Read before this transaction has a transaction id. */
export async function readLastAllocatedId(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ upTo: string }>(`SELECT (${LAST_ALLOCATED_ID}) AS "upTo"`);
  return Number(rows[0]?.upTo ?? 0);
}

/** This transaction's id, assigned now if it has none yet. */
export async function currentTransactionId(tx: Queryable): Promise<string> {
  const { rows } = await tx.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  const xid = rows[0]?.xid;
  if (!xid) throw new Error('PostgreSQL gave no transaction id');
  return xid;
}

/** The chainer's row, locked for this transaction; undefined while another replica holds it or it is not due. */
export async function claimChainRun(tx: Queryable): Promise<ChainRun | undefined> {
  const { rows } = await tx.query<{ settled: string; upTo: string | null; xid: string | null }>(
    `SELECT settled_upto AS settled, pending_upto AS "upTo", pending_xid::text AS xid
       FROM audit_chain_runs WHERE id = 1 AND next_run_at <= now() FOR UPDATE SKIP LOCKED`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const pending =
    row.upTo === null || row.xid === null ? undefined : { upTo: Number(row.upTo), xid: row.xid };
  return { settledUpto: Number(row.settled), pending };
}

export async function saveChainRun(tx: Queryable, run: ChainRun, nextRunInSeconds: number): Promise<void> {
  await tx.query(
    `UPDATE audit_chain_runs
        SET settled_upto = $1, pending_upto = $2, pending_xid = $3::xid8,
            next_run_at = now() + make_interval(secs => $4)
      WHERE id = 1`,
    [run.settledUpto, run.pending?.upTo ?? null, run.pending?.xid ?? null, nextRunInSeconds],
  );
}

/**
 * Whether every transaction older than the window's has ended: then each id in it is committed,
 * and visible to the statements after this one, or never will be. A snapshot's xmin is the oldest
 * transaction still running anywhere on the server (or, when none is, one past the newest ended).
 */
export async function chainWindowSettled(tx: Queryable, window: ChainWindow): Promise<boolean> {
  const { rows } = await tx.query<{ settled: boolean }>(
    'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS settled',
    [window.xid],
  );
  return rows[0]?.settled === true;
}

/** The committed events with an id in (after, upTo], in id order. */
export async function listEventsToChain(
  db: Queryable,
  range: { readonly after: number; readonly upTo: number },
  limit: number,
): Promise<ChainedEvent[]> {
  const { rows } = await db.query<ChainedEvent>(
    `SELECT ${EVENT_TEXT} FROM audit_events e WHERE e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3`,
    [range.after, range.upTo, limit],
  );
  return rows;
}

export async function appendLinks(tx: Queryable, links: readonly NewLink[]): Promise<void> {
  if (links.length === 0) return;
  await tx.query(
    `INSERT INTO audit_chain (seq, event_id, prev_hash, hash)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])`,
    [
      links.map((link) => link.seq),
      links.map((link) => link.eventId),
      links.map((link) => link.prevHash),
      links.map((link) => link.hash),
    ],
  );
}

/** When the chainer is next due; undefined while no id is waiting to be chained. */
export function nextChainRunDue(db: Queryable): Promise<Date | undefined> {
  return readDueTime(
    db,
    `SELECT r.next_run_at AS due FROM audit_chain_runs r
      WHERE r.id = 1 AND (r.pending_upto IS NOT NULL OR (${LAST_ALLOCATED_ID}) > r.settled_upto)`,
  );
}

/** Takes today's checkpoint: true for the one replica that got it, and the next is due in a day. */
export async function claimCheckpoint(tx: Queryable): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE audit_checkpoints SET next_at = now() + interval '1 day'
      WHERE id = (SELECT id FROM audit_checkpoints WHERE id = 1 AND next_at <= now() FOR UPDATE SKIP LOCKED)`,
  );
  return rowCount === 1;
}

export async function recordCheckpoint(tx: Queryable, head: ChainHead): Promise<void> {
  await tx.query('UPDATE audit_checkpoints SET last_seq = $1, last_hash = $2, last_at = now() WHERE id = 1', [
    head.seq,
    head.hash,
  ]);
}

export function nextCheckpointDue(db: Queryable): Promise<Date | undefined> {
  return readDueTime(db, 'SELECT next_at AS due FROM audit_checkpoints WHERE id = 1');
}
