import { findTarget, type Target } from '../config/catalog.js';
import { appendAudit, SERVICE_ACTOR } from '../db/audit-repository.js';
import {
  activateGrant,
  extendGrant,
  findGrant,
  insertGrant,
  lockLiveGrant,
  recentlyRemovedByJitbot,
  recordAdded,
  recordBackstop,
  recordPreExisting,
  type StoredGrant,
} from '../db/grants-repository.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { findRequest, linkGrant, lockRequest, type StoredRequest } from '../db/requests-repository.js';
import { backstopAtFor, expiryFor, laterExpiry, warnAtFor } from '../domain/grant-timing.js';
import type { JobOutcome } from '../jobs/job-source.js';
import {
  type AccessProvider,
  type CallContext,
  isProviderError,
  providerFor,
} from '../providers/provider.js';
import { failApprovedRequest } from './fail-grant.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { enqueueGrantNotice, enqueueRequestChanged, GRANT_MAX_ATTEMPTS } from './notices.js';

/** A membership jitbot removed this recently may still read as present (IAM is eventually consistent). */
const STALE_MEMBERSHIP_SECONDS = 10 * 60;
const WAIT_FOR_OTHER_GRANT_MS = 1000;

interface Work {
  readonly deps: GrantWorkflowDeps;
  readonly request: StoredRequest;
  readonly target: Target;
  readonly provider: AccessProvider;
  readonly principal: string;
  readonly resource: string;
}

type Link =
  | { readonly type: 'nothing-to-do' }
  | { readonly type: 'wait'; readonly reason: string }
  | { readonly type: 'establish'; readonly grant: StoredGrant }
  | { readonly type: 'joined'; readonly grant: StoredGrant };

function contextOf(work: Work, grant: StoredGrant): CallContext {
  return { requestId: work.request.id, grantId: grant.id, actor: SERVICE_ACTOR };
}

async function audit(db: Queryable, work: Work, grant: StoredGrant, action: string, details = {}) {
  await appendAudit(db, {
    actor: SERVICE_ACTOR,
    action,
    outcome: 'ok',
    requestId: work.request.id,
    grantId: grant.id,
    targetId: work.target.id,
    details: { resource: work.resource, principal: work.principal, ...details },
  });
}

/**
 * Joins an active grant of the same access, moving its expiry to the later time. The backstop is
 * moved while the row is locked, so a revocation cannot run in between and leave a schedule
 * behind that would later remove someone's access.
 */
async function join(db: Queryable, work: Work, live: StoredGrant): Promise<Link> {
  const now = new Date();
  const expiresAt = laterExpiry(live.expiresAt, expiryFor(now, work.request.durationSeconds));
  const warning = work.deps.catalog.settings.expiryWarningSeconds;
  let grant = live;
  if (expiresAt.getTime() !== live.expiresAt.getTime()) {
    const backstop = work.provider.backstop;
    if (!live.preExisting && backstop?.available(work.target)) {
      const at = backstopAtFor(expiresAt);
      await backstop.set(work.target, work.principal, live.id, at, contextOf(work, live));
      await recordBackstop(db, live.id, at);
    }
    const warnAt = warnAtFor(now, expiresAt, warning) ?? null;
    grant = (await extendGrant(db, { id: live.id, requestId: work.request.id, expiresAt, warnAt })) ?? live;
  }
  await linkGrant(db, work.request.id, grant.id);
  await audit(db, work, grant, 'grant.extended', { from: live.expiresAt, to: grant.expiresAt });
  await enqueueGrantNotice(db, {
    requestId: work.request.id,
    grantId: grant.id,
    notice: grant.preExisting ? 'pre-existing' : 'extended',
  });
  await enqueueRequestChanged(db, work.request.id);
  return { type: 'joined', grant };
}

/** Creates the grant, or finds the one this request already made or joined (a retried job). */
async function link(work: Work): Promise<Link> {
  return inTransaction(work.deps.pool, async (db): Promise<Link> => {
    const request = await lockRequest(db, work.request.id);
    if (request?.status !== 'approved') return { type: 'nothing-to-do' };
    if (request.grantId) {
      const grant = await findGrant(db, request.grantId);
      return grant?.status === 'pending' ? { type: 'establish', grant } : { type: 'nothing-to-do' };
    }
    const live = await lockLiveGrant(db, work.resource, work.principal);
    if (live?.status === 'active') return join(db, work, live);
    if (live) return { type: 'wait', reason: `grant ${live.id} of the same access is ${live.status}` };
    const now = new Date();
    const expiresAt = expiryFor(now, request.durationSeconds);
    const grant = await insertGrant(db, {
      id: work.deps.newGrantId(),
      requestId: request.id,
      targetId: work.target.id,
      resource: work.resource,
      principal: work.principal,
      requesterId: request.requesterId,
      expiresAt,
      warnAt: warnAtFor(now, expiresAt, work.deps.catalog.settings.expiryWarningSeconds) ?? null,
    });
    await linkGrant(db, request.id, grant.id);
    await audit(db, work, grant, 'grant.created', { expiresAt });
    return { type: 'establish', grant };
  });
}

/** Reads the membership once, before acting: what was there already is never taken away. */
async function checkPreExisting(work: Work, grant: StoredGrant): Promise<StoredGrant> {
  if (grant.preExisting !== null) return grant;
  const { pool } = work.deps;
  const member = await work.provider.isMember(work.target, work.principal, contextOf(work, grant));
  const stale =
    member &&
    work.provider.readsLagWrites === true &&
    (await recentlyRemovedByJitbot(pool, work.resource, work.principal, STALE_MEMBERSHIP_SECONDS));
  const checked = (await recordPreExisting(pool, grant.id, member && !stale)) ?? grant;
  await audit(pool, work, checked, 'grant.membership-read', { member, staleReading: stale });
  return checked;
}

/** Backstop first, then the membership: jitbot never holds access without its timer outside. */
async function establish(work: Work, pending: StoredGrant): Promise<void> {
  const { pool } = work.deps;
  const grant = await checkPreExisting(work, pending);
  const context = contextOf(work, grant);
  if (!grant.preExisting) {
    const backstop = work.provider.backstop;
    if (backstop?.available(work.target)) {
      const at = backstopAtFor(grant.expiresAt);
      await backstop.set(work.target, work.principal, grant.id, at, context);
      await recordBackstop(pool, grant.id, at);
    }
    try {
      await work.provider.grant(work.target, work.principal, context);
    } catch (error) {
      // A definite refusal means nothing was added, so cleanup must not remove anything.
      if (isProviderError(error) && !error.retryable) await recordAdded(pool, grant.id, false);
      throw error;
    }
    await recordAdded(pool, grant.id, true);
  }
  await inTransaction(pool, async (db) => {
    const active = await activateGrant(db, grant.id);
    if (!active) return;
    await audit(db, work, active, 'grant.activated', {
      preExisting: active.preExisting,
      expiresAt: active.expiresAt,
      backstopAt: active.backstopAt,
    });
    const notice = active.preExisting ? 'pre-existing' : 'granted';
    await enqueueGrantNotice(db, { requestId: work.request.id, grantId: active.id, notice });
    await enqueueRequestChanged(db, work.request.id);
  });
}

async function prepare(deps: GrantWorkflowDeps, requestId: string): Promise<Work | string | undefined> {
  const request = await findRequest(deps.pool, requestId);
  if (request?.status !== 'approved') return undefined;
  const target = findTarget(deps.catalog, request.targetId);
  if (!target) return `target ${request.targetId} is no longer in the catalog`;
  if (!request.principal) return 'the requester was never matched to an account';
  const provider = providerFor(deps.providers, target);
  return {
    deps,
    request,
    target,
    provider,
    principal: request.principal,
    resource: provider.resourceOf(target),
  };
}

/**
 * The `grant.apply` job: gives an approved request its access, exactly once. Retryable provider
 * errors are retried with backoff; a final one (or too many) ends the request as failed, undoes
 * whatever was applied, and tells the requester, the approvers and the admin channel.
 */
export async function applyGrant(
  deps: GrantWorkflowDeps,
  requestId: string,
  attempt: number,
): Promise<JobOutcome> {
  const work = await prepare(deps, requestId);
  if (work === undefined) return { status: 'done' };
  if (typeof work === 'string') {
    await failApprovedRequest(deps, { requestId, reason: work });
    return { status: 'done' };
  }
  let grant: StoredGrant | undefined;
  try {
    const linked = await link(work);
    if (linked.type === 'wait')
      return { status: 'retry', error: linked.reason, delayMs: WAIT_FOR_OTHER_GRANT_MS };
    if (linked.type === 'establish') {
      grant = linked.grant;
      await establish(work, linked.grant);
    }
    deps.onWork?.();
    return { status: 'done' };
  } catch (error) {
    const retryable = !isProviderError(error) || error.retryable;
    const message = error instanceof Error ? error.message : String(error);
    if (retryable && attempt < GRANT_MAX_ATTEMPTS) {
      const delayMs = isProviderError(error) ? error.retryAfterMs : undefined;
      return { status: 'retry', error: message, ...(delayMs ? { delayMs } : {}) };
    }
    await failApprovedRequest(deps, { requestId, reason: message, grantId: grant?.id });
    return { status: 'failed', error: message };
  }
}
