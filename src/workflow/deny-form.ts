import { findTarget } from '../domain/catalog.js';
import type { RequestStores } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';

/** What the deny form names: whose request, and for what. */
export interface DenyFormFacts {
  readonly requestId: string;
  readonly requesterId: string;
  /** The target's name, or its id once it has left the catalog. */
  readonly targetName: string;
}

/** Undefined when the request does not exist (any more). Deciding is checked on submit, not here. */
export async function readDenyForm(
  deps: Pick<RequestWorkflowDeps, 'catalog'> & { readonly stores: Pick<RequestStores, 'requests'> },
  requestId: string,
): Promise<DenyFormFacts | undefined> {
  const request = await deps.stores.requests.find(requestId);
  if (!request) return undefined;
  const targetName = findTarget(deps.catalog, request.targetId)?.name ?? request.targetId;
  return { requestId, requesterId: request.requesterId, targetName };
}
