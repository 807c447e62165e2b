/**
 * The rules `jitbot audit verify` holds each stored link to, in chain order. Pure: the caller
 * reads the links (with their events) and stops at the first problem.
 */
import { type ChainedEvent, type ChainPosition, chainHash, GENESIS_HASH } from './audit-hash.js';

/** A row of audit_chain as stored, with its event; `event` undefined: no audit_events row has that id. */
export interface StoredLink {
  readonly seq: number;
  readonly eventId: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly chainedAt: Date;
  readonly event: ChainedEvent | undefined;
}

/** Why the chain does not hold at a link; each names the first row found wrong. */
export type LinkProblem =
  /** A link was deleted: `seq` was expected, `found` came instead. */
  | { readonly kind: 'link-missing'; readonly seq: number; readonly found: number }
  /** The chained event's row is gone from audit_events. */
  | { readonly kind: 'event-deleted'; readonly seq: number; readonly eventId: number }
  /** The event's row no longer hashes to its link's hash: edited after it was chained. */
  | { readonly kind: 'event-edited'; readonly seq: number; readonly eventId: number }
  /** The link does not follow the one before it: links were rewritten or moved. */
  | { readonly kind: 'relinked'; readonly seq: number; readonly eventId: number }
  /** The chain names events in id order; this link names one at or before the previous one. */
  | {
      readonly kind: 'misordered';
      readonly seq: number;
      readonly eventId: number;
      readonly previousEventId: number;
    };

export function checkLink(previous: ChainPosition | undefined, link: StoredLink): LinkProblem | undefined {
  const expected = (previous?.seq ?? 0) + 1;
  if (link.seq !== expected) return { kind: 'link-missing', seq: expected, found: link.seq };
  if (previous && link.eventId <= previous.eventId)
    return { kind: 'misordered', seq: link.seq, eventId: link.eventId, previousEventId: previous.eventId };
  if (link.prevHash !== (previous?.hash ?? GENESIS_HASH))
    return { kind: 'relinked', seq: link.seq, eventId: link.eventId };
  if (!link.event) return { kind: 'event-deleted', seq: link.seq, eventId: link.eventId };
  const hash = chainHash({ seq: link.seq, prevHash: link.prevHash, event: link.event });
  if (hash !== link.hash) return { kind: 'event-edited', seq: link.seq, eventId: link.eventId };
  return undefined;
}
