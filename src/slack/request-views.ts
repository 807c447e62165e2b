import { type Catalog, findAccount, findTarget, type Target } from '../config/catalog.js';
import { listApprovals } from '../db/approvals-repository.js';
import { activeGrantUntil } from '../db/grant-schedule-repository.js';
import { findGrant, type StoredGrant } from '../db/grants-repository.js';
import type { Queryable } from '../db/pool.js';
import { findRequest, type StoredRequest } from '../db/requests-repository.js';
import type { GrantSummary, RequestView, TargetSummary } from './blocks/types.js';

function locationOf(catalog: Catalog, target: Target): string {
  if (target.kind === 'okta-group') return 'Okta';
  const account = findAccount(catalog, target.account);
  return account ? `${account.name} (${account.accountId})` : target.account;
}

/** A target as people see it in messages and the request form. */
export function summarizeTarget(catalog: Catalog, target: Target): TargetSummary {
  return {
    id: target.id,
    name: target.name,
    ...(target.description ? { description: target.description } : {}),
    location: locationOf(catalog, target),
    maxSeconds: target.durations.maxSeconds,
    defaultSeconds: target.durations.defaultSeconds,
    breakglass: target.breakglass,
    approverUsers: target.approvers.users,
    approverGroups: target.approvers.userGroups,
    approvalsRequired: target.approvers.required,
  };
}

/** A request whose target has since left the catalog is still shown, by its id. */
function removedTarget(request: StoredRequest): TargetSummary {
  return {
    id: request.targetId,
    name: request.targetId,
    location: 'no longer in the catalog',
    maxSeconds: request.durationSeconds,
    defaultSeconds: request.durationSeconds,
    breakglass: request.breakglass,
    approverUsers: [],
    approverGroups: [],
    approvalsRequired: request.approvalsRequired,
  };
}

export async function loadRequestView(
  db: Queryable,
  catalog: Catalog,
  requestId: string,
): Promise<RequestView | undefined> {
  const request = await findRequest(db, requestId);
  if (!request) return undefined;
  const target = findTarget(catalog, request.targetId);
  const approvals = await listApprovals(db, requestId);
  const grant = request.grantId ? await findGrant(db, request.grantId) : undefined;
  const hasAccessUntil =
    request.status === 'pending'
      ? await activeGrantUntil(db, request.requesterId, request.targetId)
      : undefined;
  return {
    request,
    target: target ? summarizeTarget(catalog, target) : removedTarget(request),
    approvedBy: approvals
      .filter((approval) => approval.decision === 'approve')
      .map((approval) => approval.approverId),
    ...(grant ? { grant: summarizeGrant(grant) } : {}),
    ...(hasAccessUntil ? { hasAccessUntil } : {}),
  };
}

export function summarizeGrant(grant: StoredGrant): GrantSummary {
  return {
    id: grant.id,
    status: grant.status,
    expiresAt: grant.expiresAt,
    preExisting: grant.preExisting === true,
    revokedAt: grant.revokedAt,
    revokedBy: grant.revokedBy,
    revokeReason: grant.revokeReason,
  };
}
