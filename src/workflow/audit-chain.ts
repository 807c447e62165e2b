/**
 * Links new audit events into the hash chain, and claims the daily checkpoint of its head.
 *
 * Order: events are linked in id order, and an id only once it is settled: every transaction
 * that may still insert an id at or below it has ended. A run reads the last id handed out, then
 * takes a transaction id (the window); every transaction holding one of those ids has an older
 * transaction id (migrations/0013_audit_chain.sql says why). Once no older transaction is running
 * anywhere on the server, each id in the window is committed and visible, or was rolled back and
 * never will be. So an event with a lower id that commits after a higher one is waited for, never
 * skipped, and an event that turns up later below the chain's end was put there behind jitbot's
 * back. Writers never wait: they insert as before; only the chainer (one replica at a time) links.
 * A long transaction that writes, anywhere on the server, delays linking until it ends.
 */
import type pg from 'pg';
import {
  appendLinks,
  type ChainHead,
  type ChainRun,
  type ChainWindow,
  chainWindowSettled,
  claimChainRun,
  claimCheckpoint,
  currentTransactionId,
  listEventsToChain,
  readChainHead,
  readLastAllocatedId,
  recordCheckpoint,
  saveChainRun,
} from '../db/audit-chain-repository.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { type ChainPosition, linkEvents } from '../domain/audit-hash.js';

export interface AuditChainDeps {
  readonly pool: pg.Pool;
}

export interface ChainOptions {
  /** Most events linked in one run, one transaction. */
  readonly batch?: number;
  /** Seconds until the next run, across replicas, when this one did not fill its batch. */
  readonly intervalSeconds?: number;
}

export interface ChainOutcome {
  /** False when another replica holds the chainer or it is not due yet. */
  readonly claimed: boolean;
  readonly chained: number;
  /** The batch was full: run again at once. */
  readonly more: boolean;
}

const DEFAULT_BATCH = 1000;
const DEFAULT_INTERVAL_SECONDS = 2;

export async function chainAuditEvents(
  deps: AuditChainDeps,
  options: ChainOptions = {},
): Promise<ChainOutcome> {
  const batch = options.batch ?? DEFAULT_BATCH;
  const interval = options.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  return inTransaction(deps.pool, async (tx) => {
    // Each statement must see what committed before it started (see chainWindowSettled), whatever
    // isolation the server defaults to.
    await tx.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    // Before the claim, which gives this transaction its id: the window's order depends on it.
    const upTo = await readLastAllocatedId(tx);
    const run = await claimChainRun(tx);
    if (!run) return { claimed: false, chained: 0, more: false };
    const fresh = { upTo, xid: await currentTransactionId(tx) };
    const step = await linkSettled(tx, run, fresh, batch);
    await saveChainRun(tx, step.run, step.more ? 0 : interval);
    return { claimed: true, chained: step.chained, more: step.more };
  });
}

interface Step {
  readonly run: ChainRun;
  readonly chained: number;
  readonly more: boolean;
}

/**
 * Links the window left open by the last run if it has settled, then this run's own window,
 * which settles at once when nothing older was running (a quiet moment); a window that has not
 * settled is left open for the next run.
 */
async function linkSettled(tx: Queryable, start: ChainRun, fresh: ChainWindow, batch: number): Promise<Step> {
  let run: ChainRun = { settledUpto: start.settledUpto, pending: undefined };
  let head: ChainPosition | undefined = await readChainHead(tx);
  let chained = 0;
  for (const window of start.pending ? [start.pending, fresh] : [fresh]) {
    if (window.upTo <= run.settledUpto) continue;
    // Its own statement, before the read below: a transaction that commits in between is then
    // seen by the read, never missed.
    if (!(await chainWindowSettled(tx, window)))
      return { run: { ...run, pending: window }, chained, more: false };
    const room = batch - chained;
    const after = Math.max(run.settledUpto, head?.eventId ?? 0);
    const events = await listEventsToChain(tx, { after, upTo: window.upTo }, room);
    const links = linkEvents(head, events);
    await appendLinks(tx, links);
    chained += links.length;
    const last = links.at(-1);
    if (last) head = { seq: last.seq, hash: last.hash, eventId: last.eventId };
    if (events.length === room) return { run: { ...run, pending: window }, chained, more: true };
    run = { settledUpto: window.upTo, pending: undefined };
  }
  return { run, chained, more: false };
}

export interface CheckpointDeps extends AuditChainDeps {
  /**
   * Runs in the claim's transaction with the head to announce: enqueue the admin-channel post
   * there, so it is made at least once although the day is claimed once.
   */
  readonly announce?: (tx: Queryable, head: ChainHead) => Promise<void>;
}

/**
 * Claims the day's checkpoint (once across replicas) and returns the chain head to announce;
 * undefined when it is not due, another replica has it, or nothing is chained yet.
 */
export async function checkpointDue(deps: CheckpointDeps): Promise<ChainHead | undefined> {
  // Nothing to announce yet: the day is not taken, so the first link is announced when it comes.
  if (!(await readChainHead(deps.pool))) return undefined;
  return inTransaction(deps.pool, async (tx) => {
    if (!(await claimCheckpoint(tx))) return undefined;
    // The chain only grows: a head read before the claim is still there.
    const head = await readChainHead(tx);
    if (!head) return undefined;
    await recordCheckpoint(tx, head);
    await deps.announce?.(tx, head);
    return head;
  });
}
