import { findOpenFinding } from '../db/drift-repository.js';
import { isAdmin } from '../domain/approval-rules.js';
import type { Finding } from '../domain/drift.js';
import type { RequestWorkflowDeps } from './deps.js';
import { fixFinding } from './drift-fixes.js';
import { DUE_WORK } from './due-work.js';
import { announce, type ReconcileDeps } from './reconcile.js';

export type RemoveOutcome =
  | { readonly type: 'removed'; readonly words: string }
  | { readonly type: 'failed'; readonly words: string }
  | { readonly type: 'not-an-admin' }
  | { readonly type: 'no-admins' }
  | { readonly type: 'not-open' };

/**
 * Remove on a drift alert: a jitbot admin takes away standing access jitbot did not give. The
 * one place a person makes jitbot remove such access; audited `drift.fixed` with who clicked,
 * and the alert is updated in place.
 */
export async function removeStandingAccess(
  deps: ReconcileDeps & Pick<RequestWorkflowDeps, 'members'>,
  key: string,
  actorId: string,
): Promise<RemoveOutcome> {
  const { admins } = deps.catalog.settings;
  if (admins.users.length === 0 && admins.userGroups.length === 0) return { type: 'no-admins' };
  if (!(await isAdmin(actorId, admins, deps.members))) return { type: 'not-an-admin' };
  const finding = await findOpenFinding(deps.pool, key);
  if (finding?.kind !== 'standing-access') return { type: 'not-open' };
  const outcome = await fixFinding(deps, finding.details as Finding, actorId);
  await announce(deps, [key]);
  deps.onWork?.(DUE_WORK.revocations, DUE_WORK.jobs);
  return outcome.ok ? { type: 'removed', words: outcome.words } : { type: 'failed', words: outcome.words };
}
