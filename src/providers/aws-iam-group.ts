import {
  AddUserToGroupCommand,
  GetUserCommand,
  type IAMClient,
  ListGroupsForUserCommand,
  RemoveUserFromGroupCommand,
} from '@aws-sdk/client-iam';
import { callAws } from '../aws/aws-call.js';
import { awsErrorCode } from '../aws/aws-errors.js';
import type { AwsConnector } from '../aws/connector.js';
import type { Account, AwsIamGroupTarget } from '../config/catalog.js';
import { iamUserNameOf } from '../domain/iam-user-name.js';
import {
  type AccessProvider,
  type Backstop,
  type CallContext,
  type CallRecorder,
  isProviderError,
  type PrincipalOutcome,
  type RevokeResult,
  type SlackPerson,
} from './provider.js';

/** IAM's hard limit: a user can be in at most 10 groups. */
export const MAX_GROUPS_PER_USER = 10;

export interface AwsIamGroupProviderDeps {
  /** The catalog account of a target (`accountFor(catalog, target)`). */
  readonly accountFor: (target: AwsIamGroupTarget) => Account;
  readonly connector: Pick<AwsConnector, 'clientsFor'>;
  readonly backstop?: Backstop<AwsIamGroupTarget>;
  readonly record: CallRecorder;
}

function accountWords(account: Account): string {
  return `${account.name} (${account.accountId})`;
}

export function createAwsIamGroupProvider(deps: AwsIamGroupProviderDeps): AccessProvider<AwsIamGroupTarget> {
  /** Runs one IAM operation as the target's connector session, recorded and with errors in words. */
  async function iam<O extends { readonly $metadata: { readonly requestId?: string } }>(
    target: AwsIamGroupTarget,
    operation: string,
    principal: string,
    context: CallContext,
    send: (client: IAMClient) => Promise<O>,
  ): Promise<O> {
    const account = deps.accountFor(target);
    const { iam: client } = await deps.connector.clientsFor(account, context);
    const resource = operation === 'GetUser' ? `IAM user ${principal}` : `group ${target.group}`;
    return callAws(
      deps.record,
      {
        action: `aws.iam.${operation}`,
        context,
        targetId: target.id,
        account: account.accountId,
        resource: target.group,
        principal,
      },
      { operation: `iam:${operation}`, accountId: account.accountId, resource },
      () => send(client),
    );
  }

  /** Every group of the user, following IAM's pagination; undefined when the user does not exist. */
  async function groupsOf(target: AwsIamGroupTarget, userName: string, context: CallContext) {
    const groups: string[] = [];
    let marker: string | undefined;
    do {
      const page = await iam(target, 'ListGroupsForUser', userName, context, (client) =>
        client.send(new ListGroupsForUserCommand({ UserName: userName, Marker: marker })),
      );
      for (const group of page.Groups ?? []) if (group.GroupName !== undefined) groups.push(group.GroupName);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
    return groups;
  }

  async function userExists(
    target: AwsIamGroupTarget,
    userName: string,
    context: CallContext,
  ): Promise<boolean> {
    try {
      await iam(target, 'GetUser', userName, context, (client) =>
        client.send(new GetUserCommand({ UserName: userName })),
      );
      return true;
    } catch (error) {
      if (isNoSuchEntity(error)) return false;
      throw error;
    }
  }

  return {
    kind: 'aws-iam-group',
    // IAM is eventually consistent: a removal can still read as a membership for seconds or more.
    readsLagWrites: true,
    ...(deps.backstop !== undefined ? { backstop: deps.backstop } : {}),
    resourceOf(target) {
      return `aws:${deps.accountFor(target).accountId}:group/${target.group}`;
    },
    describe(target) {
      return `IAM group ${target.group} in ${accountWords(deps.accountFor(target))}`;
    },
    location: (target) => accountWords(deps.accountFor(target)),
    async resolvePrincipal(
      target: AwsIamGroupTarget,
      person: SlackPerson,
      context,
    ): Promise<PrincipalOutcome> {
      const account = deps.accountFor(target);
      const where = accountWords(account);
      const mapped = iamUserNameOf(person, account.userMapping, where);
      if (!mapped.ok) return mapped;
      const userName = mapped.userName;
      if (!(await userExists(target, userName, context)))
        return {
          ok: false,
          reason: `There is no IAM user ${userName} in ${where}. Ask an admin of that account to create it, or a jitbot admin to map you to your IAM user in the catalog.`,
        };
      const groups = await groupsOf(target, userName, context);
      if (!groups.includes(target.group) && groups.length >= MAX_GROUPS_PER_USER)
        return {
          ok: false,
          reason: `Your IAM user ${userName} in ${where} is already in ${groups.length} groups, and IAM allows at most ${MAX_GROUPS_PER_USER} groups per user, so it cannot be added to ${target.group}. Leave a group you no longer need, or ask an admin of that account to remove you from one.`,
        };
      return { ok: true, principal: userName };
    },
    async isMember(target, principal, context) {
      try {
        return (await groupsOf(target, principal, context)).includes(target.group);
      } catch (error) {
        // A user that does not exist is in no group.
        if (isNoSuchEntity(error)) return false;
        throw error;
      }
    },
    async grant(target, principal, context) {
      await iam(target, 'AddUserToGroup', principal, context, (client) =>
        client.send(new AddUserToGroupCommand({ GroupName: target.group, UserName: principal })),
      );
    },
    async revoke(target, principal, context): Promise<RevokeResult> {
      try {
        await iam(target, 'RemoveUserFromGroup', principal, context, (client) =>
          client.send(new RemoveUserFromGroupCommand({ GroupName: target.group, UserName: principal })),
        );
        return 'removed';
      } catch (error) {
        // Removed by hand or by the backstop already: the access is gone, which is what was asked.
        if (isNoSuchEntity(error)) return 'already-gone';
        throw error;
      }
    },
  };
}

function isNoSuchEntity(error: unknown): boolean {
  return isProviderError(error) && awsErrorCode(error.cause) === 'NoSuchEntity';
}
