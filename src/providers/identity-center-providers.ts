import type { AwsConnector } from '../aws/connector.js';
import { createSchedulerBackstop, partitionOf, universalTargetArn } from '../aws/scheduler-backstop.js';
import {
  type Account,
  type AwsSsoGroupTarget,
  type AwsSsoPermissionSetTarget,
  type Catalog,
  findAccount,
  type IdentityCenterSettings,
} from '../domain/catalog.js';
import { type CallContext, type CallRecorder, ProviderError } from '../ports/access-provider.js';
import { createAwsSsoGroupProvider } from './aws-sso-group.js';
import { createAwsSsoPermissionSetProvider } from './aws-sso-permission-set.js';

export interface IdentityCenterProviderOptions {
  readonly catalog: Catalog;
  readonly settings: IdentityCenterSettings;
  readonly connector: Pick<AwsConnector, 'clientsFor'>;
  readonly record: CallRecorder;
  readonly waitMs?: number;
}

/**
 * The account jitbot assumes for Identity Center, in Identity Center's home region: its calls and
 * its backstop schedules go there, with that account's scheduler role and dead-letter queue.
 */
export function identityCenterAccount(catalog: Catalog, settings: IdentityCenterSettings): Account {
  const account = findAccount(catalog, settings.account);
  if (account === undefined)
    throw new Error(`identityCenter.account ${settings.account} is not in the catalog`);
  return { ...account, region: settings.region };
}

/** Both Identity Center kinds, each with its EventBridge Scheduler backstop in the Identity Center account. */
export function createIdentityCenterProviders(options: IdentityCenterProviderOptions) {
  const { settings, connector, record } = options;
  const account = identityCenterAccount(options.catalog, settings);
  const partition = partitionOf(settings.instanceArn);
  const deps = {
    settings,
    account,
    connector,
    record,
    ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
  };

  const permissionSetBackstop = createSchedulerBackstop<AwsSsoPermissionSetTarget>({
    accountFor: () => account,
    removalFor: async (target, principal) => ({
      arn: universalTargetArn(partition, 'ssoadmin', 'deleteAccountAssignment'),
      input: {
        InstanceArn: settings.instanceArn,
        TargetId: target.accountId,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: target.permissionSetArn,
        PrincipalType: 'USER',
        PrincipalId: principal,
      },
      words: `removes the assignment of ${target.permissionSetArn} in ${target.accountId} from user ${principal}`,
    }),
    connector,
    record,
  });
  const groups = createAwsSsoGroupProvider({
    ...deps,
    // The removal names the membership, which exists only once the grant made it.
    backstop: createSchedulerBackstop<AwsSsoGroupTarget>({
      accountFor: () => account,
      afterGrant: true,
      removalFor: async (target, principal, _account, context: CallContext) => {
        const MembershipId = await groups.membershipOf(target, principal, context);
        if (MembershipId === undefined)
          throw new ProviderError(
            'aws_membership_missing',
            `user ${principal} is not in Identity Center group ${target.groupId}, so there is nothing to schedule a removal of`,
            { kind: 'not-found' },
          );
        return {
          arn: universalTargetArn(partition, 'identitystore', 'deleteGroupMembership'),
          input: { IdentityStoreId: settings.identityStoreId, MembershipId },
          words: `removes user ${principal} from Identity Center group ${target.groupId}`,
        };
      },
      connector,
      record,
    }),
  });
  const permissionSets = createAwsSsoPermissionSetProvider({
    ...deps,
    accounts: options.catalog.accounts,
    backstop: permissionSetBackstop,
  });
  return { permissionSets, groups };
}
