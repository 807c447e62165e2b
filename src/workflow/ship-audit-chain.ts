/**
 * Ships the audit chain to the audit sink (AUDIT_SINK, docs/audit-sink.md) in JSON Lines batches,
 * one object per batch, at least once, one replica at a time.
 *
 * Order, and why: a replica claims the cursor (FOR UPDATE SKIP LOCKED), chooses the batch and
 * saves its last seq as pending, with a lease, in one short transaction; then writes the object;
 * then moves the cursor past it. The batch is saved before the PUT, not chosen again after a
 * failure: a retry, by this replica or another once the lease has run out, reads the very same
 * links and writes the same bytes under the same key, however many were chained since. A crash
 * between the PUT and the cursor's move therefore rewrites an identical object, never a wider
 * one that overlaps it, and never leaves a gap. No transaction stays open across the PUT: a slow
 * bucket holds no database connection and no lock that the chainer would wait for.
 */
import type pg from 'pg';
import { jsonlLine } from '../audit-export-format.js';
import {
  type ChainedRow,
  claimSinkCursor,
  confirmSinkBatch,
  ensureSinkCursor,
  failSinkBatch,
  holdSinkBatch,
  idleSinkCursor,
  listChainedRows,
} from '../db/audit-sink-repository.js';
import { inTransaction } from '../db/pool.js';
import { backoffMs } from '../domain/backoff.js';
import { describeError } from '../errors.js';

/** One batch as an object: `lines` JSON Lines in `body`, links firstSeq..lastSeq. */
export interface AuditSinkObject {
  readonly key: string;
  readonly body: Buffer;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** The hash the first line follows: the last line of the object before (64 zeros for seq 1). */
  readonly prevHash: string;
  /** The hash of the last line: the chain's head as far as this object goes. */
  readonly headHash: string;
  readonly lines: number;
}

/** Where batches go (S3: src/aws/s3-audit-sink.ts). put() throws with the reason in words. */
export interface AuditSink {
  /** `s3://bucket/prefix` as configured: names the cursor. */
  readonly destination: string;
  /** Key prefix without slashes at either end; '' for the bucket's root. */
  readonly prefix: string;
  put(object: AuditSinkObject): Promise<void>;
}

export interface ShipDeps {
  readonly pool: pg.Pool;
  readonly sink: AuditSink;
}

export interface ShipOptions {
  /** Most links in one object. */
  readonly maxRows?: number;
  /** Most bytes in one object (a single larger line still goes, alone). */
  readonly maxBytes?: number;
  /** Seconds between runs while links wait, so an object holds a few seconds of events. */
  readonly intervalSeconds?: number;
  /** How long a replica holds a pending batch while it writes; past it another may write it again. */
  readonly leaseSeconds?: number;
  /** Longest wait between failed tries. */
  readonly retryCapMs?: number;
  readonly random?: () => number;
}

export const SINK_DEFAULTS = {
  maxRows: 5000,
  maxBytes: 5 * 1024 * 1024,
  intervalSeconds: 10,
  // Longer than the S3 client's tries take at worst (3 tries of at most 30 s each, plus backoff).
  leaseSeconds: 120,
  retryCapMs: 5 * 60_000,
} as const;

export interface ClaimedBatch {
  readonly object: AuditSinkObject;
  /** Tries of this batch that failed before. */
  readonly attempts: number;
  /** More links may wait after it: run again at once once it is written. */
  readonly more: boolean;
  /** Links whose audit row was not found (removed behind jitbot's back): shipped as such. */
  readonly missing: readonly number[];
}

export type ClaimOutcome =
  | { readonly claimed: false }
  | { readonly claimed: true; readonly batch?: ClaimedBatch };

export type WriteOutcome =
  | { readonly ok: true; readonly key: string; readonly lines: number }
  | { readonly ok: false; readonly reason: string; readonly attempts: number; readonly retryInMs: number };

const SEQ_DIGITS = 12;

/** `<prefix>/<first seq>-<last seq>-<head hash>.jsonl`, seqs zero-padded so keys sort in chain order. */
export function objectKey(prefix: string, firstSeq: number, lastSeq: number, headHash: string): string {
  const pad = (seq: number) => String(seq).padStart(SEQ_DIGITS, '0');
  return `${prefix === '' ? '' : `${prefix}/`}${pad(firstSeq)}-${pad(lastSeq)}-${headHash}.jsonl`;
}

/**
 * One line: the link (chain_seq, prev_hash, hash), then the event exactly as `jitbot audit export
 * --format jsonl` writes it, details last as PostgreSQL wrote them, which is the text the hash covers.
 */
export function sinkLine(row: ChainedRow): string {
  const link = `{"chain_seq":${row.seq},"prev_hash":"${row.prevHash}","hash":"${row.hash}",`;
  if (!row.event) return `${link}"id":${Number(row.eventId)},"event_missing":true}\n`;
  return `${link}${jsonlLine(row.event).slice(1)}`;
}

/** The rows that fit in `maxBytes` (at least one) as an object under `prefix`. */
export function renderBatch(prefix: string, rows: readonly ChainedRow[], maxBytes: number): AuditSinkObject {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (const row of rows) {
    const line = Buffer.from(sinkLine(row), 'utf8');
    if (chunks.length > 0 && bytes + line.length > maxBytes) break;
    chunks.push(line);
    bytes += line.length;
  }
  const first = rows[0];
  const last = rows[chunks.length - 1];
  if (!first || !last) throw new Error('renderBatch needs at least one row');
  return {
    key: objectKey(prefix, first.seq, last.seq, last.hash),
    body: Buffer.concat(chunks, bytes),
    firstSeq: first.seq,
    lastSeq: last.seq,
    prevHash: first.prevHash,
    headHash: last.hash,
    lines: chunks.length,
  };
}

/** Makes the destination's cursor if it is new (a first start, or AUDIT_SINK pointed elsewhere). */
export function prepareSink(deps: ShipDeps): Promise<void> {
  return ensureSinkCursor(deps.pool, deps.sink.destination);
}

/**
 * Claims the cursor and returns the batch to write: the pending one again, or the next links.
 * Not claimed while another replica holds it or it is not due; claimed without a batch when every
 * link is shipped.
 */
export async function claimSinkBatch(deps: ShipDeps, options: ShipOptions = {}): Promise<ClaimOutcome> {
  const { maxRows, maxBytes, intervalSeconds, leaseSeconds } = { ...SINK_DEFAULTS, ...options };
  const { destination, prefix } = deps.sink;
  return inTransaction(deps.pool, async (tx) => {
    const cursor = await claimSinkCursor(tx, destination);
    if (!cursor) return { claimed: false };
    const after = cursor.shippedUpto;
    const rows =
      cursor.pendingUpto === undefined
        ? await listChainedRows(tx, { after }, maxRows)
        : await listChainedRows(tx, { after, upTo: cursor.pendingUpto }, cursor.pendingUpto - after);
    if (rows.length === 0) {
      await idleSinkCursor(tx, destination, intervalSeconds);
      return { claimed: true };
    }
    // A pending batch is written again whole, whatever the limits say now: the same bytes.
    const object = renderBatch(prefix, rows, cursor.pendingUpto === undefined ? maxBytes : Infinity);
    await holdSinkBatch(tx, destination, object.lastSeq, leaseSeconds);
    const more = cursor.pendingUpto !== undefined || object.lines < rows.length || rows.length === maxRows;
    const missing = rows
      .slice(0, object.lines)
      .filter((row) => !row.event)
      .map((row) => row.seq);
    return { claimed: true, batch: { object, attempts: cursor.attempts, more, missing } };
  });
}

/** Writes the claimed batch and moves the cursor past it; on failure keeps it pending with the reason. */
export async function writeSinkBatch(
  deps: ShipDeps,
  batch: ClaimedBatch,
  options: ShipOptions = {},
): Promise<WriteOutcome> {
  const { intervalSeconds, retryCapMs } = { ...SINK_DEFAULTS, ...options };
  const { object } = batch;
  const { destination } = deps.sink;
  try {
    await deps.sink.put(object);
  } catch (error) {
    const attempts = batch.attempts + 1;
    const reason = describeError(error);
    const retryInMs = backoffMs(attempts, retryCapMs, options.random);
    await failSinkBatch(deps.pool, destination, object.lastSeq, reason, retryInMs);
    return { ok: false, reason, attempts, retryInMs };
  }
  await confirmSinkBatch(
    deps.pool,
    destination,
    { lastSeq: object.lastSeq, key: object.key },
    batch.more ? 0 : intervalSeconds,
  );
  return { ok: true, key: object.key, lines: object.lines };
}

/** One run, for one-off use and tests: prepare, claim, write, move the cursor. Undefined when not claimed or nothing waits. */
export async function shipAuditChain(
  deps: ShipDeps,
  options: ShipOptions = {},
): Promise<(WriteOutcome & { readonly more: boolean }) | undefined> {
  await prepareSink(deps);
  const claim = await claimSinkBatch(deps, options);
  if (!claim.claimed || !claim.batch) return undefined;
  return { ...(await writeSinkBatch(deps, claim.batch, options)), more: claim.batch.more };
}
