import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Account, AwsTarget, Target } from '../domain/catalog.js';
import { generatedPolicyArn } from '../domain/generated-policy.js';
import { partitionOf } from '../domain/partition.js';
import {
  type Backstop,
  type CallContext,
  type CallRecorder,
  isProviderError,
  ProviderError,
} from '../ports/access-provider.js';
import { callAws } from './aws-call.js';
import { awsErrorCode } from './aws-errors.js';
import type { AwsConnector } from './connector.js';

/** The schedule group jitbot's schedules live in (created by the account setup, with the roles). */
export const SCHEDULE_GROUP = 'jitbot';
/**
 * EventBridge Scheduler's universal target that calls IAM RemoveUserFromGroup with the Input as
 * parameters, in the commercial partition; a schedule takes its account's (iamRemoval).
 */
export const REMOVE_USER_TARGET_ARN = universalTargetArn('aws', 'iam', 'removeUserFromGroup');
/** The same for DetachUserPolicy. */
export const DETACH_POLICY_TARGET_ARN = universalTargetArn('aws', 'iam', 'detachUserPolicy');

const GRANT_ID = /^[A-Za-z0-9-]{1,40}$/;
/** The code of a failure with the grant's schedule known to exist (see set()). */
const BACKSTOP_UNCONFIRMED = 'aws_backstop_unconfirmed';

/** The call a schedule makes to take a grant's access away, with its parameters, in words. */
export interface Removal {
  readonly arn: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly words: string;
}

export interface SchedulerBackstopDeps<T extends Target> {
  /** Where the schedule lives and runs (its region and roles): the account that holds the access. */
  readonly accountFor: (target: T) => Account;
  /** The removal for this grant; may ask AWS (an id that exists only once the access does). */
  readonly removalFor: (
    target: T,
    principal: string,
    account: Account,
    context: CallContext,
    grantId: string,
  ) => Promise<Removal>;
  /** Set when the removal needs what the grant creates: the schedule is made right after it. */
  readonly afterGrant?: true;
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

export { partitionOf };

/** EventBridge Scheduler's universal target that calls `service`'s `api` with the Input as parameters. */
export function universalTargetArn(partition: string, service: string, api: string): string {
  return `arn:${partition}:scheduler:::aws-sdk:${service}:${api}`;
}

/** The universal target that calls IAM's `api` in the account's partition. */
function iamTargetArn(account: Account, api: 'removeUserFromGroup' | 'detachUserPolicy'): string {
  return universalTargetArn(partitionOf(account.schedulerRoleArn), 'iam', api);
}

function detachPolicy(account: Account, policyArn: string, principal: string): Removal {
  return {
    arn: iamTargetArn(account, 'detachUserPolicy'),
    input: { PolicyArn: policyArn, UserName: principal },
    words: `detaches IAM policy ${policyArn} from ${principal}`,
  };
}

/**
 * The IAM call the schedule makes, with its parameters, and what it undoes in words. A generated
 * policy is named after its grant, so the schedule can name it before it exists; after an
 * extension, `state` is the policy that replaced it.
 */
export function iamRemoval(
  account: Account,
  target: AwsTarget,
  principal: string,
  grantId: string,
  state?: string,
): Removal {
  if (target.kind === 'aws-iam-policy') return detachPolicy(account, target.policyArn, principal);
  if (target.kind === 'aws-iam-generated-policy')
    return detachPolicy(account, generatedPolicyArn(account, grantId, state), principal);
  return {
    arn: iamTargetArn(account, 'removeUserFromGroup'),
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
  return definitionOf(account, iamRemoval(account, target, principal, grantId), grantId, at);
}

export function definitionOf(
  account: Account,
  undo: Removal,
  grantId: string,
  at: Date,
): CreateScheduleCommandInput {
  if (account.schedulerRoleArn === undefined) throw new Error(`account ${account.id} has no scheduler role`);
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
      // A run that still failed after a day goes to the queue, where an alarm can see it.
      ...(account.deadLetterArn !== undefined ? { DeadLetterConfig: { Arn: account.deadLetterArn } } : {}),
    },
    ActionAfterCompletion: 'DELETE',
    Description: `jitbot backstop for grant ${grantId}: ${undo.words} if jitbot has not by then`.slice(
      0,
      512,
    ),
  };
}

/** Whether the schedule AWS has does what `wanted` says, at the same time: nothing to update. */
function sameSchedule(found: GetScheduleCommandOutput, wanted: CreateScheduleCommandInput): boolean {
  return (
    found.State !== 'DISABLED' &&
    found.ScheduleExpression === wanted.ScheduleExpression &&
    found.ScheduleExpressionTimezone === wanted.ScheduleExpressionTimezone &&
    found.ActionAfterCompletion === wanted.ActionAfterCompletion &&
    found.Target?.Arn === wanted.Target?.Arn &&
    found.Target?.RoleArn === wanted.Target?.RoleArn &&
    found.Target?.Input === wanted.Target?.Input &&
    found.Target?.DeadLetterConfig?.Arn === wanted.Target?.DeadLetterConfig?.Arn
  );
}

export function createSchedulerBackstop<T extends Target>(deps: SchedulerBackstopDeps<T>): Backstop<T> {
  async function scheduler<O extends { readonly $metadata: { readonly requestId?: string } }>(
    target: T,
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

  /** The schedule of this grant as AWS has it; undefined when there is none. */
  async function find(target: T, grantId: string, context: CallContext) {
    try {
      return await scheduler(target, 'GetSchedule', grantId, undefined, context, (client) =>
        client.send(new GetScheduleCommand({ Name: scheduleNameFor(grantId), GroupName: SCHEDULE_GROUP })),
      );
    } catch (error) {
      if (hasAwsCode(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  }

  async function create(
    target: T,
    principal: string,
    grantId: string,
    context: CallContext,
    definition: CreateScheduleCommandInput,
  ): Promise<void> {
    await scheduler(target, 'CreateSchedule', grantId, principal, context, (client) =>
      client.send(new CreateScheduleCommand(definition)),
    );
  }

  return {
    ...(deps.afterGrant ? { afterGrant: true as const } : {}),
    available(target) {
      return deps.accountFor(target).schedulerRoleArn !== undefined;
    },
    async set(target, principal, grantId, at, context) {
      const account = deps.accountFor(target);
      const undo = await deps.removalFor(target, principal, account, context, grantId);
      const definition = definitionOf(account, undo, grantId, at);
      try {
        await create(target, principal, grantId, context, definition);
        return;
      } catch (error) {
        if (!hasAwsCode(error, 'ConflictException')) throw error;
      }
      // The name is this grant's alone, so the schedule that is there is this grant's own: made by
      // an earlier try whose answer was lost, or being moved by an extension. It is adopted, and
      // changed only if it does not already fire when and as it should.
      try {
        const found = await find(target, grantId, context);
        if (found === undefined) {
          // Gone in between (it fired, or was deleted by hand): make it again.
          await create(target, principal, grantId, context, definition);
        } else if (!sameSchedule(found, definition)) {
          await scheduler(target, 'UpdateSchedule', grantId, principal, context, (client) =>
            client.send(new UpdateScheduleCommand(definition)),
          );
        }
      } catch (error) {
        throw unconfirmed(error, grantId);
      }
    },
    async exists(target, grantId, context) {
      return (await find(target, grantId, context)) !== undefined;
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

/**
 * A failure after AWS said the schedule exists: whatever the cause, it must not read as "nothing
 * was made" (a plain refusal does, to the grant workflow), or the schedule would be forgotten.
 */
function unconfirmed(error: unknown, grantId: string): unknown {
  if (!isProviderError(error)) return error;
  return new ProviderError(
    BACKSTOP_UNCONFIRMED,
    `the backstop schedule ${scheduleNameFor(grantId)} exists, but it could not be checked or moved: ${error.message}`,
    {
      kind: 'unconfirmed',
      retryable: error.retryable,
      cause: error.cause,
      ...(error.providerRequestId !== undefined ? { providerRequestId: error.providerRequestId } : {}),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    },
  );
}

function hasAwsCode(error: unknown, code: string): boolean {
  return isProviderError(error) && awsErrorCode(error.cause) === code;
}
