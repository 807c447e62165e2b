import type pg from 'pg';
import { appendAudits } from '../db/audit-repository.js';
import { gatherWrites } from '../db/gathered-writes.js';
import {
  finishRevocations,
  holdsRevocation,
  markAlerted,
  retryRevocation,
} from '../db/grant-schedule-repository.js';
import { recordProviderOperation } from '../db/grants-repository.js';
import { inTransaction } from '../db/pool.js';
import { findTarget } from '../domain/catalog.js';
import type { StoredGrant } from '../domain/grant.js';
import { revokeRetryDelayMs } from '../domain/grant-timing.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isProviderError, providerFor, type RevokeResult } from '../ports/access-provider.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { reachesResource } from './grant-resource.js';
import type { AdminAlert } from './job-kinds.js';
import { enqueueAdminAlert, enqueueRevocationsEnded } from './notices.js';
import {
  type BackstopEnd,
  contextFor,
  deleteBackstop,
  keepBackstop,
  mustRemove,
  type Reached,
} from './revocation-backstop.js';

/** After this many failed attempts a person is told; jitbot keeps trying regardless. */
const ALERT_AFTER_ATTEMPTS = 3;

/** How this run came to hold the grant. */
export interface RevocationClaim {
  /** The connector session the grants claimed together share. */
  readonly session?: string;
  /**
   * Until when (this process's clock) the claim's lease is certainly still held, so no other run
   * can have taken the grant up: a margin inside the lease, counted from before the claim or the
   * latest renewal (the holder moves it on as the heartbeat renews).
   */
  readonly heldUntil?: number;
}

type Removal = RevokeResult | 'kept-pre-existing' | 'nothing-applied';

type Reach =
  | Reached
  | { readonly ok: false; readonly problem: 'target-missing' | 'target-changed'; readonly words: string };

/**
 * The target as this grant gave it. The catalog may name another group or policy by now (a
 * correction): revoking takes away what was given, never the new one. When the target left the
 * catalog, or moved to another account or org, jitbot cannot reach what it gave and says so.
 */
function reach(deps: GrantWorkflowDeps, grant: StoredGrant): Reach {
  const current = findTarget(deps.catalog, grant.targetId);
  if (!current)
    return {
      ok: false,
      problem: 'target-missing',
      words:
        `target ${grant.targetId} is no longer in the catalog, so jitbot cannot reach ${grant.resource}: ` +
        `put the target back, or take ${grant.principal}'s access to it away by hand`,
    };
  const provider = providerFor(deps.providers, current);
  const target = provider.asGranted(current, grant.resource);
  if (!target || !reachesResource(provider, target, grant.resource))
    return {
      ok: false,
      problem: 'target-changed',
      words:
        `target ${grant.targetId} now grants ${provider.resourceOf(current)} in another account or org than ` +
        `${grant.resource}, which this grant gave, so jitbot cannot reach it: put the target back as it was ` +
        `until this grant has ended, or take ${grant.principal}'s access to ${grant.resource} away by hand`,
    };
  return { ok: true, target, provider };
}

/**
 * Takes the membership away if jitbot may have added it. 'stale' when this run's lease ran out
 * while it hung and another run took the revocation up or finished it: it must not act any more.
 */
async function removeMembership(
  deps: GrantWorkflowDeps,
  grant: StoredGrant,
  { target, provider }: Reached,
  claim: RevocationClaim,
): Promise<Removal | 'stale'> {
  if (!mustRemove(grant)) return grant.preExisting ? 'kept-pre-existing' : 'nothing-applied';
  // Within its lease a claim is this run's alone: only a run that may have outlived it asks.
  const leaseMayHaveRunOut = claim.heldUntil === undefined || Date.now() >= claim.heldUntil;
  if (leaseMayHaveRunOut && !(await holdsRevocation(deps.pool, grant))) return 'stale';
  const session = claim.session;
  return provider.revoke(target, grant.principal, {
    ...contextFor(grant, session),
    rememberOperation: (operation) => recordProviderOperation(deps.pool, grant.id, operation),
  });
}

interface Ended {
  readonly grant: StoredGrant;
  readonly removal: Removal;
  readonly backstop: BackstopEnd;
}

/** Revocations that ended, recorded in one transaction: the grants closed, audited, announced. */
async function recordEnded(pool: pg.Pool, ended: readonly Ended[]): Promise<void> {
  await inTransaction(pool, async (db) => {
    const done = await finishRevocations(
      db,
      ended.map(({ grant }) => grant.id),
    );
    const byId = new Map(ended.map((end) => [end.grant.id, end]));
    await appendAudits(
      db,
      done.flatMap((closed) => {
        const end = byId.get(closed.id);
        if (!end) return [];
        const { grant, removal, backstop } = end;
        return {
          actor: grant.revokedBy ?? SERVICE_ACTOR,
          action: closed.status === 'failed' ? 'grant.undone' : 'grant.revoked',
          outcome: 'ok',
          requestId: grant.requestId,
          grantId: grant.id,
          targetId: grant.targetId,
          details: {
            removal,
            backstop,
            reason: closed.revokeReason,
            attempts: grant.revokeAttempts,
            resource: grant.resource,
          },
        };
      }),
    );
    await enqueueRevocationsEnded(db, done);
  });
}

/**
 * Revocations that end within a couple of milliseconds of each other (a burst of expiries) are
 * recorded together: one transaction of a few statements, not one of ten for each grant.
 */
const gatheredEnds = new WeakMap<pg.Pool, (end: Ended) => Promise<void>>();

function finish(deps: GrantWorkflowDeps, end: Ended): Promise<void> {
  let record = gatheredEnds.get(deps.pool);
  if (!record) {
    record = gatherWrites((ended: readonly Ended[]) => recordEnded(deps.pool, ended));
    gatheredEnds.set(deps.pool, record);
  }
  return record(end);
}

async function postpone(
  deps: GrantWorkflowDeps,
  grant: StoredGrant,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const message = describeError(error);
  // A provider that said when to come back (a rate limit) is not asked again before then.
  const asked = isProviderError(error) ? (error.retryAfterMs ?? 0) : 0;
  const delay = Math.max(revokeRetryDelayMs(grant.revokeAttempts, deps.random), asked);
  await retryRevocation(deps.pool, grant, delay, message);
  logger.warn(
    { grant: grant.id, attempts: grant.revokeAttempts, delayMs: delay },
    `revoking ${grant.id} failed (attempt ${grant.revokeAttempts}); trying again in ${Math.ceil(delay / 1000)} s: ${message}`,
  );
  // A refusal, or a target jitbot can no longer reach, will not fix itself: tell people at once.
  const reached = reach(deps, grant);
  const problem = reached.ok ? undefined : reached.problem;
  const final = (isProviderError(error) && !error.retryable) || problem !== undefined;
  if (!final && grant.revokeAttempts < ALERT_AFTER_ATTEMPTS) return;
  await inTransaction(deps.pool, async (db) => {
    if (!(await markAlerted(db, grant.id))) return;
    const alert: AdminAlert = problem ?? 'revoke-failing';
    await enqueueAdminAlert(db, { requestId: grant.requestId, grantId: grant.id, alert, error: message });
  });
}

/**
 * Revokes one grant claimed as due (jobs/ claims it, holds its lease and runs this), and records
 * how it went: finished and announced, or due again later with its backstop kept. It takes access
 * away at expiry, at once after "Revoke now", and again and again after a failure until it works
 * (invariant 1). A run whose lease ran out while it hung finds its claim no longer holds the
 * grant and stops without acting.
 *
 * The membership goes first, the backstop only once its removal is confirmed (or IAM says it was
 * already gone): while the removal keeps failing the access may still be there, and the schedule
 * is what takes it away if jitbot never manages to (invariant 5). The price of this order: a
 * schedule can outlive its grant (the delete keeps failing and an admin closes the revocation by
 * hand; a run that dies in between is retried, and deletes it then), and when it fires it can only
 * end a later grant of the same access early. That is the safe direction; the other order once
 * left access with no backstop at all.
 */
export async function revokeClaimedGrant(
  deps: GrantWorkflowDeps,
  grant: StoredGrant,
  logger: Logger,
  claim: RevocationClaim = {},
): Promise<void> {
  const { session } = claim;
  const reached = reach(deps, grant);
  if (!reached.ok) {
    await postpone(deps, grant, new Error(reached.words), logger);
    return;
  }
  let removal: Removal | 'stale';
  try {
    removal = await removeMembership(deps, grant, reached, claim);
  } catch (error) {
    await keepBackstop(deps, grant, reached, logger, session);
    await postpone(deps, grant, error, logger);
    return;
  }
  if (removal === 'stale') return;
  let backstop: BackstopEnd;
  try {
    backstop = await deleteBackstop(grant, reached, session);
  } catch (error) {
    // The access is gone; the next try finds it gone (already-gone) and deletes the schedule then.
    await postpone(deps, grant, error, logger);
    return;
  }
  await finish(deps, { grant, removal, backstop });
}
