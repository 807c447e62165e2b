import { appendAudit } from '../db/audit-repository.js';
import { findGrant, revokeEarly } from '../db/grants-repository.js';
import { inTransaction } from '../db/pool.js';
import { mayRevoke } from '../domain/approval-rules.js';
import { findTarget } from '../domain/catalog.js';
import type { StoredGrant } from '../domain/grant.js';
import { grantStep } from '../domain/grant-state.js';
import { DUE_WORK } from './due-work.js';
import type { GrantWorkflowDeps } from './grant-deps.js';

export type RevokeNowOutcome =
  | { readonly type: 'revoking'; readonly grant: StoredGrant }
  | { readonly type: 'not-allowed'; readonly grant: StoredGrant }
  | { readonly type: 'not-active'; readonly grant: StoredGrant }
  | { readonly type: 'not-found' };

/**
 * "Revoke now": the holder, an approver of the target or a jitbot admin ends the access at once.
 * The grant's expiry moves to now; the revoker (the same code as at expiry) does the rest.
 */
export async function revokeNow(
  deps: Pick<GrantWorkflowDeps, 'pool' | 'catalog' | 'members' | 'onWork'>,
  grantId: string,
  actorId: string,
): Promise<RevokeNowOutcome> {
  const grant = await findGrant(deps.pool, grantId);
  if (!grant) return { type: 'not-found' };
  const target = findTarget(deps.catalog, grant.targetId);
  const approvers = target?.approvers ?? { users: [], userGroups: [], required: 1 };
  const context = { requesterId: grant.requesterId, approvers, admins: deps.catalog.settings.admins };
  const event = { actor: actorId, requestId: grant.latestRequestId, grantId, targetId: grant.targetId };
  if (!(await mayRevoke(actorId, context, deps.members))) {
    await appendAudit(deps.pool, { ...event, action: 'grant.revoke-now', outcome: 'refused' });
    return { type: 'not-allowed', grant };
  }
  const outcome = await inTransaction(deps.pool, async (db): Promise<RevokeNowOutcome> => {
    const reason = actorId === grant.requesterId ? 'ended early by its holder' : 'ended early';
    const step = grantStep({ type: 'revoke-now' });
    const ended = await revokeEarly(db, { id: grantId, actor: actorId, reason, step });
    if (!ended) return { type: 'not-active', grant };
    await appendAudit(db, { ...event, action: 'grant.revoke-now', outcome: 'ok' });
    return { type: 'revoking', grant: ended };
  });
  deps.onWork?.(DUE_WORK.revocations, DUE_WORK.jobs);
  return outcome;
}
