import {
  AddUserToGroupCommand,
  GetGroupCommand,
  ListGroupsForUserCommand,
  RemoveUserFromGroupCommand,
} from '@aws-sdk/client-iam';
import type { AwsIamGroupTarget } from '../domain/catalog.js';
import type {
  AccessProvider,
  Backstop,
  CallContext,
  PrincipalOutcome,
  SlackPerson,
} from '../ports/access-provider.js';
import {
  accountWords,
  allPages,
  awsResource,
  findIamUser,
  IAM_MAX_ITEMS,
  type IamDeps,
  iamCaller,
  iamUserWords,
  removedOrAlreadyGone,
  unlessNoUser,
} from './iam-calls.js';

/** IAM's hard limit: a user can be in at most 10 groups. */
const MAX_GROUPS_PER_USER = 10;

export interface AwsIamGroupProviderDeps extends IamDeps<AwsIamGroupTarget> {
  readonly backstop?: Backstop<AwsIamGroupTarget>;
}

export function createAwsIamGroupProvider(deps: AwsIamGroupProviderDeps): AccessProvider<AwsIamGroupTarget> {
  const iam = iamCaller(deps);
  const about = (target: AwsIamGroupTarget, operation: string, principal?: string) => ({
    operation,
    ...(principal !== undefined ? { principal } : {}),
    resource: target.group,
    resourceWords: `group ${target.group}`,
  });

  /** Every group of the user, following IAM's pagination. */
  async function groupsOf(target: AwsIamGroupTarget, userName: string, context: CallContext) {
    return allPages(
      (marker) =>
        iam(target, about(target, 'ListGroupsForUser', userName), context, (client) =>
          client.send(new ListGroupsForUserCommand({ UserName: userName, Marker: marker })),
        ),
      (page) => (page.Groups ?? []).flatMap((group) => (group.GroupName ? [group.GroupName] : [])),
    );
  }

  return {
    kind: 'aws-iam-group',
    // IAM is eventually consistent: a removal can still read as a membership for seconds or more.
    readsLagWrites: true,
    ...(deps.backstop !== undefined ? { backstop: deps.backstop } : {}),
    ...awsResource(deps.accountFor, 'group', 'group'),
    describe(target) {
      return `IAM group ${target.group} in ${accountWords(deps.accountFor(target))}`;
    },
    location: (target) => accountWords(deps.accountFor(target)),
    describePrincipal: (target, principal) => iamUserWords(principal, deps.accountFor(target)),
    async resolvePrincipal(
      target: AwsIamGroupTarget,
      person: SlackPerson,
      context,
    ): Promise<PrincipalOutcome> {
      const account = deps.accountFor(target);
      const user = await findIamUser(iam, account, target, person, target.group, context);
      if (!user.ok) return user;
      const { userName } = user;
      const groups = await groupsOf(target, userName, context);
      if (!groups.includes(target.group) && groups.length >= MAX_GROUPS_PER_USER)
        return {
          ok: false,
          reason: `Your IAM user ${userName} in ${accountWords(account)} is already in ${groups.length} groups, and IAM allows at most ${MAX_GROUPS_PER_USER} groups per user, so it cannot be added to ${target.group}. Leave a group you no longer need, or ask an admin of that account to remove you from one.`,
        };
      return { ok: true, principal: userName };
    },
    async listHolders(target, context) {
      const users = await allPages(
        (marker) =>
          iam(target, about(target, 'GetGroup'), context, (client) =>
            client.send(
              new GetGroupCommand({ GroupName: target.group, Marker: marker, MaxItems: IAM_MAX_ITEMS }),
            ),
          ),
        (page) => (page.Users ?? []).flatMap((user) => (user.UserName ? [user.UserName] : [])),
      );
      return users.map((userName) => ({ principal: userName, name: userName }));
    },
    isMember: (target, principal, context) =>
      unlessNoUser(async () => (await groupsOf(target, principal, context)).includes(target.group)),
    async grant(target, principal, context) {
      await iam(target, about(target, 'AddUserToGroup', principal), context, (client) =>
        client.send(new AddUserToGroupCommand({ GroupName: target.group, UserName: principal })),
      );
      return 'added';
    },
    revoke: (target, principal, context) =>
      removedOrAlreadyGone(() =>
        iam(target, about(target, 'RemoveUserFromGroup', principal), context, (client) =>
          client.send(new RemoveUserFromGroupCommand({ GroupName: target.group, UserName: principal })),
        ),
      ),
  };
}
