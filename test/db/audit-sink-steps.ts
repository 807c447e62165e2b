/** Steps shared by the audit sink tests: a sink on the fake S3, and reading the chain back from a bucket. */
import type pg from 'pg';
import { expect } from 'vitest';
import { jsonlLine } from '../../src/audit-export-format.js';
import { createS3AuditSink, type S3AuditSink } from '../../src/aws/s3-audit-sink.js';
import { streamAuditEvents } from '../../src/db/audit-export-repository.js';
import { type ChainedEvent, chainHash, GENESIS_HASH } from '../../src/domain/audit-hash.js';
import type { FakeBucket } from '../support/fake-s3.js';

export const CREDENTIALS = { accessKeyId: 'AKIDJITBOT', secretAccessKey: 'test' };

/** The S3 sink as main.ts makes it, pointed at the fake; one try per PUT unless `maxAttempts`. */
export function sinkOn(endpoint: string, bucket: string, prefix: string, maxAttempts = 1): S3AuditSink {
  return createS3AuditSink({
    location: { bucket, prefix },
    region: 'us-east-1',
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts,
  });
}

/** A shipped line: the link's fields, the parsed record, and the details exactly as written. */
export interface ShippedLine {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly record: Record<string, unknown>;
  readonly detailsText: string;
  /** The line less its link fields: what `jitbot audit export --format jsonl` writes for the event. */
  readonly exportLine: string;
}

const LINK = /^\{"chain_seq":(\d+),"prev_hash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})",/;
const DETAILS = ',"details":';

/**
 * Reads a line as an auditor would: JSON for the fields, and the details as the bytes between the
 * first `,"details":` (a string value can hold that text only with its quotes escaped) and the
 * closing brace, because the hash covers PostgreSQL's text of them, not a re-serialisation.
 */
export function readLine(line: string): ShippedLine {
  const link = LINK.exec(line);
  if (!link) throw new Error(`not a shipped line: ${line}`);
  const detailsAt = line.indexOf(DETAILS);
  return {
    seq: Number(link[1]),
    prevHash: link[2] ?? '',
    hash: link[3] ?? '',
    record: JSON.parse(line) as Record<string, unknown>,
    detailsText: line.slice(detailsAt + DETAILS.length, -1),
    exportLine: `{${line.slice(link[0].length)}\n`,
  };
}

export function linesOf(bucket: FakeBucket, prefix: string): ShippedLine[] {
  return bucket
    .objects()
    .filter((object) => object.key.startsWith(prefix))
    .flatMap((object) => object.body.toString('utf8').split('\n').filter(Boolean).map(readLine));
}

/** Recomputes every hash from the lines alone, in seq order from the genesis; the seqs seen. */
export function verifyLines(lines: readonly ShippedLine[]): number[] {
  let previous = GENESIS_HASH;
  const seqs: number[] = [];
  for (const line of [...lines].sort((a, b) => a.seq - b.seq)) {
    const { record } = line;
    const text = (field: string) => (record[field] === null ? null : String(record[field]));
    const event: ChainedEvent = {
      id: String(record.id),
      occurredAt: text('occurred_at'),
      actor: text('actor'),
      action: text('action'),
      outcome: text('outcome'),
      requestId: text('request_id'),
      grantId: text('grant_id'),
      targetId: text('target_id'),
      details: line.detailsText,
    };
    expect(line.prevHash, `prev_hash of seq ${line.seq}`).toBe(previous);
    expect(chainHash({ seq: line.seq, prevHash: line.prevHash, event }), `hash of seq ${line.seq}`).toBe(
      line.hash,
    );
    previous = line.hash;
    seqs.push(line.seq);
  }
  return seqs;
}

/** What `jitbot audit export --format jsonl` writes, line by line. */
export async function exportLines(pool: pg.Pool): Promise<string[]> {
  const lines: string[] = [];
  await streamAuditEvents(pool, {}, async (rows) => {
    for (const row of rows) lines.push(jsonlLine(row));
  });
  return lines;
}

export async function cursorOf(pool: pg.Pool, destination: string) {
  const { rows } = await pool.query(
    `SELECT shipped_upto::int AS shipped, pending_upto::int AS pending, attempts, last_error, last_object_key
       FROM audit_sink_cursors WHERE destination = $1`,
    [destination],
  );
  return rows[0] as
    | {
        shipped: number;
        pending: number | null;
        attempts: number;
        last_error: string | null;
        last_object_key: string | null;
      }
    | undefined;
}
