/**
 * The audit chain's hash, written down so an auditor can recompute it with other tools.
 *
 * Each link (a row of audit_chain) covers one audit_events row and the link before it:
 *
 *   hash = SHA-256, in lowercase hex, of the UTF-8 bytes of
 *     "jitbot-audit-chain-v1\n", then each field below in this order, written as "-\n" when the
 *     field is null and otherwise as "<n>:<value>\n", <n> being the value's length in UTF-8 bytes
 *     in decimal:
 *       seq          the link's place in the chain: 1, 2, 3, ...
 *       prev_hash    the hash of link seq - 1; for seq 1, 64 zeros
 *       id           audit_events.id, in decimal
 *       occurred_at  in UTC with microseconds: 2025-03-01T09:30:00.123456Z
 *       actor, action, outcome, request_id, grant_id, target_id   as stored
 *       details      the jsonb's text form in PostgreSQL (details::text): keys sorted, shorter
 *                    first then by bytes, each once; ", " and ": " between items; numbers with
 *                    every digit as stored; non-ASCII characters as they are
 *
 * The length prefix keeps the encoding unambiguous whatever a field holds (newlines, colons).
 * details is hashed in PostgreSQL's own text form, not re-serialised here: that form is already
 * canonical, exact (1.50 stays 1.50, a 30-digit number keeps its digits), and SQL writes the very
 * same bytes, so the migration chains old rows in SQL and audit_chain_hash() in the database gives
 * the same hash.
 */
import { createHash } from 'node:crypto';

export const CHAIN_FORMAT = 'jitbot-audit-chain-v1';
/** What the first link follows. */
export const GENESIS_HASH = '0'.repeat(64);

/** An audit_events row in the text forms the hash covers (see the comment above). */
export interface ChainedEvent {
  readonly id: string;
  readonly occurredAt: string | null;
  readonly actor: string | null;
  readonly action: string | null;
  readonly outcome: string | null;
  readonly requestId: string | null;
  readonly grantId: string | null;
  readonly targetId: string | null;
  readonly details: string | null;
}

export interface LinkInput {
  readonly seq: number;
  readonly prevHash: string;
  readonly event: ChainedEvent;
}

function field(value: string | null): string {
  return value === null ? '-\n' : `${Buffer.byteLength(value, 'utf8')}:${value}\n`;
}

/** The exact text a link's hash is taken over. */
export function chainInput({ seq, prevHash, event }: LinkInput): string {
  return [
    `${CHAIN_FORMAT}\n`,
    field(String(seq)),
    field(prevHash),
    field(event.id),
    field(event.occurredAt),
    field(event.actor),
    field(event.action),
    field(event.outcome),
    field(event.requestId),
    field(event.grantId),
    field(event.targetId),
    field(event.details),
  ].join('');
}

export function chainHash(link: LinkInput): string {
  return createHash('sha256').update(chainInput(link), 'utf8').digest('hex');
}

/** Where the chain ends: the link new events follow. */
export interface ChainPosition {
  readonly seq: number;
  readonly hash: string;
  readonly eventId: number;
}

export interface NewLink {
  readonly seq: number;
  readonly eventId: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** Links `events` (in id order) after `head`; undefined head: they start the chain. */
export function linkEvents(head: ChainPosition | undefined, events: readonly ChainedEvent[]): NewLink[] {
  const links: NewLink[] = [];
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  for (const event of events) {
    seq += 1;
    const hash = chainHash({ seq, prevHash, event });
    links.push({ seq, eventId: Number(event.id), prevHash, hash });
    prevHash = hash;
  }
  return links;
}
