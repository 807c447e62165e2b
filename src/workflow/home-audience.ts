import { gatherWrites } from '../db/gathered-writes.js';
import { openedHome, touchHomes } from '../db/home-views-repository.js';
import { findRequest } from '../db/requests-repository.js';
import type { GroupMembers } from '../domain/approval-rules.js';
import type { Catalog } from '../domain/catalog.js';
import type { RequestWorkflowDeps } from './deps.js';
import { DUE_WORK } from './due-work.js';

type AudienceDeps = Pick<RequestWorkflowDeps, 'pool' | 'catalog' | 'members' | 'onWork'>;

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

/** Whose App Home shows what, and marking those Homes out of date when it changes. */
export function createHomeRefresh(deps: AudienceDeps) {
  const whose = new Map<string, { readonly requesterId: string; readonly targetId: string }>();
  // Notices that finish together (a burst of approvals or expiries) mark their Homes in one statement.
  // Each falls due within seconds: the worker is told, or it would find them only at its next look.
  const touch = gatherWrites(async (lists: readonly (readonly string[])[]) => {
    await touchHomes(deps.pool, [...new Set(lists.flat())]);
    deps.onWork?.(DUE_WORK.homes);
  });

  async function requesterAndTarget(requestId: string) {
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
  async function homesShowingRequest(requestId: string): Promise<string[]> {
    const admins = await adminsOf(deps.catalog, deps.members);
    const request = await requesterAndTarget(requestId);
    if (!request) return admins;
    const target = deps.catalog.targets.find((candidate) => candidate.id === request.targetId);
    const approvers = target ? await listed(target.approvers, deps.members) : [];
    return [request.requesterId, ...approvers, ...admins];
  }

  return {
    /** Marks the Homes that show this request out of date; the home source publishes them. */
    request: async (requestId: string) => touch(await homesShowingRequest(requestId)),
    /** Marks the admins' Homes out of date (a drift alert changes what needs a person). */
    admins: async () => touch(await adminsOf(deps.catalog, deps.members)),
  };
}

/** Marks one person's Home out of date (they opened it, or clicked on it) and starts the publish at once. */
export async function refreshHomeOf(
  deps: Pick<RequestWorkflowDeps, 'pool' | 'onWork'>,
  userId: string,
): Promise<void> {
  await openedHome(deps.pool, userId);
  deps.onWork?.(DUE_WORK.homes);
}
