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
export type RequestFactsStores = Pick<RequestStoreSet, 'facts'>;

/** A request with its approvals and grant; undefined when there is no such request. */
export async function readRequestFacts(
  stores: RequestFactsStores,
  requestId: string,
): Promise<RequestFacts | undefined> {
  const read = await stores.facts.read(requestId);
  if (!read) return undefined;
  const { request, approvals, grant, activeUntil: hasAccessUntil } = read;
  return {
    request,
    approvedBy: approvals
      .filter((approval) => approval.decision === 'approve')
      .map((approval) => approval.approverId),
    ...(grant ? { grant } : {}),
    ...(hasAccessUntil ? { hasAccessUntil } : {}),
  };
}
