import { findTarget, type Target } from '../domain/catalog.js';
import type { RequestedPermissions } from '../domain/request.js';
import type { RequestStores } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';

export type ExtensionRead =
  | {
      readonly type: 'extendable';
      readonly grantId: string;
      readonly target: Target;
      readonly permissions: RequestedPermissions;
    }
  | { readonly type: 'refused'; readonly reason: string };

/**
 * What Extend on a generated policy's grant opens: a request for more time on exactly that grant,
 * with the permissions it holds. Only its holder may ask, and only while it is active; submitting
 * checks the same again.
 */
export async function readExtension(
  deps: Pick<RequestWorkflowDeps, 'catalog'> & {
    readonly stores: Pick<RequestStores, 'grants' | 'requests'>;
  },
  grantId: string,
  actorId: string,
): Promise<ExtensionRead> {
  const grant = await deps.stores.grants.find(grantId);
  if (!grant || grant.requesterId !== actorId)
    return { type: 'refused', reason: 'Only the person who has this access can extend it.' };
  if (grant.status !== 'active')
    return {
      type: 'refused',
      reason: 'This access has ended, so there is nothing to extend: ask for new access.',
    };
  const target = findTarget(deps.catalog, grant.targetId);
  if (!target)
    return {
      type: 'refused',
      reason: `${grant.targetId} is no longer in jitbot's catalog, so it cannot be extended.`,
    };
  const held = await deps.stores.requests.find(grant.latestRequestId);
  if (!held?.permissions)
    return {
      type: 'refused',
      reason: 'jitbot has no record of the permissions this access holds, so it cannot extend it.',
    };
  return { type: 'extendable', grantId, target, permissions: held.permissions };
}
