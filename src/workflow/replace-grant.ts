import {
  extendGrant,
  findGrant,
  recordBackstop,
  recordProviderOperation,
  recordProviderState,
} from '../db/grants-repository.js';
import { inTransaction } from '../db/pool.js';
import { linkGrant } from '../db/requests-repository.js';
import type { StoredGrant } from '../domain/grant.js';
import { backstopAtFor, warnAtFor } from '../domain/grant-timing.js';
import { describeError } from '../errors.js';
import { isProviderError } from '../ports/access-provider.js';
import { failApprovedRequest } from './fail-grant.js';
import { auditGrant, contextOf, type GrantWork } from './grant-work.js';
import { enqueueGrantNotice, enqueueRequestChanged } from './notices.js';

/**
 * The expiry an extension of `live` moves it to. One under way (recorded as the grant's provider
 * operation before AWS was asked) is finished as it was begun, so a retry makes the same
 * replacement, never a second one.
 */
export function replacementExpiry(live: StoredGrant, requested: Date): Date {
  const underWay = live.providerOperation === null ? undefined : new Date(live.providerOperation);
  return underWay && !Number.isNaN(underWay.getTime()) ? underWay : requested;
}

/**
 * An approved extension of access that carries its own expiry (a generated policy): the provider
 * replaces it with access ending at `expiresAt`, then the grant records the new expiry, what now
 * stands and where its backstop is. Outside any row lock, since AWS is asked several times; the
 * replacement under way is recorded first (see `replacementExpiry`), so a revocation meanwhile
 * removes both the old access and the new. A refusal leaves the old access exactly as it was.
 */
export async function replaceGrant(work: GrantWork, live: StoredGrant, expiresAt: Date): Promise<void> {
  const { pool, catalog } = work.deps;
  const provider = work.provider;
  if (!provider.extend) throw new Error(`targets of kind ${work.target.kind} cannot be replaced`);
  const backstop = provider.backstop;
  const backstopAt = backstop?.available(work.target) ? backstopAtFor(expiresAt) : undefined;
  let state: string;
  try {
    state = await provider.extend(
      work.target,
      work.principal,
      {
        expiresAt,
        ...(backstopAt ? { backstopAt } : {}),
        ...(live.backstopAt ? { currentBackstopAt: live.backstopAt } : {}),
      },
      contextOf(work, live),
    );
  } catch (error) {
    // Refused for certain: nothing new stands, so nothing is under way any more.
    if (isProviderError(error) && error.definite) await recordProviderOperation(pool, live.id, null);
    throw error;
  }
  const ended = await inTransaction(pool, async (db) => {
    const warnAt = warnAtFor(new Date(), expiresAt, catalog.settings.expiryWarningSeconds) ?? null;
    const grant = await extendGrant(db, { id: live.id, requestId: work.request.id, expiresAt, warnAt });
    // Ended meanwhile: its revocation removes what stands, the replacement included.
    if (!grant) return true;
    await recordProviderState(db, grant.id, state);
    await recordProviderOperation(db, grant.id, null);
    if (backstopAt) await recordBackstop(db, grant.id, backstopAt);
    await linkGrant(db, work.request.id, grant.id);
    const held = provider.grantRecord?.(work.target, work.principal, {
      ...contextOf(work, grant),
      state,
      expiresAt,
    });
    await auditGrant(db, work, grant, 'grant.extended', {
      from: live.expiresAt,
      to: expiresAt,
      ...(held ? { access: held } : {}),
    });
    await enqueueGrantNotice(db, { requestId: work.request.id, grantId: grant.id, notice: 'extended' });
    await enqueueRequestChanged(db, work.request.id);
    return false;
  });
  if (ended) {
    const leftover = await undoReplacement(work, live, state);
    await failApprovedRequest(work.deps, {
      requestId: work.request.id,
      reason: `your access ended before the extension could be applied; ask again for new access${leftover}`,
      alertAdmins: leftover !== '',
    });
  }
}

/**
 * The grant ended while its replacement was being made: a revocation that came first found no
 * replacement to remove, so it is removed here (the revoker may remove it too; both are fine).
 * The schedule is deleted only once the revocation has finished: until then it is the revoker's.
 * Returns words for what could not be undone ('' when all was).
 */
async function undoReplacement(work: GrantWork, live: StoredGrant, state: string): Promise<string> {
  const context = { ...contextOf(work, live), state };
  try {
    await work.provider.revoke(work.target, work.principal, context);
    const now = await findGrant(work.deps.pool, live.id);
    const backstop = work.provider.backstop;
    if (backstop && (now?.status === 'revoked' || now?.status === 'failed'))
      await backstop.clear(work.target, live.id, context);
    return '';
  } catch (error) {
    return ` (jitbot could not take away what the extension had made, ${state}: ${describeError(error)}; the next drift run deletes it)`;
  }
}
