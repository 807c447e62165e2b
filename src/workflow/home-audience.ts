import { openedHome, touchHomes } from '../db/home-views-repository.js';
import { findRequest } from '../db/requests-repository.js';
import type { GroupMembers } from '../domain/approval-rules.js';
import type { Catalog } from '../domain/catalog.js';
import type { RequestWorkflowDeps } from './deps.js';

type AudienceDeps = Pick<RequestWorkflowDeps, 'pool' | 'catalog' | 'members'>;

async function listed(
  list: { readonly users: readonly string[]; readonly userGroups: readonly string[] },
  members: GroupMembers,
): Promise<string[]> {
  const people = [...list.users];
  for (const group of list.userGroups) people.push(...(await members(group)));
  return people;
}

function adminsOf(catalog: Catalog, members: GroupMembers): Promise<string[]> {
  return listed(catalog.settings.admins, members);
}

/** A request's requester and target never change: kept for the notices that follow it. */
const KEPT_REQUESTS = 1000;
const whose = new Map<string, { readonly requesterId: string; readonly targetId: string }>();

async function requesterAndTarget(deps: AudienceDeps, requestId: string) {
  const kept = whose.get(requestId);
  if (kept) return kept;
  const request = await findRequest(deps.pool, requestId);
  if (!request) return undefined;
  const read = { requesterId: request.requesterId, targetId: request.targetId };
  whose.set(requestId, read);
  if (whose.size > KEPT_REQUESTS) whose.delete(whose.keys().next().value ?? requestId);
  return read;
}

/**
 * Whose App Home shows a request: its requester (their requests and access), its target's
 * approvers (Waiting for you) and the jitbot admins (all live access, what needs a person).
 */
export async function homesShowingRequest(deps: AudienceDeps, requestId: string): Promise<string[]> {
  const admins = await adminsOf(deps.catalog, deps.members);
  const request = await requesterAndTarget(deps, requestId);
  if (!request) return admins;
  const target = deps.catalog.targets.find((candidate) => candidate.id === request.targetId);
  const approvers = target ? await listed(target.approvers, deps.members) : [];
  return [request.requesterId, ...approvers, ...admins];
}

/** Marks the Homes that show this request out of date; the home source publishes them. */
export async function refreshHomesOfRequest(deps: AudienceDeps, requestId: string): Promise<void> {
  await touchHomes(deps.pool, await homesShowingRequest(deps, requestId));
}

/** Marks one person's Home out of date (they opened it, or clicked on it) and starts the publish at once. */
export async function refreshHomeOf(
  deps: Pick<RequestWorkflowDeps, 'pool' | 'onWork'>,
  userId: string,
): Promise<void> {
  await openedHome(deps.pool, userId);
  deps.onWork?.();
}

/** Marks the admins' Homes out of date (a drift alert changes what needs a person). */
export async function refreshAdminHomes(deps: AudienceDeps): Promise<void> {
  await touchHomes(deps.pool, await adminsOf(deps.catalog, deps.members));
}
