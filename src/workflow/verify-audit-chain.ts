/**
 * `jitbot audit verify`'s walk: every link from seq 1, in batches (bounded memory whatever the
 * log's size), then the events the chain has passed without linking, then the ones waiting too
 * long to be linked.
 */
import type { ChainHead } from '../db/audit-chain-repository.js';
import {
  findUnchainedIn,
  findWaiting,
  readChainedThrough,
  readLinks,
  type UnchainedEvent,
} from '../db/audit-chain-verify-repository.js';
import type { Queryable } from '../db/pool.js';
import { checkLink, type LinkProblem, type StoredLink } from '../domain/audit-chain-check.js';

/** A head announced earlier (the daily checkpoint): the chain must still hold it. */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
}

export type ChainBreak =
  | LinkProblem
  /** An event below the chain's end that is not linked: inserted behind the chainer's back. */
  | { readonly kind: 'inserted'; readonly eventId: string; readonly occurredAt: Date }
  /** The link at the checkpoint's seq has another hash: the chain was rewritten since. */
  | {
      readonly kind: 'checkpoint-differs';
      readonly seq: number;
      readonly expected: string;
      readonly found: string;
    }
  /** The chain ends before the checkpoint's seq: links were cut from its end. */
  | { readonly kind: 'checkpoint-missing'; readonly seq: number; readonly endsAt: number };

export interface ChainReport {
  /** Links checked and found sound. */
  readonly checked: number;
  /** The last sound link. */
  readonly head: ChainHead | undefined;
  /** The first problem; undefined: the chain holds. */
  readonly broken: ChainBreak | undefined;
  /** Events not yet linked that were written more than `waitingSeconds` ago. */
  readonly waiting: { readonly count: number; readonly oldest: UnchainedEvent | undefined };
}

export interface VerifyOptions {
  readonly checkpoint?: Checkpoint;
  /** Links read per query. */
  readonly batch?: number;
  readonly waitingSeconds?: number;
}

const LINKS_PER_READ = 1000;
const EVENTS_PER_SCAN = 50_000;
const WAITING_SECONDS = 60;
const BEFORE_EVERY_ID = '-9223372036854775808';

export async function verifyAuditChain(db: Queryable, options: VerifyOptions = {}): Promise<ChainReport> {
  const walked = await walkLinks(db, options.batch ?? LINKS_PER_READ, options.checkpoint);
  const through = await readChainedThrough(db);
  const broken = walked.broken ?? (await findInserted(db, through));
  const waiting = await findWaiting(db, through, options.waitingSeconds ?? WAITING_SECONDS);
  return { checked: walked.checked, head: walked.head, broken, waiting };
}

async function walkLinks(db: Queryable, batch: number, checkpoint: Checkpoint | undefined) {
  let head: ChainHead | undefined;
  let checked = 0;
  for (;;) {
    const links = await readLinks(db, head?.seq ?? 0, batch);
    for (const link of links) {
      const broken = checkLink(head, link) ?? checkpointProblem(checkpoint, link);
      if (broken) return { checked, head, broken };
      head = { seq: link.seq, hash: link.hash, eventId: link.eventId, chainedAt: link.chainedAt };
      checked += 1;
    }
    if (links.length < batch) break;
  }
  const endsAt = head?.seq ?? 0;
  const broken: ChainBreak | undefined =
    checkpoint && checkpoint.seq > endsAt
      ? { kind: 'checkpoint-missing', seq: checkpoint.seq, endsAt }
      : undefined;
  return { checked, head, broken };
}

function checkpointProblem(checkpoint: Checkpoint | undefined, link: StoredLink): ChainBreak | undefined {
  if (!checkpoint || checkpoint.seq !== link.seq || checkpoint.hash === link.hash) return undefined;
  return { kind: 'checkpoint-differs', seq: link.seq, expected: checkpoint.hash, found: link.hash };
}

/** The first event at or below `through` with no link, a slice of ids at a time. */
async function findInserted(db: Queryable, through: string): Promise<ChainBreak | undefined> {
  let after = BEFORE_EVERY_ID;
  for (;;) {
    const slice = await findUnchainedIn(db, { after, through }, EVENTS_PER_SCAN);
    if (slice.unchained)
      return { kind: 'inserted', eventId: slice.unchained.id, occurredAt: slice.unchained.occurredAt };
    if (slice.last === undefined) return undefined;
    after = slice.last;
  }
}
