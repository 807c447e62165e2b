import type { LiveGrantRow, RequestStoreSet } from '../ports/request-stores.js';
import { type RequestFacts, type RequestFactsStores, readRequestFacts } from './request-facts.js';

/** What `status` shows a person: their requests still waiting, and their access in force. */
export interface PersonStatus {
  readonly pending: readonly RequestFacts[];
  /** Soonest expiry first. */
  readonly live: readonly LiveGrantRow[];
}

export async function readStatus(
  deps: { readonly stores: RequestFactsStores & Pick<RequestStoreSet, 'requests' | 'grants'> },
  requesterId: string,
): Promise<PersonStatus> {
  const { stores } = deps;
  const requests = await stores.requests.listPending(requesterId);
  const pending = await Promise.all(requests.map((request) => readRequestFacts(stores, request.id)));
  const live = await stores.grants.listLive(requesterId);
  // A request decided and gone between the list and its read is simply not shown.
  return { pending: pending.filter((facts) => facts !== undefined), live };
}
