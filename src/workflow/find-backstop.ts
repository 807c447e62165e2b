import { findGrant, forgetPendingBackstop } from '../db/grants-repository.js';
import { describeError } from '../errors.js';
import { auditGrant, contextOf, type GrantWork } from './grant-work.js';

/**
 * Before a grant is given up: is its backstop schedule there? One was recorded before it was asked
 * for, so its answer may have been lost after AWS created it. Looked up by the name the grant id
 * gives it: found (or AWS does not say), the grant goes to the revoker, which removes whatever
 * membership may have been added and then deletes the schedule; not there, nothing outside is
 * left to undo. Either way no schedule is left behind to fire at some later, unrelated grant.
 */
export async function findBackstopBeforeGivingUp(work: GrantWork, grantId: string): Promise<void> {
  const { pool } = work.deps;
  const grant = await findGrant(pool, grantId);
  const backstop = work.provider.backstop;
  if (grant?.status !== 'pending' || grant.backstopAt === null || backstop === undefined) return;
  const target = work.provider.asGranted(work.target, grant.resource);
  if (target === undefined) return;
  let found: boolean | undefined;
  let error: string | undefined;
  try {
    found = await backstop.exists(target, grant.id, contextOf(work, grant));
  } catch (lookup) {
    error = describeError(lookup);
  }
  if (found === false) await forgetPendingBackstop(pool, grant.id);
  await auditGrant(pool, work, grant, 'grant.backstop-looked-up', {
    found: found ?? 'unknown',
    ...(error !== undefined ? { error } : {}),
    next: found === false ? 'nothing to delete' : 'the revoker deletes it by name',
  });
}
