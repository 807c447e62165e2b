import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Account, AwsTarget } from '../config/catalog.js';
import {
  type Backstop,
  type CallContext,
  type CallRecorder,
  isProviderError,
} from '../providers/provider.js';
import { callAws } from './aws-call.js';
import { awsErrorCode } from './aws-errors.js';
import type { AwsConnector } from './connector.js';

/** The schedule group jitbot's schedules live in (created by the account setup, with the roles). */
export const SCHEDULE_GROUP = 'jitbot';
/** EventBridge Scheduler's universal target that calls IAM RemoveUserFromGroup with the Input as parameters. */
export const REMOVE_USER_TARGET_ARN = 'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup';
/** The same for DetachUserPolicy. */
export const DETACH_POLICY_TARGET_ARN = 'arn:aws:scheduler:::aws-sdk:iam:detachUserPolicy';

const GRANT_ID = /^[A-Za-z0-9-]{1,40}$/;

export interface SchedulerBackstopDeps {
  readonly accountFor: (target: AwsTarget) => Account;
  readonly connector: Pick<AwsConnector, 'clientsFor'>;
  readonly record: CallRecorder;
}

/** One schedule per grant, so extending moves it and ending the grant deletes exactly it. */
export function scheduleNameFor(grantId: string): string {
  if (!GRANT_ID.test(grantId)) throw new Error(`grant id ${JSON.stringify(grantId)} cannot name a schedule`);
  return `jitbot-${grantId}`;
}

/**
 * `at(...)` takes whole seconds in the given time zone. Rounding up means the backstop never fires
 * before the moment asked for, even by a fraction of a second.
 */
export function atExpression(at: Date): string {
  const seconds = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

/** The IAM call the schedule makes, with its parameters, and what it undoes in words. */
function removal(target: AwsTarget, principal: string) {
  if (target.kind === 'aws-iam-policy')
    return {
      arn: DETACH_POLICY_TARGET_ARN,
      input: { PolicyArn: target.policyArn, UserName: principal },
      words: `detaches IAM policy ${target.policyArn} from ${principal}`,
    };
  return {
    arn: REMOVE_USER_TARGET_ARN,
    input: { GroupName: target.group, UserName: principal },
    words: `removes ${principal} from IAM group ${target.group}`,
  };
}

export function scheduleDefinition(
  account: Account,
  target: AwsTarget,
  principal: string,
  grantId: string,
  at: Date,
): CreateScheduleCommandInput {
  if (account.schedulerRoleArn === undefined) throw new Error(`account ${account.id} has no scheduler role`);
  const undo = removal(target, principal);
  return {
    Name: scheduleNameFor(grantId),
    GroupName: SCHEDULE_GROUP,
    ScheduleExpression: atExpression(at),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: undo.arn,
      RoleArn: account.schedulerRoleArn,
      Input: JSON.stringify(undo.input),
      // Keep trying for a day: IAM throttling or an outage must not leave the access in place.
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
    },
    ActionAfterCompletion: 'DELETE',
    Description: `jitbot backstop for grant ${grantId}: ${undo.words} if jitbot has not by then`.slice(
      0,
      512,
    ),
  };
}

export function createSchedulerBackstop(deps: SchedulerBackstopDeps): Backstop<AwsTarget> {
  async function scheduler<O extends { readonly $metadata: { readonly requestId?: string } }>(
    target: AwsTarget,
    operation: string,
    grantId: string,
    principal: string | undefined,
    context: CallContext,
    send: (client: SchedulerClient) => Promise<O>,
  ): Promise<O> {
    const account = deps.accountFor(target);
    const { scheduler: client } = await deps.connector.clientsFor(account, context);
    const name = scheduleNameFor(grantId);
    return callAws(
      deps.record,
      {
        action: `aws.scheduler.${operation}`,
        context,
        targetId: target.id,
        account: account.accountId,
        resource: name,
        ...(principal !== undefined ? { principal } : {}),
      },
      {
        operation: `scheduler:${operation}`,
        accountId: account.accountId,
        resource: `schedule ${SCHEDULE_GROUP}/${name}`,
      },
      () => send(client),
    );
  }

  return {
    available(target) {
      return deps.accountFor(target).schedulerRoleArn !== undefined;
    },
    async set(target, principal, grantId, at, context) {
      const definition = scheduleDefinition(deps.accountFor(target), target, principal, grantId, at);
      try {
        await scheduler(target, 'CreateSchedule', grantId, principal, context, (client) =>
          client.send(new CreateScheduleCommand(definition)),
        );
      } catch (error) {
        if (!hasAwsCode(error, 'ConflictException')) throw error;
        // The schedule exists (an extension, or a retry after a lost answer): move it to the new definition.
        await scheduler(target, 'UpdateSchedule', grantId, principal, context, (client) =>
          client.send(new UpdateScheduleCommand(definition)),
        );
      }
    },
    async clear(target, grantId, context) {
      try {
        await scheduler(target, 'DeleteSchedule', grantId, undefined, context, (client) =>
          client.send(
            new DeleteScheduleCommand({ Name: scheduleNameFor(grantId), GroupName: SCHEDULE_GROUP }),
          ),
        );
      } catch (error) {
        // Already fired (ActionAfterCompletion DELETE), cleared before, or never created: nothing to do.
        if (!hasAwsCode(error, 'ResourceNotFoundException')) throw error;
      }
    },
  };
}

function hasAwsCode(error: unknown, code: string): boolean {
  return isProviderError(error) && awsErrorCode(error.cause) === code;
}
