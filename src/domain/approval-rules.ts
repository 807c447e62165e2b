import type { Approvers, RequesterRestriction } from './catalog.js';
import type { ApprovedVia } from './request.js';

/** Slack user-group membership, looked up by the caller (usergroups.users.list, cached). */
export type GroupMembers = (userGroupId: string) => Promise<readonly string[]>;

async function isListed(
  userId: string,
  list: { readonly users: readonly string[]; readonly userGroups: readonly string[] },
  members: GroupMembers,
): Promise<boolean> {
  if (list.users.includes(userId)) return true;
  for (const group of list.userGroups) {
    if ((await members(group)).includes(userId)) return true;
  }
  return false;
}

/** Whether `userId` is among the approvers of at least one of these targets (their App Home shows Waiting for you). */
export async function approvesAny(
  userId: string,
  approverLists: readonly Approvers[],
  members: GroupMembers,
): Promise<boolean> {
  for (const approvers of approverLists) {
    if (await isListed(userId, approvers, members)) return true;
  }
  return false;
}

export type DecisionRefusal = 'not-an-approver' | 'own-request' | 'already-voted';

export interface DecisionContext {
  readonly actorId: string;
  readonly requesterId: string;
  readonly approvers: Approvers;
  readonly selfApproval: boolean;
  /** Approvers who already recorded a decision on this request. */
  readonly votedBy: readonly string[];
}

/**
 * Whether `actorId` may approve or deny. The requester is refused before anything else unless
 * the target allows self-approval (and even then must be an approver): a requester who is also
 * an approver must not be able to wave their own access through.
 */
export async function mayDecide(
  context: DecisionContext,
  members: GroupMembers,
): Promise<DecisionRefusal | 'allowed'> {
  if (context.actorId === context.requesterId && !context.selfApproval) return 'own-request';
  if (!(await isListed(context.actorId, context.approvers, members))) return 'not-an-approver';
  if (context.votedBy.includes(context.actorId)) return 'already-voted';
  return 'allowed';
}

/** Whether `userId` may request a target; no restriction means anyone in the workspace. */
export async function mayRequest(
  userId: string,
  restriction: RequesterRestriction | undefined,
  members: GroupMembers,
): Promise<boolean> {
  if (!restriction) return true;
  return isListed(userId, restriction, members);
}

export interface RevokeContext {
  readonly requesterId: string;
  readonly approvers: Approvers;
  /** `settings.admins` of the catalog. */
  readonly admins: RequesterRestriction;
}

/**
 * Who may end access early ("Revoke now"): the person who has it, an approver of the target,
 * or a jitbot admin. Taking access away is always safe, but it is still someone's work to lose.
 */
export async function mayRevoke(userId: string, context: RevokeContext, members: GroupMembers) {
  if (userId === context.requesterId) return true;
  if (await isListed(userId, context.approvers, members)) return true;
  return isListed(userId, context.admins, members);
}

/**
 * A jitbot admin (`settings.admins`): nobody when the catalog names none. Removing access jitbot
 * did not give is theirs alone, so an empty list never means everyone here.
 */
export async function isAdmin(
  userId: string,
  admins: RequesterRestriction,
  members: GroupMembers,
): Promise<boolean> {
  return isListed(userId, admins, members);
}

/**
 * Who may mark a breakglass grant reviewed: never the person who used breakglass; the jitbot
 * admins when the catalog names any; otherwise anyone else (the notice goes to the admin
 * channel, so the people who see it are the reviewers).
 */
export async function mayReview(
  userId: string,
  context: { readonly requesterId: string; readonly admins: RequesterRestriction },
  members: GroupMembers,
): Promise<boolean> {
  if (userId === context.requesterId) return false;
  const { users, userGroups } = context.admins;
  if (users.length === 0 && userGroups.length === 0) return true;
  return isListed(userId, context.admins, members);
}

/**
 * Whether people approved a request: its approvers (self-approval included, where the target
 * allows it). Auto-approval and breakglass are approvals by nobody, and so is an unknown way
 * (a row from before `approved_via` existed): unknown is treated as the less trusted case.
 */
export function approvedByPerson(via: ApprovedVia | null | undefined): boolean {
  return via === 'approvers';
}
