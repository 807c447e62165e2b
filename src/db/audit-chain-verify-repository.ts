/** What `jitbot audit verify` reads: the links with their events, and the events left out of the chain. */
import type { StoredLink } from '../domain/audit-chain-check.js';
import type { ChainedEvent } from '../domain/audit-hash.js';
import { EVENT_TEXT } from './audit-chain-repository.js';
import type { Queryable } from './pool.js';

/** Up to `limit` links after `afterSeq`, in order, each with its event if that row still exists. */
export async function readLinks(db: Queryable, afterSeq: number, limit: number): Promise<StoredLink[]> {
  const { rows } = await db.query<
    ChainedEvent & {
      seq: string;
      eventId: string;
      prevHash: string;
      hash: string;
      chainedAt: Date;
      found: boolean;
    }
  >(
    `SELECT c.seq, c.event_id AS "eventId", c.prev_hash AS "prevHash", c.hash,
            c.chained_at AS "chainedAt", e.id IS NOT NULL AS found, ${EVENT_TEXT}
       FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
      WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`,
    [afterSeq, limit],
  );
  return rows.map(({ seq, eventId, prevHash, hash, chainedAt, found, ...event }) => ({
    seq: Number(seq),
    eventId: Number(eventId),
    prevHash,
    hash,
    chainedAt,
    event: found ? event : undefined,
  }));
}

/** The id the chainer has passed: every row at or below it must be chained. */
export async function readChainedThrough(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ through: string }>(
    `SELECT GREATEST((SELECT settled_upto FROM audit_chain_runs WHERE id = 1),
                     (SELECT max(event_id) FROM audit_chain), 0)::text AS through`,
  );
  return rows[0]?.through ?? '0';
}

export interface UnchainedEvent {
  readonly id: string;
  readonly occurredAt: Date;
}

/**
 * Scans the events with an id in (after, through], `limit` rows at a time, for the first one not
 * chained. `last` is where the slice ended (undefined: nothing left), to go on from.
 */
export async function findUnchainedIn(
  db: Queryable,
  range: { readonly after: string; readonly through: string },
  limit: number,
): Promise<{ last: string | undefined; unchained: UnchainedEvent | undefined }> {
  const { rows } = await db.query<{ last: string | null; id: string | null; occurredAt: Date | null }>(
    `WITH slice AS (
       SELECT id, occurred_at FROM audit_events WHERE id > $1::bigint AND id <= $2::bigint ORDER BY id LIMIT $3)
     SELECT (SELECT max(id) FROM slice)::text AS last, first.id::text AS id, first.occurred_at AS "occurredAt"
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (
         SELECT s.id, s.occurred_at FROM slice s
          WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = s.id)
          ORDER BY s.id LIMIT 1) AS first ON true`,
    [range.after, range.through, limit],
  );
  const row = rows[0];
  return {
    last: row?.last ?? undefined,
    unchained: row?.id && row.occurredAt ? { id: row.id, occurredAt: row.occurredAt } : undefined,
  };
}

/** Events past `through` written more than `seconds` ago (by the database clock) and not chained yet. */
export async function findWaiting(
  db: Queryable,
  through: string,
  seconds: number,
): Promise<{ count: number; oldest: UnchainedEvent | undefined }> {
  const { rows } = await db.query<{ count: number; id: string | null; occurredAt: Date | null }>(
    `WITH waiting AS (
       SELECT e.id, e.occurred_at FROM audit_events e
        WHERE e.id > $1::bigint AND e.occurred_at < now() - make_interval(secs => $2)
          AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id))
     SELECT (SELECT count(*)::int FROM waiting) AS count, first.id::text AS id, first.occurred_at AS "occurredAt"
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT id, occurred_at FROM waiting ORDER BY id LIMIT 1) AS first ON true`,
    [through, seconds],
  );
  const row = rows[0];
  return {
    count: row?.count ?? 0,
    oldest: row?.id && row.occurredAt ? { id: row.id, occurredAt: row.occurredAt } : undefined,
  };
}
