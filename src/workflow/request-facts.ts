import type { StoredGrant } from '../domain/grant.js';
import type { StoredRequest } from '../domain/request.js';
import type { RequestStoreSet } from '../ports/request-stores.js';

/** Everything a message about one request shows, read together; the chat surface words it. */
export interface RequestFacts {
  readonly request: StoredRequest;
  /** Who approved so far, in order. */
  readonly approvedBy: readonly string[];
  /** The grant the approval created or extended, once it exists. */
  readonly grant?: StoredGrant;
  /** While pending: the requester already holds this access until then (the request extends it). */
  readonly hasAccessUntil?: Date;
}

/** What the facts are read from. */
export type RequestFactsStores = Pick<RequestStoreSet, 'requests' | 'approvals' | 'grants'>;

/** A request with its approvals and grant; undefined when there is no such request. */
export async function readRequestFacts(
  stores: RequestFactsStores,
  requestId: string,
): Promise<RequestFacts | undefined> {
  const request = await stores.requests.find(requestId);
  if (!request) return undefined;
  const approvals = await stores.approvals.list(requestId);
  const grant = request.grantId ? await stores.grants.find(request.grantId) : undefined;
  const hasAccessUntil =
    request.status === 'pending'
      ? await stores.grants.activeUntil(request.requesterId, request.targetId)
      : undefined;
  return {
    request,
    approvedBy: approvals
      .filter((approval) => approval.decision === 'approve')
      .map((approval) => approval.approverId),
    ...(grant ? { grant } : {}),
    ...(hasAccessUntil ? { hasAccessUntil } : {}),
  };
}
