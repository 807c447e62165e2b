import { type LiveGrantRow, listLiveGrants } from '../db/live-grants-repository.js';
import { listPendingRequests } from '../db/requests-repository.js';
import type { RequestWorkflowDeps } from './deps.js';
import { type RequestFacts, readRequestFacts } from './request-facts.js';

/** What `status` shows a person: their requests still waiting, and their access in force. */
export interface PersonStatus {
  readonly pending: readonly RequestFacts[];
  /** Soonest expiry first. */
  readonly live: readonly LiveGrantRow[];
}

export async function readStatus(
  deps: Pick<RequestWorkflowDeps, 'pool'>,
  requesterId: string,
): Promise<PersonStatus> {
  const { pool } = deps;
  const requests = await listPendingRequests(pool, requesterId);
  const pending = await Promise.all(requests.map((request) => readRequestFacts(pool, request.id)));
  const live = await listLiveGrants(pool, requesterId);
  // A request decided and gone between the list and its read is simply not shown.
  return { pending: pending.filter((facts) => facts !== undefined), live };
}
