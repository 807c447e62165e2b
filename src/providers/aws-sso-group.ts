import {
  CreateGroupMembershipCommand,
  DeleteGroupMembershipCommand,
  DescribeGroupCommand,
  GetGroupMembershipIdCommand,
  ListGroupMembershipsCommand,
} from '@aws-sdk/client-identitystore';
import {
  hasAwsCode,
  type IdentityCenterDeps,
  type IdentityCenterOperation,
  identityCenterCaller,
} from '../aws/identity-center.js';
import type { AwsSsoGroupTarget } from '../domain/catalog.js';
import type { AccessProvider, Backstop, CallContext } from '../ports/access-provider.js';
import {
  findIdentityCenterUser,
  holdersNamed,
  IDENTITY_CENTER_MAX_RESULTS,
  identityCenterUserWords,
  signInNote,
} from './identity-center-user.js';

export interface AwsSsoGroupProviderDeps extends IdentityCenterDeps {
  readonly backstop?: Backstop<AwsSsoGroupTarget>;
}

const RESOURCE_PREFIX = 'aws-sso-group:';

/**
 * `aws-sso-group`: membership of an Identity Store group for the grant. A Conflict when adding
 * means someone added the person since jitbot looked: that membership is not jitbot's to remove.
 */
export function createAwsSsoGroupProvider(
  deps: AwsSsoGroupProviderDeps,
): AccessProvider<AwsSsoGroupTarget> & {
  /** The membership id of `principal` in the target's group; undefined when there is none. */
  membershipOf(
    target: AwsSsoGroupTarget,
    principal: string,
    context: CallContext,
  ): Promise<string | undefined>;
  prepare(targets: readonly AwsSsoGroupTarget[], context: CallContext): Promise<void>;
} {
  const { settings } = deps;
  const { identityStore } = identityCenterCaller(deps);
  const IdentityStoreId = settings.identityStoreId;
  const names = new Map<string, string>();
  const nameOf = (target: AwsSsoGroupTarget) => names.get(target.groupId) ?? target.groupId;
  const about = (target: AwsSsoGroupTarget, operation: string, principal?: string) =>
    ({
      operation,
      targetId: target.id,
      ...(principal !== undefined ? { principal } : {}),
      resource: target.groupId,
      resourceWords: `Identity Center group ${nameOf(target)}`,
    }) satisfies IdentityCenterOperation;

  async function membershipOf(target: AwsSsoGroupTarget, principal: string, context: CallContext) {
    try {
      const found = await identityStore(about(target, 'GetGroupMembershipId', principal), context, (client) =>
        client.send(
          new GetGroupMembershipIdCommand({
            IdentityStoreId,
            GroupId: target.groupId,
            MemberId: { UserId: principal },
          }),
        ),
      );
      return found.MembershipId;
    } catch (error) {
      if (hasAwsCode(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  }

  /** The user ids of every member of the target's group, following the pages. */
  async function memberIds(target: AwsSsoGroupTarget, context: CallContext): Promise<string[]> {
    const userIds: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await identityStore(about(target, 'ListGroupMemberships'), context, (client) =>
        client.send(
          new ListGroupMembershipsCommand({
            IdentityStoreId,
            GroupId: target.groupId,
            MaxResults: IDENTITY_CENTER_MAX_RESULTS,
            ...(NextToken !== undefined ? { NextToken } : {}),
          }),
        ),
      );
      for (const membership of page.GroupMemberships ?? [])
        if (membership.MemberId?.UserId) userIds.push(membership.MemberId.UserId);
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    return userIds;
  }

  return {
    kind: 'aws-sso-group',
    resourceOf: (target) => `${RESOURCE_PREFIX}${IdentityStoreId}:${target.groupId}`,
    asGranted(target, resource) {
      const prefix = `${RESOURCE_PREFIX}${IdentityStoreId}:`;
      return resource.startsWith(prefix) ? { ...target, groupId: resource.slice(prefix.length) } : undefined;
    },
    describe: (target) => `Identity Center group ${nameOf(target)}`,
    location: () => `Identity Center (${IdentityStoreId})`,
    resolvePrincipal: (target, person, context) =>
      findIdentityCenterUser(settings, identityStore, target, person, context),
    describePrincipal: (_target, principal, person) => identityCenterUserWords(person, principal),
    listHolders: async (target, context) =>
      holdersNamed(settings, identityStore, target, await memberIds(target, context), context),
    isMember: async (target, principal, context) =>
      (await membershipOf(target, principal, context)) !== undefined,
    membershipOf,
    async grant(target, principal, context) {
      try {
        await identityStore(about(target, 'CreateGroupMembership', principal), context, (client) =>
          client.send(
            new CreateGroupMembershipCommand({
              IdentityStoreId,
              GroupId: target.groupId,
              MemberId: { UserId: principal },
            }),
          ),
        );
        return 'added';
      } catch (error) {
        if (hasAwsCode(error, 'ConflictException')) return 'already-present';
        throw error;
      }
    },
    async revoke(target, principal, context) {
      const MembershipId = await membershipOf(target, principal, context);
      if (MembershipId === undefined) return 'already-gone';
      try {
        await identityStore(about(target, 'DeleteGroupMembership', principal), context, (client) =>
          client.send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId })),
        );
        return 'removed';
      } catch (error) {
        if (hasAwsCode(error, 'ResourceNotFoundException')) return 'already-gone';
        throw error;
      }
    },
    accessNotes: () => ({
      sessions:
        "Ending this access does not end console or CLI sessions already started through the group's permission sets: they last up to those permission sets' session duration.",
      ...signInNote(settings),
    }),
    ...(deps.backstop ? { backstop: deps.backstop } : {}),
    async prepare(targets, context) {
      for (const target of targets) {
        if (names.has(target.groupId)) continue;
        const group = await identityStore(about(target, 'DescribeGroup'), context, (client) =>
          client.send(new DescribeGroupCommand({ IdentityStoreId, GroupId: target.groupId })),
        );
        if (group.DisplayName) names.set(target.groupId, group.DisplayName);
      }
    },
  };
}
