import { mayRevoke } from '../domain/approval-rules.js';
import { findTarget } from '../domain/catalog.js';
import type { RequestedPermissions } from '../domain/request.js';
import type { RequestStores } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';

export type PolicyRead =
  | {
      readonly type: 'found';
      readonly requestId: string;
      readonly targetName: string;
      readonly durationSeconds: number;
      readonly permissions: RequestedPermissions;
    }
  | { readonly type: 'not-found' }
  | { readonly type: 'not-allowed' };

/**
 * A generated policy in full ("View policy" on an approval message), for the people who may see
 * it: the requester, the target's approvers and the jitbot admins. A click forged with another
 * request's id shows nobody else what that request asked for.
 */
export async function readRequestedPolicy(
  deps: Pick<RequestWorkflowDeps, 'catalog' | 'members'> & {
    readonly stores: Pick<RequestStores, 'requests'>;
  },
  requestId: string,
  actorId: string,
): Promise<PolicyRead> {
  const request = await deps.stores.requests.find(requestId);
  const target = request && findTarget(deps.catalog, request.targetId);
  if (!request?.permissions || !target) return { type: 'not-found' };
  const allowed = await mayRevoke(
    actorId,
    { requesterId: request.requesterId, approvers: target.approvers, admins: deps.catalog.settings.admins },
    deps.members,
  );
  if (!allowed) return { type: 'not-allowed' };
  return {
    type: 'found',
    requestId,
    targetName: target.name,
    durationSeconds: request.durationSeconds,
    permissions: request.permissions,
  };
}
