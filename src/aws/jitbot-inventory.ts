import {
  DetachUserPolicyCommand,
  type IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
} from '@aws-sdk/client-iam';
import { ListSchedulesCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Account } from '../domain/catalog.js';
import { GENERATED_POLICY_PATH } from '../domain/generated-policy.js';
import { type CallContext, type CallRecorder, isProviderError } from '../ports/access-provider.js';
import { callAws } from './aws-call.js';
import { awsErrorCode } from './aws-errors.js';
import type { AwsConnector } from './connector.js';
import { SCHEDULE_GROUP } from './scheduler-backstop.js';

/*
 * What jitbot itself has left in an account, read back for drift: its backstop schedules and its
 * generated policies. Both are named after grants (`jitbot-<grant id>`), so drift can tell which
 * grant each belongs to; deciding what is an orphan is drift's, not this module's.
 */

/** Every schedule jitbot makes is named `jitbot-<grant id>` (scheduleNameFor). */
const SCHEDULE_PREFIX = 'jitbot-';
/** IAM's largest page and Scheduler's: a listing takes as few calls as it can. */
const IAM_MAX_ITEMS = 1000;
const SCHEDULER_MAX_RESULTS = 100;

export interface InventoriedSchedule {
  readonly name: string;
}

export interface InventoriedPolicy {
  readonly arn: string;
  /** The IAM user names the policy is attached to now. */
  readonly attachedTo: string[];
}

export interface JitbotInventory {
  /**
   * jitbot's schedules in the account, in the account's region or in `region` (Identity Center's
   * schedules live in its home region, as identityCenterAccount() places them).
   */
  listSchedules(account: Account, context: CallContext, region?: string): Promise<InventoriedSchedule[]>;
  /** jitbot's generated policies in the account (under /jit/generated/), with who holds each. */
  listGeneratedPolicies(account: Account, context: CallContext): Promise<InventoriedPolicy[]>;
  /** Detaches a generated policy from a user it was not made for; one not attached is fine. */
  detachGeneratedPolicy(
    account: Account,
    arn: string,
    userName: string,
    context: CallContext,
  ): Promise<'removed' | 'already-gone'>;
}

export interface JitbotInventoryDeps {
  readonly connector: Pick<AwsConnector, 'clientsFor'>;
  readonly record: CallRecorder;
}

type Output = { readonly $metadata: { readonly requestId?: string } };

export function createJitbotInventory(deps: JitbotInventoryDeps): JitbotInventory {
  /** One recorded call, with its failure in the words every other AWS call uses. */
  function send<O extends Output>(
    account: Account,
    context: CallContext,
    call: { readonly service: 'iam' | 'scheduler'; readonly action: string },
    resource: { readonly id: string; readonly words: string },
    run: () => Promise<O>,
  ): Promise<O> {
    return callAws(
      deps.record,
      {
        action: `aws.${call.service}.${call.action}`,
        context,
        account: account.accountId,
        resource: resource.id,
      },
      { operation: `${call.service}:${call.action}`, accountId: account.accountId, resource: resource.words },
      run,
    );
  }

  async function schedulesIn(
    account: Account,
    client: SchedulerClient,
    context: CallContext,
  ): Promise<InventoriedSchedule[]> {
    const found: InventoriedSchedule[] = [];
    let NextToken: string | undefined;
    do {
      const page = await send(
        account,
        context,
        { service: 'scheduler', action: 'ListSchedules' },
        { id: SCHEDULE_GROUP, words: `schedule group ${SCHEDULE_GROUP}` },
        () =>
          client.send(
            new ListSchedulesCommand({
              GroupName: SCHEDULE_GROUP,
              NamePrefix: SCHEDULE_PREFIX,
              MaxResults: SCHEDULER_MAX_RESULTS,
              ...(NextToken !== undefined ? { NextToken } : {}),
            }),
          ),
      );
      for (const schedule of page.Schedules ?? [])
        if (schedule.Name?.startsWith(SCHEDULE_PREFIX)) found.push({ name: schedule.Name });
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    return found;
  }

  async function generatedPolicyArns(account: Account, iam: IAMClient, context: CallContext) {
    const arns: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await send(
        account,
        context,
        { service: 'iam', action: 'ListPolicies' },
        { id: GENERATED_POLICY_PATH, words: `policies under ${GENERATED_POLICY_PATH}` },
        () =>
          iam.send(
            new ListPoliciesCommand({
              Scope: 'Local',
              PathPrefix: GENERATED_POLICY_PATH,
              MaxItems: IAM_MAX_ITEMS,
              Marker,
            }),
          ),
      );
      for (const policy of page.Policies ?? []) if (policy.Arn !== undefined) arns.push(policy.Arn);
      Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker !== undefined);
    return arns;
  }

  async function usersOf(account: Account, iam: IAMClient, arn: string, context: CallContext) {
    const users: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await send(
        account,
        context,
        { service: 'iam', action: 'ListEntitiesForPolicy' },
        { id: arn, words: `policy ${arn.slice(arn.indexOf(':policy/') + ':policy'.length)}` },
        () =>
          iam.send(
            new ListEntitiesForPolicyCommand({
              PolicyArn: arn,
              EntityFilter: 'User',
              MaxItems: IAM_MAX_ITEMS,
              Marker,
            }),
          ),
      );
      for (const user of page.PolicyUsers ?? []) if (user.UserName !== undefined) users.push(user.UserName);
      Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker !== undefined);
    return users;
  }

  return {
    async listSchedules(account, context, region) {
      const where = region === undefined ? account : { ...account, region };
      const { scheduler } = await deps.connector.clientsFor(where, context);
      return schedulesIn(where, scheduler, context);
    },
    async listGeneratedPolicies(account, context) {
      const { iam } = await deps.connector.clientsFor(account, context);
      const policies: InventoriedPolicy[] = [];
      for (const arn of await generatedPolicyArns(account, iam, context)) {
        try {
          policies.push({ arn, attachedTo: await usersOf(account, iam, arn, context) });
        } catch (error) {
          // Deleted since it was listed (its grant ended meanwhile): nothing left to report.
          if (!(isProviderError(error) && awsErrorCode(error.cause) === 'NoSuchEntity')) throw error;
        }
      }
      return policies;
    },
    async detachGeneratedPolicy(account, arn, userName, context) {
      const { iam } = await deps.connector.clientsFor(account, context);
      try {
        await send(
          account,
          context,
          { service: 'iam', action: 'DetachUserPolicy' },
          {
            id: arn,
            words: `policy ${arn.slice(arn.indexOf(':policy/') + ':policy'.length)} of IAM user ${userName}`,
          },
          () => iam.send(new DetachUserPolicyCommand({ PolicyArn: arn, UserName: userName })),
        );
        return 'removed';
      } catch (error) {
        if (isProviderError(error) && awsErrorCode(error.cause) === 'NoSuchEntity') return 'already-gone';
        throw error;
      }
    },
  };
}
