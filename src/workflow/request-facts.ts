import { listApprovals } from '../db/approvals-repository.js';
import { findGrant } from '../db/grants-repository.js';
import { activeGrantUntil } from '../db/live-grants-repository.js';
import type { Queryable } from '../db/pool.js';
import { findRequest } from '../db/requests-repository.js';
import type { StoredGrant } from '../domain/grant.js';
import type { StoredRequest } from '../domain/request.js';

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

/** A request with its approvals and grant; undefined when there is no such request. */
export async function readRequestFacts(db: Queryable, requestId: string): Promise<RequestFacts | undefined> {
  const request = await findRequest(db, requestId);
  if (!request) return undefined;
  const approvals = await listApprovals(db, requestId);
  const grant = request.grantId ? await findGrant(db, request.grantId) : undefined;
  const hasAccessUntil =
    request.status === 'pending'
      ? await activeGrantUntil(db, request.requesterId, request.targetId)
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
