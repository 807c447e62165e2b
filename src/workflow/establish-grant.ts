import {
  activateGrant,
  forgetPendingBackstop,
  markAddAttempted,
  recentlyRemovedByJitbot,
  recordAdded,
  recordBackstop,
  recordBackstopIntent,
  recordFoundPresent,
  recordPreExisting,
} from '../db/grants-repository.js';
import { inTransaction } from '../db/pool.js';
import type { StoredGrant } from '../domain/grant.js';
import { grantStep } from '../domain/grant-state.js';
import { backstopAtFor } from '../domain/grant-timing.js';
import { type GrantResult, isProviderError } from '../ports/access-provider.js';
import { auditGrant, contextOf, type GrantWork } from './grant-work.js';
import { enqueueGrantNotice, enqueueRequestChanged } from './notices.js';

/** A membership jitbot removed this recently may still read as present (IAM is eventually consistent). */
const STALE_MEMBERSHIP_SECONDS = 10 * 60;

/**
 * A refusal after which the provider certainly did not make what it was asked for. Anything else
 * (a timeout, an answer that could not be read) may have been applied, so cleanup removes it.
 */
function certainlyNothingMade(error: unknown): boolean {
  return isProviderError(error) && error.definite;
}

/** Reads the membership once, before acting: what was there already is never taken away. */
async function checkPreExisting(work: GrantWork, grant: StoredGrant): Promise<StoredGrant> {
  if (grant.preExisting !== null) return grant;
  const { pool } = work.deps;
  const member = await work.provider.isMember(work.target, work.principal, contextOf(work, grant));
  const stale =
    member &&
    work.provider.readsLagWrites === true &&
    (await recentlyRemovedByJitbot(pool, work.resource, work.principal, STALE_MEMBERSHIP_SECONDS));
  const checked = (await recordPreExisting(pool, grant.id, member && !stale)) ?? grant;
  await auditGrant(pool, work, checked, 'grant.membership-read', { member, staleReading: stale });
  return checked;
}

/**
 * Creates the backstop before any access exists. It is recorded first: if AWS creates it and the
 * answer is lost, a retry adopts it (set() finds it by name), and a grant given up deletes it.
 * False when the grant is no longer pending: nothing may be made for it then.
 */
async function placeBackstop(work: GrantWork, grant: StoredGrant): Promise<boolean> {
  const { pool } = work.deps;
  const backstop = work.provider.backstop;
  if (!backstop?.available(work.target)) return true;
  const at = backstopAtFor(grant.expiresAt);
  if (!(await recordBackstopIntent(pool, grant.id, at))) return false;
  try {
    await backstop.set(work.target, work.principal, grant.id, at, contextOf(work, grant));
  } catch (error) {
    // A plain refusal on the first try made nothing; after an earlier try whose outcome is not
    // known, a schedule may exist all the same, and stays recorded until it is found or deleted.
    const firstTry = grant.backstopAt === null;
    if (firstTry && certainlyNothingMade(error)) await forgetPendingBackstop(pool, grant.id);
    throw error;
  }
  return true;
}

/** Calls the provider; a definite refusal is recorded as nothing added, for cleanup to skip. */
async function addAccess(work: GrantWork, grant: StoredGrant, firstTry: boolean): Promise<GrantResult> {
  // An after-grant backstop's access may be in place from a run that died before the schedule.
  if (grant.added === true) return 'added';
  // An earlier try may have added it and died before recording so (a replica killed mid-call):
  // the membership is read instead of adding a second time. It was not there before (checked
  // first), so a member now was made so by that try.
  if (!firstTry && (await work.provider.isMember(work.target, work.principal, contextOf(work, grant)))) {
    // The audit log says so, in place of the call row the earlier try could not write.
    await auditGrant(work.deps.pool, work, grant, 'grant.add-found', {
      reason: 'an earlier try added it and did not record its answer (a timeout or a crash)',
    });
    return 'added';
  }
  try {
    return await work.provider.grant(work.target, work.principal, contextOf(work, grant));
  } catch (error) {
    if (certainlyNothingMade(error)) await recordAdded(work.deps.pool, grant.id, false);
    throw error;
  }
}

/**
 * The provider found the access there already, given by someone else since jitbot read it: it is
 * recorded as pre-existing, never taken away, and a schedule made for it is deleted. Only on the
 * first try: after an earlier try whose outcome is unknown, what is there may be jitbot's own.
 */
async function keepFoundAccess(work: GrantWork, grant: StoredGrant): Promise<boolean> {
  const found = await recordFoundPresent(work.deps.pool, grant.id);
  if (!found) return false;
  if (found.backstopAt !== null && work.provider.backstop) {
    await work.provider.backstop.clear(work.target, grant.id, contextOf(work, grant));
    await recordBackstop(work.deps.pool, grant.id, null);
  }
  await auditGrant(work.deps.pool, work, found, 'grant.found-present', {});
  return true;
}

async function addMembership(work: GrantWork, grant: StoredGrant): Promise<boolean> {
  const { pool } = work.deps;
  const afterGrant = work.provider.backstop?.afterGrant === true;
  if (!afterGrant && !(await placeBackstop(work, grant))) return false;
  const attempt = await markAddAttempted(pool, grant.id);
  if (attempt === 'not-pending') return false;
  const firstTry = attempt === 'first';
  const result = await addAccess(work, grant, firstTry);
  if (result === 'already-present' && firstTry) return keepFoundAccess(work, grant);
  await recordAdded(pool, grant.id, true);
  // No access without its backstop for long: if the schedule cannot be made, the grant fails and
  // the revoker takes the access away again.
  return !afterGrant || placeBackstop(work, grant);
}

/**
 * Backstop first, then the membership: jitbot never holds access without its timer outside (where
 * the backstop needs an id only the grant creates, it follows right after instead).
 * Each write is fenced on the grant still being pending, so a job whose claim ran out while it
 * hung cannot add access, or a schedule, after someone else finished or ended the grant.
 */
export async function establishGrant(work: GrantWork, pending: StoredGrant): Promise<void> {
  const grant = await checkPreExisting(work, pending);
  if (!grant.preExisting && !(await addMembership(work, grant))) return;
  await inTransaction(work.deps.pool, async (db) => {
    const active = await activateGrant(db, grant.id, grantStep({ type: 'activate' }));
    if (!active) return;
    const held = work.provider.grantRecord?.(work.target, work.principal, contextOf(work, active));
    await auditGrant(db, work, active, 'grant.activated', {
      preExisting: active.preExisting,
      expiresAt: active.expiresAt,
      backstopAt: active.backstopAt,
      ...(held && !active.preExisting ? { access: held } : {}),
    });
    const notice = active.preExisting ? 'pre-existing' : 'granted';
    await enqueueGrantNotice(db, { requestId: work.request.id, grantId: active.id, notice });
    await enqueueRequestChanged(db, work.request.id);
  });
}
