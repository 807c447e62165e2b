import {
  type AttentionCounts,
  countAttention,
  type HomeGrantRow,
  listAllLiveGrants,
  listOwnEndedRequestIds,
  listOwnLiveGrants,
  listRequestsAwaitingDecision,
  listStuckRevocations,
  listUnreviewedBreakglass,
  type StuckRevocationRow,
} from '../db/home-repository.js';
import { isAdmin, mayDecide } from '../domain/approval-rules.js';
import { findTarget } from '../domain/catalog.js';
import type { RequestWorkflowDeps } from './deps.js';
import { type RequestFacts, readRequestFacts } from './request-facts.js';

/** How much of each list a Home reads; the view says how many more there are. */
export const HOME_LIMITS = {
  ownLive: 20,
  ownEnded: 10,
  /** Pending requests looked at for an approver, the oldest first, and how many are shown. */
  candidates: 500,
  waiting: 10,
  adminLive: 30,
  stuck: 10,
  breakglass: 10,
} as const;

export interface AdminHome {
  readonly live: readonly HomeGrantRow[];
  readonly liveTotal: number;
  readonly stuck: readonly StuckRevocationRow[];
  readonly unreviewed: readonly RequestFacts[];
  readonly counts: AttentionCounts;
}

/** Everything one person's Home shows, read at one moment. */
export interface HomeFacts {
  readonly userId: string;
  readonly live: readonly HomeGrantRow[];
  readonly pending: readonly RequestFacts[];
  readonly ended: readonly RequestFacts[];
  /** Pending requests this person may decide now, by the same rules as a click on Approve. */
  readonly waiting: readonly RequestFacts[];
  /** How many requests wait for this person in all (more than `waiting` shows when many do). */
  readonly waitingTotal: number;
  /** Only for jitbot admins (`settings.admins`). */
  readonly admin?: AdminHome;
}

type HomeDeps = Pick<RequestWorkflowDeps, 'pool' | 'stores' | 'catalog' | 'members'>;

async function factsOf(deps: HomeDeps, ids: readonly string[]): Promise<RequestFacts[]> {
  const read = await Promise.all(ids.map((id) => readRequestFacts(deps.stores, id)));
  // One decided or gone between the list and its read is simply left out.
  return read.filter((facts) => facts !== undefined);
}

/** The pending requests `userId` may decide now, and how many there are beyond those read. */
async function waitingFor(
  deps: HomeDeps,
  userId: string,
): Promise<{ readonly facts: RequestFacts[]; readonly total: number }> {
  const candidates = await listRequestsAwaitingDecision(deps.pool, HOME_LIMITS.candidates);
  const allowed: string[] = [];
  for (const candidate of candidates) {
    const target = findTarget(deps.catalog, candidate.targetId);
    if (!target) continue;
    const verdict = await mayDecide(
      {
        actorId: userId,
        requesterId: candidate.requesterId,
        approvers: target.approvers,
        selfApproval: target.selfApproval,
        votedBy: candidate.votedBy,
      },
      deps.members,
    );
    if (verdict === 'allowed') allowed.push(candidate.id);
  }
  const facts = await factsOf(deps, allowed.slice(0, HOME_LIMITS.waiting));
  return { facts: facts.filter((one) => one.request.status === 'pending'), total: allowed.length };
}

async function adminHome(deps: HomeDeps): Promise<AdminHome> {
  const [live, stuck, unreviewedIds, counts] = await Promise.all([
    listAllLiveGrants(deps.pool, HOME_LIMITS.adminLive),
    listStuckRevocations(deps.pool, HOME_LIMITS.stuck),
    listUnreviewedBreakglass(deps.pool, HOME_LIMITS.breakglass),
    countAttention(deps.pool),
  ]);
  return {
    live: live.rows,
    liveTotal: live.total,
    stuck,
    unreviewed: await factsOf(deps, unreviewedIds),
    counts,
  };
}

/** What `userId`'s App Home shows now. */
export async function readHome(deps: HomeDeps, userId: string): Promise<HomeFacts> {
  const [live, pendingRequests, endedIds, waiting, admin] = await Promise.all([
    listOwnLiveGrants(deps.pool, userId, HOME_LIMITS.ownLive),
    deps.stores.requests.listPending(userId),
    listOwnEndedRequestIds(deps.pool, userId, HOME_LIMITS.ownEnded),
    waitingFor(deps, userId),
    isAdmin(userId, deps.catalog.settings.admins, deps.members),
  ]);
  const [pending, ended] = await Promise.all([
    factsOf(
      deps,
      pendingRequests.map((request) => request.id),
    ),
    factsOf(deps, endedIds),
  ]);
  return {
    userId,
    live,
    pending,
    ended,
    waiting: waiting.facts,
    waitingTotal: waiting.total,
    ...(admin ? { admin: await adminHome(deps) } : {}),
  };
}
