import { appendAudit } from '../db/audit-repository.js';
import { recordProviderOperation } from '../db/grants-repository.js';
import type { Queryable } from '../db/pool.js';
import type { Target } from '../domain/catalog.js';
import type { StoredGrant } from '../domain/grant.js';
import type { StoredRequest } from '../domain/request.js';
import type { AccessProvider, CallContext } from '../ports/access-provider.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import type { GrantWorkflowDeps } from './grant-deps.js';

/** One approved request's grant job, with everything its steps need. */
export interface GrantWork {
  readonly deps: GrantWorkflowDeps;
  readonly request: StoredRequest;
  readonly target: Target;
  readonly provider: AccessProvider;
  readonly principal: string;
  readonly resource: string;
}

export function contextOf(work: GrantWork, grant: StoredGrant): CallContext {
  return {
    requestId: work.request.id,
    grantId: grant.id,
    actor: SERVICE_ACTOR,
    ...(grant.providerOperation !== null ? { operation: grant.providerOperation } : {}),
    rememberOperation: (operation) => recordProviderOperation(work.deps.pool, grant.id, operation),
    expiresAt: grant.expiresAt,
    ...(work.request.permissions ? { permissions: work.request.permissions.statements } : {}),
    ...(grant.providerState !== null ? { state: grant.providerState } : {}),
  };
}

export async function auditGrant(
  db: Queryable,
  work: GrantWork,
  grant: StoredGrant,
  action: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await appendAudit(db, {
    actor: SERVICE_ACTOR,
    action,
    outcome: 'ok',
    requestId: work.request.id,
    grantId: grant.id,
    targetId: work.target.id,
    details: { resource: work.resource, principal: work.principal, ...details },
  });
}
