import { DescribeGroupCommand, GetUserIdCommand } from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  type InstanceMetadata,
  ListInstancesCommand,
} from '@aws-sdk/client-sso-admin';
import type { Account, IdentityCenterSettings } from '../domain/catalog.js';
import { field } from '../errors.js';
import { isProviderError } from '../ports/access-provider.js';
import type { CheckResult } from './aws-checks.js';
import { awsErrorCode, awsErrorFacts, toProviderError } from './aws-errors.js';
import type { AwsConnector } from './connector.js';

/*
 * The checks `jitbot doctor` makes of Identity Center: the calls jitbot itself makes, as its
 * connector role in the Identity Center account and home region, each answering in words what is
 * wrong and what an admin does about it.
 */

export type CheckFailure = Extract<CheckResult, { readonly ok: false }>;

/** The catalog's instance as ListInstances lists it. */
export interface InstanceFound {
  readonly ok: true;
  /**
   * The account that owns the instance: for an organization instance, the organization's
   * management account, where the connector role refuses assignments.
   */
  readonly ownerAccountId?: string;
}

export interface PermissionSetFound {
  readonly ok: true;
  readonly name: string;
  /** ISO 8601 (`PT1H`); AWS leaves it out only for a permission set older than the setting. */
  readonly sessionDuration?: string;
}

export interface GroupFound {
  readonly ok: true;
  readonly name: string;
}

export interface IdentityCenterChecks {
  findInstance(): Promise<InstanceFound | CheckFailure>;
  checkIdentityStore(): Promise<CheckResult>;
  describePermissionSet(permissionSetArn: string): Promise<PermissionSetFound | CheckFailure>;
  describeGroup(groupId: string): Promise<GroupFound | CheckFailure>;
}

/** The doctor's calls are attributed to this request id, so they stand out in CloudTrail. */
const DOCTOR_CONTEXT = { requestId: 'doctor', actor: 'jitbot' } as const;
/** ListInstances lists at most a handful (one organization instance, a few account instances). */
const MAX_PAGES = 20;
/**
 * A name no Identity Store user has: `.invalid` can never be a real domain (RFC 2606), so it
 * matches neither a userName nor an email.
 */
const NO_SUCH_USER = 'jitbot-doctor-no-such-user@example.invalid';
const MODULE = 'infra/terraform/modules/identity-center-connector';

/**
 * `account` is the catalog account of `identityCenter.account` in Identity Center's home region
 * (`identityCenterAccount`), so the clients are signed for that region.
 */
export function createIdentityCenterChecks(
  connector: Pick<AwsConnector, 'clientsFor'>,
  settings: IdentityCenterSettings,
  account: Account,
): IdentityCenterChecks {
  const role = `the connector role of ${account.name} (${account.accountId})`;
  const clients = () => connector.clientsFor(account, DOCTOR_CONTEXT);
  const { instanceArn, identityStoreId, region } = settings;

  function failed(error: unknown, read: ReadFailure): CheckFailure {
    const failure = toProviderError(error, {
      operation: read.operation,
      accountId: account.accountId,
      resource: read.resource,
    });
    if (isProviderError(error) && error.code === 'assume_role_denied')
      return { ok: false, problem: failure.message, fix: `fix the connector role of ${account.name} first` };
    if (read.missing !== undefined && awsErrorCode(error) === 'ResourceNotFoundException')
      return { ok: false, ...read.missing };
    if (failure.retryable) return { ok: false, problem: failure.message, fix: 'try again in a minute' };
    if (failure.code !== 'aws_access_denied')
      return { ok: false, problem: failure.message, fix: read.otherwise };
    if (read.denied.why === undefined) return { ok: false, problem: failure.message, fix: read.denied.fix };
    const { code, requestId } = awsErrorFacts(error);
    const ids = `AWS error ${code}${requestId !== undefined ? `, request id ${requestId}` : ''}`;
    return {
      ok: false,
      problem: `AWS refused ${read.operation} on ${read.resource} to ${role}: ${read.denied.why} (${ids})`,
      fix: read.denied.fix,
    };
  }

  return {
    async findInstance() {
      const listed: InstanceMetadata[] = [];
      try {
        const { ssoAdmin } = await clients();
        let NextToken: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer = await ssoAdmin.send(new ListInstancesCommand(NextToken ? { NextToken } : {}));
          listed.push(...(answer.Instances ?? []));
          NextToken = answer.NextToken;
          if (!NextToken) break;
        }
      } catch (error) {
        return failed(error, {
          operation: 'sso:ListInstances',
          resource: `Identity Center in ${region}`,
          denied: {
            fix: `deploy ${MODULE} in ${account.name} and make its connector role this account's connectorRoleArn; identityCenter.account must be the management account or the delegated administrator for Identity Center`,
          },
          otherwise: `check identityCenter.region (${region})`,
        });
      }
      const instance = listed.find((candidate) => candidate.InstanceArn === instanceArn);
      if (instance === undefined) {
        const others = listed.map((candidate) => candidate.InstanceArn).filter(Boolean);
        return {
          ok: false,
          problem:
            `ListInstances in ${region}, as ${role}, does not list ${instanceArn}` +
            (others.length > 0 ? `; it lists ${others.join(', ')}` : '; it lists no instance there'),
          fix:
            `identityCenter.region must be Identity Center's home region (the Region in the IAM Identity Center console's Settings; now ${region}); ` +
            'if it is, correct identityCenter.instanceArn, and check that identityCenter.account is the management account or the delegated administrator for Identity Center',
        };
      }
      if (instance.IdentityStoreId !== identityStoreId) {
        return {
          ok: false,
          problem: `instance ${instanceArn} has the identity store ${instance.IdentityStoreId ?? '(none)'}, not identityCenter.identityStoreId ${identityStoreId}`,
          fix: `set identityCenter.identityStoreId to ${instance.IdentityStoreId ?? "the instance's identity store id"}`,
        };
      }
      return { ok: true, ...(instance.OwnerAccountId ? { ownerAccountId: instance.OwnerAccountId } : {}) };
    },

    /*
     * GetUserId of a user no store has: the call every request makes first, to find the
     * requester; the connector role may make it for any user of the store (DescribeGroup only for
     * the listed groups, and a catalog of permission sets alone names none). ResourceNotFound for
     * the USER proves the store answers; for the IDENTITY_STORE, that it is not there.
     */
    async checkIdentityStore() {
      try {
        const { identityStore } = await clients();
        await identityStore.send(
          new GetUserIdCommand({
            IdentityStoreId: identityStoreId,
            AlternateIdentifier: {
              UniqueAttribute: {
                AttributePath: settings.userMatch === 'email' ? 'emails.value' : 'userName',
                AttributeValue: NO_SUCH_USER,
              },
            },
          }),
        );
        return { ok: true };
      } catch (error) {
        if (
          awsErrorCode(error) === 'ResourceNotFoundException' &&
          field(error, 'ResourceType') !== 'IDENTITY_STORE'
        )
          return { ok: true };
        return failed(error, {
          operation: 'identitystore:GetUserId',
          resource: `identity store ${identityStoreId}`,
          missing: {
            problem: `identity store ${identityStoreId} does not exist in ${region}`,
            fix: 'set identityCenter.identityStoreId to the identity store of the instance (aws sso-admin list-instances)',
          },
          denied: {
            fix: `${role} needs identitystore:GetUserId and DescribeUser on identity store ${identityStoreId} and its users (${MODULE}, identity_store_id)`,
          },
          otherwise: 'check identityCenter.identityStoreId',
        });
      }
    },

    async describePermissionSet(permissionSetArn) {
      try {
        const { ssoAdmin } = await clients();
        const { PermissionSet } = await ssoAdmin.send(
          new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn }),
        );
        return {
          ok: true,
          name: PermissionSet?.Name ?? permissionSetArn,
          ...(PermissionSet?.SessionDuration ? { sessionDuration: PermissionSet.SessionDuration } : {}),
        };
      } catch (error) {
        return failed(error, {
          operation: 'sso:DescribePermissionSet',
          resource: `permission set ${permissionSetArn}`,
          missing: {
            problem: `permission set ${permissionSetArn} does not exist in instance ${instanceArn}`,
            fix: `correct permissionSetArn in the catalog (aws sso-admin list-permission-sets --instance-arn ${instanceArn})`,
          },
          denied: {
            why:
              'it reaches only permission sets tagged jitbot = allowed (or, when its permission_set_arns lists them, only those), ' +
              'and this one is not tagged, not in the list, or does not exist',
            fix:
              `tag it (aws sso-admin tag-resource --instance-arn ${instanceArn} --resource-arn ${permissionSetArn} --tags Key=jitbot,Value=allowed), ` +
              `or add it to permission_set_arns of ${MODULE} and apply; if it does not exist, correct permissionSetArn in the catalog (aws sso-admin list-permission-sets --instance-arn ${instanceArn})`,
          },
          otherwise: 'check permissionSetArn in the catalog',
        });
      }
    },

    async describeGroup(groupId) {
      try {
        const { identityStore } = await clients();
        const group = await identityStore.send(
          new DescribeGroupCommand({ IdentityStoreId: identityStoreId, GroupId: groupId }),
        );
        return { ok: true, name: group.DisplayName ?? groupId };
      } catch (error) {
        return failed(error, {
          operation: 'identitystore:DescribeGroup',
          resource: `Identity Center group ${groupId}`,
          missing: {
            problem: `Identity Center group ${groupId} does not exist in identity store ${identityStoreId}`,
            fix: `correct groupId in the catalog (aws identitystore list-groups --identity-store-id ${identityStoreId})`,
          },
          denied: {
            why: 'it reaches only the groups in its allowed_group_ids, and this one is not there',
            fix: `add ${groupId} to allowed_group_ids of ${MODULE} and apply`,
          },
          otherwise: 'check groupId in the catalog',
        });
      }
    },
  };
}

interface ReadFailure {
  readonly operation: string;
  readonly resource: string;
  /** When AWS says there is no such thing. */
  readonly missing?: { readonly problem: string; readonly fix: string };
  /** When the connector role may not make the call: why that may be (added to the problem), and the fix. */
  readonly denied: { readonly why?: string; readonly fix: string };
  /** The fix for any other final refusal. */
  readonly otherwise: string;
}
