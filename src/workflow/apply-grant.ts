import { appendAudit } from '../db/audit-repository.js';
import {
  extendGrant,
  findGrant,
  insertGrant,
  lockLiveGrant,
  recordBackstop,
  recordProviderOperation,
} from '../db/grants-repository.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { findRequest, linkGrant, lockRequest } from '../db/requests-repository.js';
import { approvedByPerson } from '../domain/approval-rules.js';
import { findTarget, type Target } from '../domain/catalog.js';
import { formatInstant } from '../domain/duration.js';
import type { StoredGrant } from '../domain/grant.js';
import {
  backstopAtFor,
  expiryFor,
  joinLiveGrant,
  newGrantExpiry,
  warnAtFor,
} from '../domain/grant-timing.js';
import type { StoredRequest } from '../domain/request.js';
import { describeError } from '../errors.js';
import { type AccessProvider, isProviderError, providerFor } from '../ports/access-provider.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import { DUE_WORK, dueAt } from './due-work.js';
import { establishGrant } from './establish-grant.js';
import { failApprovedRequest } from './fail-grant.js';
import { findBackstopBeforeGivingUp } from './find-backstop.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { resourceForRequest } from './grant-resource.js';
import { auditGrant, contextOf, type GrantWork } from './grant-work.js';
import type { JobOutcome } from './job-outcome.js';
import { enqueueGrantNotice, enqueueRequestChanged, GRANT_MAX_ATTEMPTS } from './notices.js';
import { replaceGrant, replacementExpiry } from './replace-grant.js';
import { permissionsStillFit } from './request-permissions.js';

const WAIT_FOR_OTHER_GRANT_MS = 1000;
/** How long an approval waits for the same access to finish being applied or removed. */
const MAX_WAIT_MS = 10 * 60_000;
/** A revocation of the same access that failed this often will not finish soon by itself. */
const STUCK_REVOCATION_ATTEMPTS = 3;

type Link =
  | { readonly type: 'nothing-to-do' }
  | { readonly type: 'wait'; readonly reason: string }
  | { readonly type: 'blocked'; readonly reason: string }
  | { readonly type: 'refused'; readonly reason: string }
  | { readonly type: 'establish'; readonly grant: StoredGrant }
  | { readonly type: 'joined'; readonly grant: StoredGrant }
  /** Access that carries its own expiry is replaced, outside the lock (replace-grant.ts). */
  | { readonly type: 'replace'; readonly grant: StoredGrant; readonly expiresAt: Date };

/**
 * Keeps the backstop in step with a moved expiry, while the row is locked, so a revocation
 * cannot run in between and leave a schedule behind that would later remove someone's access.
 * A schedule made when the account still had a scheduler role is deleted, not left to fire early.
 */
async function moveBackstop(
  db: Queryable,
  work: GrantWork,
  live: StoredGrant,
  expiresAt: Date,
): Promise<void> {
  const backstop = work.provider.backstop;
  if (live.preExisting || !backstop) return;
  if (backstop.available(work.target)) {
    const at = backstopAtFor(expiresAt);
    await backstop.set(work.target, work.principal, live.id, at, contextOf(work, live));
    await recordBackstop(db, live.id, at);
  } else if (live.backstopAt) {
    await backstop.clear(work.target, live.id, contextOf(work, live));
    await recordBackstop(db, live.id, null);
  }
}

/**
 * A request nobody approved found the same access live: it must not move the expiry. Submitting
 * refuses such a request already; this is the one that raced past that check (two in flight).
 */
async function refuseJoin(db: Queryable, work: GrantWork, live: StoredGrant, until: Date): Promise<Link> {
  await appendAudit(db, {
    actor: SERVICE_ACTOR,
    action: 'grant.join-refused',
    outcome: 'refused',
    requestId: work.request.id,
    grantId: live.id,
    targetId: work.target.id,
    details: { reason: 'not-approved-by-a-person', approvedVia: work.request.approvedVia ?? null, until },
  });
  const reason = `you already have this access until ${formatInstant(until)}; ask for more time with Extend, which needs an approver`;
  return { type: 'refused', reason };
}

/** Joins an active grant of the same access, moving its expiry to the later time. */
async function join(db: Queryable, work: GrantWork, live: StoredGrant): Promise<Link> {
  const now = new Date();
  const decision = joinLiveGrant({
    current: live.expiresAt,
    requested: expiryFor(now, work.request.durationSeconds),
    approvedByPerson: approvedByPerson(work.request.approvedVia),
  });
  if (decision.type === 'refuse') return refuseJoin(db, work, live, decision.until);
  const { expiresAt } = decision;
  if (work.provider.extend && !live.preExisting && expiresAt.getTime() !== live.expiresAt.getTime()) {
    const replaced = replacementExpiry(live, expiresAt);
    await recordProviderOperation(db, live.id, replaced.toISOString());
    return { type: 'replace', grant: live, expiresAt: replaced };
  }
  let grant = live;
  if (expiresAt.getTime() !== live.expiresAt.getTime()) {
    await moveBackstop(db, work, live, expiresAt);
    const warnAt = warnAtFor(now, expiresAt, work.deps.catalog.settings.expiryWarningSeconds) ?? null;
    grant = (await extendGrant(db, { id: live.id, requestId: work.request.id, expiresAt, warnAt })) ?? live;
  }
  await linkGrant(db, work.request.id, grant.id);
  await auditGrant(db, work, grant, 'grant.extended', { from: live.expiresAt, to: grant.expiresAt });
  await enqueueGrantNotice(db, {
    requestId: work.request.id,
    grantId: grant.id,
    notice: grant.preExisting ? 'pre-existing' : 'extended',
  });
  await enqueueRequestChanged(db, work.request.id);
  return { type: 'joined', grant };
}

/**
 * Waits while the same access is being applied, or removed, or is past its expiry (its backstop
 * may already have removed it: extending it would promise access that is not there). Gives up,
 * in words, when that does not end.
 */
function waitFor(work: GrantWork, live: StoredGrant): Link {
  if (live.status === 'revoking' && live.revokeAttempts >= STUCK_REVOCATION_ATTEMPTS) {
    return {
      type: 'blocked',
      reason: `this access is still being removed from an earlier grant, and that keeps failing (${live.lastError ?? 'no reason recorded'}); your jitbot admins have been alerted: ask again once it is fixed`,
    };
  }
  const decidedAt = work.request.decidedAt?.getTime() ?? Date.now();
  if (Date.now() - decidedAt > MAX_WAIT_MS) {
    return {
      type: 'blocked',
      reason: `an earlier grant of the same access (${live.id}) did not finish within 10 minutes; ask again later`,
    };
  }
  return { type: 'wait', reason: `grant ${live.id} of the same access is ${live.status}` };
}

/** Creates the grant, or finds the one this request already made or joined (a retried job). */
async function link(work: GrantWork): Promise<Link> {
  return inTransaction(work.deps.pool, async (db): Promise<Link> => {
    const request = await lockRequest(db, work.request.id);
    if (request?.status !== 'approved') return { type: 'nothing-to-do' };
    if (request.grantId) {
      const grant = await findGrant(db, request.grantId);
      return grant?.status === 'pending' ? { type: 'establish', grant } : { type: 'nothing-to-do' };
    }
    const live = await lockLiveGrant(db, work.resource, work.principal);
    const now = new Date();
    if (live?.status === 'active' && live.expiresAt > now) return join(db, work, live);
    if (live) return waitFor(work, live);
    const expiresAt = newGrantExpiry({
      start: now,
      durationSeconds: request.durationSeconds,
      maxSeconds: work.target.durations.maxSeconds,
      approvedByPerson: approvedByPerson(request.approvedVia),
    });
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
    await auditGrant(db, work, grant, 'grant.created', { expiresAt });
    return { type: 'establish', grant };
  });
}

/**
 * An extension of a generated policy names the grant it extends, and so reaches it (and joins it,
 * if it is still live); every other request's resource follows from its target.
 */
async function resourceOfRequest(
  deps: GrantWorkflowDeps,
  provider: AccessProvider,
  target: Target,
  request: StoredRequest,
): Promise<string> {
  const extended = request.extendsGrantId ? await findGrant(deps.pool, request.extendsGrantId) : undefined;
  if (extended && provider.asGranted(target, extended.resource)) return extended.resource;
  return resourceForRequest(provider, target, request.id);
}

async function prepare(deps: GrantWorkflowDeps, requestId: string) {
  const request = await findRequest(deps.pool, requestId);
  if (request?.status !== 'approved') return undefined;
  const failed = (reason: string) => ({ reason, grantId: request.grantId ?? undefined });
  const target = findTarget(deps.catalog, request.targetId);
  if (!target) return failed(`target ${request.targetId} is no longer in the catalog`);
  if (!request.principal) return failed('the requester was never matched to an account');
  const unfit = request.permissions && (await permissionsStillFit(deps.catalog, target, request.permissions));
  if (unfit) return failed(unfit);
  const provider = providerFor(deps.providers, target);
  const work: GrantWork = {
    deps,
    request,
    target,
    provider,
    principal: request.principal,
    resource: await resourceOfRequest(deps, provider, target, request),
  };
  return work;
}

/**
 * The `grant.apply` job: gives an approved request its access, exactly once. Retryable provider
 * errors are retried with backoff; a final one (or too many) ends the request as failed, undoes
 * whatever was applied, and tells the requester, the approvers and the admin channel. Waiting
 * for another grant of the same access does not use up the tries.
 */
export async function applyGrant(
  deps: GrantWorkflowDeps,
  requestId: string,
  attempt: number,
): Promise<JobOutcome> {
  const work = await prepare(deps, requestId);
  if (work === undefined) return { status: 'done' };
  if ('reason' in work) {
    await failApprovedRequest(deps, { requestId, ...work });
    return { status: 'done' };
  }
  let grant: StoredGrant | undefined;
  try {
    const linked = await link(work);
    if (linked.type === 'wait')
      return { status: 'retry', error: linked.reason, delayMs: WAIT_FOR_OTHER_GRANT_MS, notAnAttempt: true };
    if (linked.type === 'blocked') {
      await failApprovedRequest(deps, { requestId, reason: linked.reason });
      return { status: 'done' };
    }
    if (linked.type === 'refused') {
      // The requester's own doing, nothing for admins to fix; approvers get no new message.
      await failApprovedRequest(deps, { requestId, reason: linked.reason, alertAdmins: false });
      return { status: 'done' };
    }
    if (linked.type === 'replace') await replaceGrant(work, linked.grant, linked.expiresAt);
    if (linked.type === 'establish') {
      grant = linked.grant;
      // Its time ran out while it waited (jitbot down, or its job held by a replica that died):
      // access must never begin after it should have ended. Once an add may have been made, the
      // grant goes on as usual and the revoker ends it at once.
      if (!linked.grant.addAttempted && linked.grant.expiresAt.getTime() <= Date.now()) {
        await findBackstopBeforeGivingUp(work, linked.grant.id);
        const reason =
          'its time ran out before the access could be put in place (jitbot was down or behind), so none was given: ask again';
        await failApprovedRequest(deps, { requestId, reason, grantId: linked.grant.id, alertAdmins: false });
        return { status: 'done' };
      }
      // A retry finishes the grant it began: if the catalog has since named another group or
      // policy, what this grant records (and its revocation takes away) is still the first one.
      const target = work.provider.asGranted(work.target, linked.grant.resource);
      if (!target) {
        const reason = `target ${work.target.id} moved to another account or org while its grant was being applied`;
        await failApprovedRequest(deps, { requestId, reason, grantId: linked.grant.id });
        return { status: 'done' };
      }
      await establishGrant({ ...work, target, resource: linked.grant.resource }, linked.grant);
    }
    deps.onWork?.(
      DUE_WORK.jobs,
      ...(grant
        ? [...dueAt(DUE_WORK.revocations, grant.expiresAt), ...dueAt(DUE_WORK.warnings, grant.warnAt)]
        : [DUE_WORK.revocations, DUE_WORK.warnings]),
    );
    return { status: 'done' };
  } catch (error) {
    const retryable = !isProviderError(error) || error.retryable;
    const message = describeError(error);
    if (retryable && attempt < GRANT_MAX_ATTEMPTS) {
      const delayMs = isProviderError(error) ? error.retryAfterMs : undefined;
      return { status: 'retry', error: message, ...(delayMs ? { delayMs } : {}) };
    }
    const grantId = grant?.id ?? work.request.grantId ?? undefined;
    if (grantId !== undefined) await findBackstopBeforeGivingUp(work, grantId);
    await failApprovedRequest(deps, { requestId, reason: message, grantId });
    return { status: 'failed', error: message };
  }
}
