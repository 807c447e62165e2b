import {
  GetGroupCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPoliciesCommand,
} from '@aws-sdk/client-iam';
import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import type { Account } from '../domain/catalog.js';
import { GENERATED_POLICY_PATH, generatedPolicyArn } from '../domain/generated-policy.js';
import { isProviderError } from '../ports/access-provider.js';
import { awsErrorCode, toProviderError } from './aws-errors.js';
import type { AwsConnector } from './connector.js';

export type CheckResult =
  | { readonly ok: true }
  /** `problem` says what is wrong, `fix` what an admin does about it; both plain words. */
  | { readonly ok: false; readonly problem: string; readonly fix: string };

export interface AwsChecks {
  checkAssumeRole(account: Account): Promise<CheckResult>;
  checkGroupExists(account: Account, group: string): Promise<CheckResult>;
  checkPolicyExists(account: Account, policyArn: string): Promise<CheckResult>;
  /** Whether the connector role may manage generated policies (a role deployed before them may not). */
  checkGeneratedPolicies(account: Account): Promise<CheckResult>;
  /** Whether the connector role may make drift's listings (a role deployed before drift may not). */
  checkDriftReads(account: Account, withPolicies: boolean): Promise<CheckResult>;
}

/** The IAM path of every group jitbot grants: the connector and scheduler roles are limited to it. */
const JIT_PATH = '/jit/';

/** The doctor's calls are attributed to this request id, so they stand out in CloudTrail. */
const DOCTOR_CONTEXT = { requestId: 'doctor', actor: 'jitbot' } as const;

/** Checks for `jitbot doctor`: each answers whether one piece of an account's setup works. */
export function createAwsChecks(connector: Pick<AwsConnector, 'clientsFor'>): AwsChecks {
  return {
    async checkAssumeRole(account) {
      try {
        await connector.clientsFor(account, DOCTOR_CONTEXT);
        return { ok: true };
      } catch (error) {
        const failure = toProviderError(error, { operation: 'sts:AssumeRole', accountId: account.accountId });
        return {
          ok: false,
          problem: failure.message,
          fix:
            failure.code === 'assume_role_denied'
              ? `make ${account.connectorRoleArn} trust jitbot's AWS identity with the condition sts:ExternalId equal to the value of this account's external id in jitbot's environment`
              : failure.retryable
                ? 'try again in a minute; if it persists, check network access from jitbot to AWS STS'
                : "check jitbot's own AWS credentials and the connector role ARN in the catalog",
        };
      }
    },
    async checkGroupExists(account, group) {
      try {
        const { iam } = await connector.clientsFor(account, DOCTOR_CONTEXT);
        const found = await iam.send(new GetGroupCommand({ GroupName: group, MaxItems: 1 }));
        const path = found.Group?.Path ?? '/';
        if (path === JIT_PATH) return { ok: true };
        return {
          ok: false,
          problem: `IAM group ${group} in ${account.name} (${account.accountId}) has the path ${path}, but jitbot's roles manage only groups under ${JIT_PATH}`,
          fix: `move it: aws iam update-group --group-name ${group} --new-path ${JIT_PATH}`,
        };
      } catch (error) {
        return failedRead(account, error, {
          operation: 'iam:GetGroup',
          resource: `group ${group}`,
          missing: {
            problem: `IAM group ${group} does not exist in ${account.name} (${account.accountId})`,
            fix: 'create the group in that account, or correct the group name in the catalog',
          },
          denied: `the connector role may read only groups under ${JIT_PATH}: give ${group} that path (aws iam update-group --group-name ${group} --new-path ${JIT_PATH}), or check the connector role policy of ${account.name}`,
          otherwise: 'check the group name in the catalog',
        });
      }
    },
    async checkPolicyExists(account, policyArn) {
      try {
        const { iam } = await connector.clientsFor(account, DOCTOR_CONTEXT);
        const found = await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
        if (found.Policy?.IsAttachable !== false) return { ok: true };
        return {
          ok: false,
          problem: `IAM policy ${policyArn} cannot be attached (IsAttachable is false)`,
          fix: 'use a customer managed policy that can be attached to users',
        };
      } catch (error) {
        const denied = `check the connector role policy of ${account.name}: it needs iam:GetPolicy on policies under ${JIT_PATH}`;
        return failedRead(account, error, {
          operation: 'iam:GetPolicy',
          resource: `policy ${policyArn}`,
          missing: {
            problem: `IAM policy ${policyArn} does not exist in ${account.name} (${account.accountId})`,
            fix: `create it under the path ${JIT_PATH} (aws iam create-policy --path ${JIT_PATH} ...), or correct policyArn in the catalog`,
          },
          denied,
          otherwise: denied,
        });
      }
    },
    async checkDriftReads(account, withPolicies) {
      try {
        const { iam, scheduler } = await connector.clientsFor(account, DOCTOR_CONTEXT);
        if (withPolicies)
          await iam.send(
            new ListPoliciesCommand({ Scope: 'Local', PathPrefix: GENERATED_POLICY_PATH, MaxItems: 1 }),
          );
        await scheduler.send(
          new ListSchedulesCommand({ GroupName: 'jitbot', NamePrefix: 'jitbot-', MaxResults: 1 }),
        );
        return { ok: true };
      } catch (error) {
        const denied = `the connector role of ${account.name} predates drift: deploy the current infra/policies/connector-permissions.json (or the connector-role Terraform module), which may list policies and schedules`;
        return failedRead(account, error, {
          operation: 'iam:ListPolicies / scheduler:ListSchedules',
          resource: 'policies and schedules',
          denied,
          otherwise: denied,
        });
      }
    },
    async checkGeneratedPolicies(account) {
      // A policy that never exists, under the generated path: only the grant statement that
      // aws-iam-generated-policy needs lets the role ask, so NoSuchEntity is the pass.
      const probe = generatedPolicyArn(account, 'doctor-probe');
      try {
        const { iam } = await connector.clientsFor(account, DOCTOR_CONTEXT);
        await iam.send(new GetPolicyVersionCommand({ PolicyArn: probe, VersionId: 'v1' }));
        return { ok: true };
      } catch (error) {
        if (awsErrorCode(error) === 'NoSuchEntity') return { ok: true };
        const denied = `the connector role of ${account.name} predates generated policies: deploy the current infra/policies/connector-permissions.json (or the connector-role Terraform module), which may create, read and delete policies under ${GENERATED_POLICY_PATH}`;
        return failedRead(account, error, {
          operation: 'iam:GetPolicyVersion',
          resource: `policy ${probe}`,
          denied,
          otherwise: denied,
        });
      }
    },
  };
}

interface ReadFailure {
  readonly operation: string;
  readonly resource: string;
  /** When IAM says there is no such thing; absent where that is the answer hoped for. */
  readonly missing?: { readonly problem: string; readonly fix: string };
  /** The fix when the connector role may not read it. */
  readonly denied: string;
  /** The fix for any other final refusal. */
  readonly otherwise: string;
}

/** A doctor read that failed, in words: the role first, then a missing thing, then the rest. */
function failedRead(account: Account, error: unknown, read: ReadFailure): CheckResult {
  const failure = toProviderError(error, {
    operation: read.operation,
    accountId: account.accountId,
    resource: read.resource,
  });
  if (isProviderError(error) && error.code === 'assume_role_denied')
    return { ok: false, problem: failure.message, fix: `fix the connector role of ${account.name} first` };
  if (read.missing && awsErrorCode(error) === 'NoSuchEntity') return { ok: false, ...read.missing };
  const fix = failure.retryable
    ? 'try again in a minute'
    : failure.code === 'aws_access_denied'
      ? read.denied
      : read.otherwise;
  return { ok: false, problem: failure.message, fix };
}
