import { describe, expect, it } from 'vitest';
import {
  atExpression,
  createSchedulerBackstop,
  iamRemoval,
  scheduleDefinition,
  scheduleNameFor,
} from '../../src/aws/scheduler-backstop.js';
import type { Account, AwsTarget } from '../../src/domain/catalog.js';
import { buildAccount, buildTarget, context, useFakeAws } from './aws-fixtures.js';

const aws = useFakeAws();
const AT = new Date('2026-11-22T15:30:00.000Z');

function backstop(account: Account = buildAccount()) {
  const connector = aws.connect([account]);
  const state = aws.fake.account(account.accountId);
  const schedulerBackstop = createSchedulerBackstop<AwsTarget>({
    accountFor: () => account,
    removalFor: async (target, principal, where, _context, grantId) =>
      iamRemoval(where, target, principal, grantId),
    connector,
    record: async (call) => {
      aws.recorded.push(call);
    },
  });
  return { schedulerBackstop, state };
}

describe('the EventBridge Scheduler backstop', () => {
  it('is available only where the account has a scheduler role', () => {
    expect(backstop().schedulerBackstop.available(buildTarget())).toBe(true);
    const without = buildAccount({ schedulerRoleArn: undefined });
    expect(backstop(without).schedulerBackstop.available(buildTarget())).toBe(false);
  });

  it('creates a one-off schedule that removes the user from the group at the given time', async () => {
    const { schedulerBackstop, state } = backstop();
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context({ grantId: 'G-7' }));

    const [create] = aws.fake.callsTo('CreateSchedule');
    expect(create?.session?.sessionName).toBe('jitbot-R-2026-0001');
    expect(create?.params).toEqual({
      Name: 'jitbot-G-7',
      GroupName: 'jitbot',
      ClientToken: expect.any(String),
      ScheduleExpression: 'at(2026-11-22T15:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup',
        RoleArn: 'arn:aws:iam::111111111111:role/jitbot-scheduler',
        Input: JSON.stringify({ GroupName: 'jit-admin', UserName: 'alice' }),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      },
      ActionAfterCompletion: 'DELETE',
      Description:
        'jitbot backstop for grant G-7: removes alice from IAM group jit-admin if jitbot has not by then',
    });
    expect(state.schedule('jitbot', 'jitbot-G-7')).toBeDefined();
    expect(aws.recorded.at(-1)).toEqual({
      action: 'aws.scheduler.CreateSchedule',
      outcome: 'ok',
      context: context({ grantId: 'G-7' }),
      targetId: 'prod-admin',
      account: '111111111111',
      resource: 'jitbot-G-7',
      principal: 'alice',
      providerRequestId: create?.requestId,
    });
  });

  it('when it fires, removes the member and deletes itself', async () => {
    const { schedulerBackstop, state } = backstop();
    state.addUser('alice', ['jit-admin']);
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    expect(aws.fake.fireSchedulesDueBy(new Date(AT.getTime() - 1000))).toEqual([]);
    expect(aws.fake.fireSchedulesDueBy(AT)).toEqual(['jitbot-G-7']);
    expect(state.isMember('jit-admin', 'alice')).toBe(false);
    expect(state.schedules.size).toBe(0);
  });

  it('moves an existing schedule to the new time when set again (an extension)', async () => {
    const { schedulerBackstop, state } = backstop();
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    const later = new Date('2026-11-22T17:30:00Z');
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', later, context());

    expect(aws.fake.calls.map((call) => `${call.action} ${call.status}`)).toEqual([
      'AssumeRole 200',
      'CreateSchedule 200',
      'CreateSchedule 409',
      'GetSchedule 200',
      'UpdateSchedule 200',
    ]);
    const { ClientToken: _created, ...created } = aws.fake.callsTo('CreateSchedule')[0]?.params ?? {};
    const { ClientToken: _updated, ...updated } = aws.fake.callsTo('UpdateSchedule')[0]?.params ?? {};
    expect(updated).toEqual({ ...created, ScheduleExpression: 'at(2026-11-22T17:30:00)' });
    expect(state.schedule('jitbot', 'jitbot-G-7')?.definition.ScheduleExpression).toBe(
      'at(2026-11-22T17:30:00)',
    );
    expect(aws.recorded.map((call) => `${call.action} ${call.outcome}`)).toEqual([
      'aws.sts.AssumeRole ok',
      'aws.scheduler.CreateSchedule ok',
      'aws.scheduler.CreateSchedule error',
      'aws.scheduler.GetSchedule ok',
      'aws.scheduler.UpdateSchedule ok',
    ]);
  });

  it('adopts the schedule an earlier try made (its answer lost) without changing it when it is already right', async () => {
    const { schedulerBackstop, state } = backstop();
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    expect(aws.fake.calls.map((call) => `${call.action} ${call.status}`)).toEqual([
      'AssumeRole 200',
      'CreateSchedule 200',
      'CreateSchedule 409',
      'GetSchedule 200',
    ]);
    expect(state.schedules.size).toBe(1);
  });

  it('a refusal after AWS said the schedule exists is not a plain refusal, so the schedule is not forgotten', async () => {
    const { schedulerBackstop, state } = backstop();
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    aws.fake.failNext('GetSchedule', { code: 'AccessDeniedException', status: 403 });
    await expect(schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context())).rejects.toMatchObject({
      code: 'aws_backstop_unconfirmed',
      retryable: false,
      message: expect.stringContaining(
        'the backstop schedule jitbot-G-7 exists, but it could not be checked',
      ),
    });
    expect(state.schedule('jitbot', 'jitbot-G-7')).toBeDefined();
    // A refused CreateSchedule, by contrast, made nothing and says so with AWS's own code.
    aws.fake.failNext('CreateSchedule', { code: 'AccessDeniedException', status: 403 });
    await expect(schedulerBackstop.set(buildTarget(), 'bob', 'G-8', AT, context())).rejects.toMatchObject({
      code: 'aws_access_denied',
    });
  });

  it('finds a schedule by the name the grant id gives it', async () => {
    const { schedulerBackstop } = backstop();
    expect(await schedulerBackstop.exists(buildTarget(), 'G-7', context())).toBe(false);
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    expect(await schedulerBackstop.exists(buildTarget(), 'G-7', context())).toBe(true);
    expect(aws.fake.callsTo('GetSchedule').map((call) => [call.params.Name, call.status])).toEqual([
      ['jitbot-G-7', 404],
      ['jitbot-G-7', 200],
    ]);
  });

  it("sends a failed run to the account's dead-letter queue when it has one", async () => {
    const queue = 'arn:aws:sqs:eu-west-1:111111111111:jitbot-backstop-dlq';
    const { schedulerBackstop } = backstop(buildAccount({ deadLetterArn: queue }));
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    expect(aws.fake.callsTo('CreateSchedule')[0]?.params.Target).toMatchObject({
      DeadLetterConfig: { Arn: queue },
    });
    const { schedulerBackstop: without } = backstop();
    await without.set(buildTarget(), 'bob', 'G-8', AT, context());
    expect(aws.fake.callsTo('CreateSchedule')[1]?.params.Target).not.toHaveProperty('DeadLetterConfig');
  });

  it('deletes the schedule, and treats one that is already gone as done', async () => {
    const { schedulerBackstop, state } = backstop();
    await schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context());
    await schedulerBackstop.clear(buildTarget(), 'G-7', context());
    expect(state.schedules.size).toBe(0);
    await expect(schedulerBackstop.clear(buildTarget(), 'G-7', context())).resolves.toBeUndefined();
    expect(aws.fake.callsTo('DeleteSchedule').map((call) => [call.params.groupName, call.status])).toEqual([
      ['jitbot', 200],
      ['jitbot', 404],
    ]);
  });

  it('reports a denied CreateSchedule as final, naming iam:PassRole as a likely cause', async () => {
    const { schedulerBackstop } = backstop();
    aws.fake.failNext('CreateSchedule', { code: 'AccessDeniedException', status: 403 });
    await expect(schedulerBackstop.set(buildTarget(), 'alice', 'G-7', AT, context())).rejects.toMatchObject({
      code: 'aws_access_denied',
      retryable: false,
      message: expect.stringContaining('iam:PassRole on the scheduler role'),
    });
  });

  it('reports a Scheduler outage as retryable', async () => {
    const { schedulerBackstop } = backstop();
    aws.fake.failNext('DeleteSchedule', { code: 'InternalServerException', status: 500 });
    await expect(schedulerBackstop.clear(buildTarget(), 'G-7', context())).rejects.toMatchObject({
      code: 'aws_unavailable',
      retryable: true,
    });
  });
});

describe('partitions', () => {
  it("calls IAM through the universal target of the account's own partition", () => {
    const account = buildAccount({
      accountId: '111111111111',
      connectorRoleArn: 'arn:aws-us-gov:iam::111111111111:role/jitbot-connector',
      schedulerRoleArn: 'arn:aws-us-gov:iam::111111111111:role/jitbot-scheduler',
    });
    const group = scheduleDefinition(account, buildTarget(), 'alice', 'G-1', AT);
    expect(group.Target?.Arn).toBe('arn:aws-us-gov:scheduler:::aws-sdk:iam:removeUserFromGroup');
    const policy = scheduleDefinition(
      account,
      {
        ...buildTarget(),
        kind: 'aws-iam-policy',
        policyArn: 'arn:aws-us-gov:iam::111111111111:policy/jit/x',
      },
      'alice',
      'G-1',
      AT,
    );
    expect(policy.Target?.Arn).toBe('arn:aws-us-gov:scheduler:::aws-sdk:iam:detachUserPolicy');
    expect(scheduleDefinition(buildAccount(), buildTarget(), 'alice', 'G-1', AT).Target?.Arn).toBe(
      'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup',
    );
  });
});

describe('schedule names and times', () => {
  it('rounds up to the whole second so the backstop never fires early', () => {
    expect(atExpression(new Date('2026-11-22T15:30:00.001Z'))).toBe('at(2026-11-22T15:30:01)');
    expect(atExpression(new Date('2026-12-31T23:59:59.500Z'))).toBe('at(2027-01-01T00:00:00)');
  });

  it('refuses a grant id that cannot name a schedule', () => {
    expect(scheduleNameFor('G-1')).toBe('jitbot-G-1');
    expect(() => scheduleNameFor('G/1')).toThrow(/cannot name a schedule/);
    expect(() => scheduleNameFor('x'.repeat(41))).toThrow(/cannot name a schedule/);
  });
});
