/**
 * The audit sink's SQL: its cursor per destination (audit_sink_cursors) and the chained events it
 * ships, read as `jitbot audit export` reads them.
 */
import type { ExportedEvent } from './audit-export-repository.js';
import type { Queryable } from './pool.js';

export interface SinkCursor {
  /** Every link up to here is in the bucket. */
  readonly shippedUpto: number;
  /** The last seq of the batch chosen and not yet confirmed written; undefined: none. */
  readonly pendingUpto: number | undefined;
  /** Failed tries of the pending batch in a row. */
  readonly attempts: number;
}

export interface SinkStatus extends SinkCursor {
  readonly nextRunAt: Date;
  readonly lastError: string | null;
  readonly lastObjectKey: string | null;
  readonly lastShippedAt: Date | null;
}

/** One link of the chain with its event; event undefined when the audit row is gone. */
export interface ChainedRow {
  readonly seq: number;
  readonly eventId: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly event: ExportedEvent | undefined;
}

/** The destination's row, made once; a replica that finds it there already changes nothing. */
export async function ensureSinkCursor(db: Queryable, destination: string): Promise<void> {
  await db.query('INSERT INTO audit_sink_cursors (destination) VALUES ($1) ON CONFLICT DO NOTHING', [
    destination,
  ]);
}

/** The cursor, locked for this transaction; undefined while another replica holds it or it is not due. */
export async function claimSinkCursor(tx: Queryable, destination: string): Promise<SinkCursor | undefined> {
  const { rows } = await tx.query<{ shipped: string; pending: string | null; attempts: number }>(
    `SELECT shipped_upto AS shipped, pending_upto AS pending, attempts FROM audit_sink_cursors
      WHERE destination = $1 AND next_run_at <= now() FOR UPDATE SKIP LOCKED`,
    [destination],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    shippedUpto: Number(row.shipped),
    pendingUpto: row.pending === null ? undefined : Number(row.pending),
    attempts: row.attempts,
  };
}

/**
 * Saves the batch about to be written (its last seq) and holds the cursor for `leaseSeconds`:
 * long enough for the PUT and its retries, after which another replica may write it again.
 */
export async function holdSinkBatch(
  tx: Queryable,
  destination: string,
  pendingUpto: number,
  leaseSeconds: number,
): Promise<void> {
  await tx.query(
    `UPDATE audit_sink_cursors
        SET pending_upto = $2, next_run_at = now() + make_interval(secs => $3), updated_at = now()
      WHERE destination = $1`,
    [destination, pendingUpto, leaseSeconds],
  );
}

/** Nothing to ship: come back in `seconds`. */
export async function idleSinkCursor(tx: Queryable, destination: string, seconds: number): Promise<void> {
  await tx.query(
    `UPDATE audit_sink_cursors SET next_run_at = now() + make_interval(secs => $2), updated_at = now()
      WHERE destination = $1`,
    [destination, seconds],
  );
}

/**
 * The batch up to `lastSeq` is in the bucket: the cursor moves past it. False when another
 * replica got there first (this one's lease ran out while it wrote the same object).
 */
export async function confirmSinkBatch(
  db: Queryable,
  destination: string,
  batch: { readonly lastSeq: number; readonly key: string },
  nextRunInSeconds: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE audit_sink_cursors
        SET shipped_upto = pending_upto, pending_upto = NULL, attempts = 0, last_error = NULL,
            last_object_key = $3, last_shipped_at = now(), updated_at = now(),
            next_run_at = now() + make_interval(secs => $4)
      WHERE destination = $1 AND pending_upto = $2`,
    [destination, batch.lastSeq, batch.key, nextRunInSeconds],
  );
  return rowCount === 1;
}

/** The PUT failed: the batch stays pending, tried again after `retryInMs`, the reason kept. */
export async function failSinkBatch(
  db: Queryable,
  destination: string,
  lastSeq: number,
  reason: string,
  retryInMs: number,
): Promise<void> {
  await db.query(
    `UPDATE audit_sink_cursors
        SET attempts = attempts + 1, last_error = $3, updated_at = now(),
            next_run_at = now() + make_interval(secs => $4)
      WHERE destination = $1 AND pending_upto = $2`,
    [destination, lastSeq, reason, retryInMs / 1000],
  );
}

export async function readSinkStatus(db: Queryable, destination: string): Promise<SinkStatus | undefined> {
  const { rows } = await db.query<{
    shipped: string;
    pending: string | null;
    attempts: number;
    nextRunAt: Date;
    lastError: string | null;
    lastObjectKey: string | null;
    lastShippedAt: Date | null;
  }>(
    `SELECT shipped_upto AS shipped, pending_upto AS pending, attempts, next_run_at AS "nextRunAt",
            last_error AS "lastError", last_object_key AS "lastObjectKey", last_shipped_at AS "lastShippedAt"
       FROM audit_sink_cursors WHERE destination = $1`,
    [destination],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { shipped, pending, ...rest } = row;
  return {
    ...rest,
    shippedUpto: Number(shipped),
    pendingUpto: pending === null ? undefined : Number(pending),
  };
}

/** When the sink is next due; undefined while every link is shipped. */
export async function nextSinkRunDue(db: Queryable, destination: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ due: Date }>(
    `SELECT c.next_run_at AS due FROM audit_sink_cursors c
      WHERE c.destination = $1
        AND (c.pending_upto IS NOT NULL OR (SELECT max(seq) FROM audit_chain) > c.shipped_upto)`,
    [destination],
  );
  return rows[0]?.due;
}

/**
 * The links after `after`, up to `upTo` when given, at most `limit`, in seq order, each with its
 * event in the columns of `jitbot audit export` (audit-export-repository.ts: keep them the same).
 */
export async function listChainedRows(
  db: Queryable,
  range: { readonly after: number; readonly upTo?: number },
  limit: number,
): Promise<ChainedRow[]> {
  const { rows } = await db.query<
    {
      seq: string;
      eventId: string;
      prevHash: string;
      hash: string;
      id: string | null;
    } & Omit<ExportedEvent, 'id'>
  >(
    `SELECT c.seq::text AS seq, c.event_id::text AS "eventId", c.prev_hash AS "prevHash", c.hash,
            e.id::text AS id,
            to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
            e.actor, e.action, e.outcome, e.request_id AS "requestId", e.grant_id AS "grantId",
            e.target_id AS "targetId", NULLIF(e.details->>'account', '') AS account,
            NULLIF(e.details->>'resource', '') AS resource, NULLIF(e.details->>'principal', '') AS principal,
            NULLIF(e.details->>'providerRequestId', '') AS "providerRequestId", e.details::text AS details
       FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
      WHERE c.seq > $1 AND ($2::bigint IS NULL OR c.seq <= $2)
      ORDER BY c.seq LIMIT $3`,
    [range.after, range.upTo ?? null, limit],
  );
  return rows.map(({ seq, eventId, prevHash, hash, id, ...event }) => ({
    seq: Number(seq),
    eventId,
    prevHash,
    hash,
    event: id === null ? undefined : { id, ...event },
  }));
}
