/**
 * The backstop's part in a revocation (invariant 5): kept, and made again if it is gone, while
 * the removal fails; deleted only after the removal is confirmed. revoke-grants.ts decides when.
 */

import { appendAudit } from '../db/audit-repository.js';
import { holdsRevocation } from '../db/grant-schedule-repository.js';
import { recordBackstop } from '../db/grants-repository.js';
import { inTransaction } from '../db/pool.js';
import type { Target } from '../domain/catalog.js';
import type { StoredGrant } from '../domain/grant.js';
import { backstopAtFor } from '../domain/grant-timing.js';
import type { Logger } from '../log/logger.js';
import type { AccessProvider, CallContext } from '../ports/access-provider.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import type { GrantWorkflowDeps } from './grant-deps.js';

/** The grant's target as it gave it, and the provider that reaches it. */
export interface Reached {
  readonly ok: true;
  readonly target: Target;
  readonly provider: AccessProvider;
}

/** Removes the membership only if jitbot may have added it (invariant 2). */
export function mustRemove(grant: StoredGrant): boolean {
  return grant.preExisting === false && grant.addAttempted && grant.added !== false;
}

/** What became of the backstop when the revocation ended: deleted (or found gone), or there was none to look for. */
export type BackstopEnd = 'deleted' | 'none';

export function contextFor(grant: StoredGrant, session?: string): CallContext {
  return {
    requestId: grant.latestRequestId,
    grantId: grant.id,
    actor: grant.revokedBy ?? SERVICE_ACTOR,
    ...(session !== undefined ? { session } : {}),
    ...(grant.providerOperation !== null ? { operation: grant.providerOperation } : {}),
    ...(grant.providerState !== null ? { state: grant.providerState } : {}),
  };
}

/** Deletes the backstop, also one made while the account still had a scheduler role. */
export async function deleteBackstop(
  grant: StoredGrant,
  { target, provider }: Reached,
  session?: string,
): Promise<BackstopEnd> {
  const backstop = provider.backstop;
  if (!backstop || (grant.backstopAt === null && !backstop.available(target))) return 'none';
  await backstop.clear(target, grant.id, contextFor(grant, session));
  return 'deleted';
}

/**
 * The removal failed, so the access may still be there: its backstop must be too. One that is
 * gone (deleted by hand, or it fired and its own removal failed) is made again, five minutes
 * ahead, with the same name and target as at grant time. Best effort: the failure that brought
 * us here is what gets retried and reported; these calls are in the audit log either way.
 */
export async function keepBackstop(
  deps: GrantWorkflowDeps,
  grant: StoredGrant,
  { target, provider }: Reached,
  logger: Logger,
  session?: string,
): Promise<void> {
  const backstop = provider.backstop;
  if (!backstop || !mustRemove(grant) || !backstop.available(target)) return;
  const context = contextFor(grant, session);
  try {
    if (await backstop.exists(target, grant.id, context)) return;
    if (!(await holdsRevocation(deps.pool, grant))) return;
    const at = backstopAtFor(new Date());
    await backstop.set(target, grant.principal, grant.id, at, context);
    await inTransaction(deps.pool, async (db) => {
      await recordBackstop(db, grant.id, at);
      await appendAudit(db, {
        actor: context.actor,
        action: 'grant.backstop-recreated',
        outcome: 'ok',
        requestId: grant.requestId,
        grantId: grant.id,
        targetId: grant.targetId,
        details: {
          backstopAt: at,
          was: grant.backstopAt,
          resource: grant.resource,
          principal: grant.principal,
        },
      });
    });
  } catch (error) {
    logger.warn(
      { err: error, grant: grant.id },
      'could not check or re-create the backstop of a failing revocation',
    );
  }
}
