import type { Approvers, RequesterRestriction } from '../config/catalog.js';

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
