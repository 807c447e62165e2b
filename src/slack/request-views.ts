import type { Catalog, Target } from '../domain/catalog.js';
import type { StoredGrant } from '../domain/grant.js';
import type { StoredRequest } from '../domain/request.js';
import { type ProviderRegistry, providerFor } from '../ports/access-provider.js';
import { type RequestFacts, type RequestFactsStores, readRequestFacts } from '../workflow/request-facts.js';
import type { GrantSummary, RequestView, TargetSummary } from './blocks/types.js';

/** The catalog's targets as people see them; the words for each come from its provider. */
export interface TargetSummaries {
  of(target: Target): TargetSummary;
  /** Undefined for a target that is no longer in the catalog. */
  byId(targetId: string): TargetSummary | undefined;
}

function summarize(providers: ProviderRegistry, target: Target): TargetSummary {
  const provider = providerFor(providers, target);
  const notes = provider.accessNotes?.(target);
  return {
    id: target.id,
    name: target.name,
    ...(target.description ? { description: target.description } : {}),
    location: provider.location(target),
    access: provider.describe(target),
    ...(notes?.sessions ? { sessions: notes.sessions } : {}),
    ...(notes?.signIn ? { signIn: notes.signIn } : {}),
    maxSeconds: target.durations.maxSeconds,
    defaultSeconds: target.durations.defaultSeconds,
    breakglass: target.breakglass,
    approverUsers: target.approvers.users,
    approverGroups: target.approvers.userGroups,
    approvalsRequired: target.approvers.required,
    ...(target.kind === 'aws-iam-generated-policy'
      ? {
          permissionBounds: {
            actions: target.allow.actions,
            resources: target.allow.resources,
            deny: target.deny.actions,
          },
        }
      : {}),
  };
}

/** The catalog is fixed for the life of the process, so each target is put into words once. */
export function createTargetSummaries(catalog: Catalog, providers: ProviderRegistry): TargetSummaries {
  const byId = new Map(catalog.targets.map((target) => [target.id, summarize(providers, target)]));
  return {
    of: (target) => byId.get(target.id) ?? summarize(providers, target),
    byId: (targetId) => byId.get(targetId),
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

/** A request's facts as its messages show them; pure, so a use case's answer can be rendered too. */
export function requestView(targets: TargetSummaries, facts: RequestFacts): RequestView {
  const { request, approvedBy, grant, hasAccessUntil } = facts;
  return {
    request,
    target: targets.byId(request.targetId) ?? removedTarget(request),
    approvedBy,
    ...(grant ? { grant: summarizeGrant(grant) } : {}),
    ...(hasAccessUntil ? { hasAccessUntil } : {}),
  };
}

export async function loadRequestView(
  stores: RequestFactsStores,
  targets: TargetSummaries,
  requestId: string,
): Promise<RequestView | undefined> {
  const facts = await readRequestFacts(stores, requestId);
  return facts ? requestView(targets, facts) : undefined;
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
