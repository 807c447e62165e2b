import {
  GetGroupCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  NoSuchEntityException,
  paginateGetGroup,
  paginateListEntitiesForPolicy,
} from '@aws-sdk/client-iam';
import {
  CreateScheduleCommand,
  ListSchedulesCommand,
  paginateListSchedules,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws } from '../support/fake-aws.js';

/**
 * The fake's listings drift reads, through the real IAM and Scheduler clients over HTTP: a
 * group's users (GetGroup), a policy's users (ListEntitiesForPolicy), the schedules of a group
 * (ListSchedules), each paged as AWS pages it.
 */

const ACCOUNT = '111111111111';
const CONNECTOR = `arn:aws:iam::${ACCOUNT}:role/jitbot-connector`;
const POLICY = `arn:aws:iam::${ACCOUNT}:policy/jit/read-logs`;

let aws: FakeAws;
let iam: IAMClient;
let scheduler: SchedulerClient;

beforeEach(async () => {
  aws = new FakeAws();
  const url = await aws.start();
  aws.addRole(CONNECTOR, undefined);
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: CONNECTOR, RoleSessionName: 'jitbot-test' }),
  );
  sts.destroy();
  const credentials = {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken ?? '',
  };
  const config = { region: 'eu-west-1', endpoint: url, credentials, maxAttempts: 1 };
  iam = new IAMClient(config);
  scheduler = new SchedulerClient(config);
});

afterEach(async () => {
  iam.destroy();
  scheduler.destroy();
  await aws.stop();
});

async function all<P, I>(pages: AsyncIterable<P>, items: (page: P) => I[] | undefined): Promise<I[]> {
  const found: I[] = [];
  for await (const page of pages) found.push(...(items(page) ?? []));
  return found;
}

describe('GetGroup', () => {
  it("pages the group's users with MaxItems and Marker", async () => {
    const account = aws.account(ACCOUNT);
    account.addGroup('jit-admin');
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) account.addUser(user, ['jit-admin']);
    account.addUser('mallory', ['other']);

    const first = await iam.send(new GetGroupCommand({ GroupName: 'jit-admin', MaxItems: 2 }));
    expect(first.Group?.GroupName).toBe('jit-admin');
    expect(first.Users?.map((user) => user.UserName)).toEqual(['alice', 'bob']);
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toEqual(expect.any(String));

    const users = await all(
      paginateGetGroup({ client: iam, pageSize: 2 }, { GroupName: 'jit-admin' }),
      (page) => page.Users?.map((user) => user.UserName),
    );
    expect(users).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(aws.callsTo('GetGroup')).toHaveLength(4);
  });

  it('answers NoSuchEntity for a group that does not exist', async () => {
    await expect(iam.send(new GetGroupCommand({ GroupName: 'nope' }))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
  });
});

describe('ListEntitiesForPolicy', () => {
  it('lists the users the policy is attached to, paged, with empty groups and roles', async () => {
    const account = aws.account(ACCOUNT);
    for (const user of ['alice', 'bob', 'carol']) account.addUser(user);
    const attached = account.addPolicy(POLICY);
    attached.add('alice').add('carol');
    account.addPolicy(`arn:aws:iam::${ACCOUNT}:policy/jit/other`).add('bob');

    const first = await iam.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: POLICY, EntityFilter: 'User', MaxItems: 1 }),
    );
    expect(first.PolicyUsers).toEqual([{ UserName: 'alice', UserId: expect.stringMatching(/^AIDA/) }]);
    expect(first.PolicyGroups ?? []).toEqual([]);
    expect(first.PolicyRoles ?? []).toEqual([]);
    expect(first.IsTruncated).toBe(true);

    const users = await all(
      paginateListEntitiesForPolicy(
        { client: iam, pageSize: 1 },
        { PolicyArn: POLICY, EntityFilter: 'User' },
      ),
      (page) => page.PolicyUsers?.map((user) => user.UserName),
    );
    expect(users).toEqual(['alice', 'carol']);
  });

  it('filters by entity kind and user path, and refuses an unknown filter or a missing policy', async () => {
    const account = aws.account(ACCOUNT);
    account.addUser('alice');
    account.addPolicy(POLICY).add('alice');

    const roles = await iam.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: POLICY, EntityFilter: 'Role' }),
    );
    expect(roles.PolicyUsers ?? []).toEqual([]);
    const elsewhere = await iam.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: POLICY, PathPrefix: '/ops/' }),
    );
    expect(elsewhere.PolicyUsers ?? []).toEqual([]);

    await expect(
      iam.send(
        new ListEntitiesForPolicyCommand({
          PolicyArn: POLICY,
          EntityFilter: 'Users' as 'User',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/jit/gone` })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
  });
});

async function createSchedule(name: string, group = 'jitbot') {
  await scheduler.send(
    new CreateScheduleCommand({
      Name: name,
      GroupName: group,
      ScheduleExpression: 'at(2030-01-01T00:00:00)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/jitbot-scheduler`,
        Input: '{}',
      },
    }),
  );
}

describe('ListSchedules', () => {
  it("lists a group's schedules by name prefix, as Scheduler's summaries", async () => {
    await createSchedule('jitbot-G-1');
    await createSchedule('other-G-2');
    await createSchedule('jitbot-G-3', 'default');

    const listed = await scheduler.send(
      new ListSchedulesCommand({ GroupName: 'jitbot', NamePrefix: 'jitbot-' }),
    );
    expect(listed.Schedules).toEqual([
      {
        Arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/jitbot/jitbot-G-1`,
        Name: 'jitbot-G-1',
        GroupName: 'jitbot',
        State: 'ENABLED',
        CreationDate: expect.any(Date),
        LastModificationDate: expect.any(Date),
        Target: { Arn: 'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup' },
      },
    ]);
    expect(listed.NextToken).toBeUndefined();
    expect(aws.callsTo('ListSchedules')[0]?.params).toEqual({
      ScheduleGroup: 'jitbot',
      NamePrefix: 'jitbot-',
    });

    const everywhere = await scheduler.send(new ListSchedulesCommand({}));
    expect(everywhere.Schedules?.map((schedule) => schedule.Name)).toEqual([
      'jitbot-G-1',
      'other-G-2',
      'jitbot-G-3',
    ]);
  });

  it('pages with MaxResults and NextToken, and refuses a token it did not give', async () => {
    for (const grant of ['G-1', 'G-2', 'G-3', 'G-4', 'G-5']) await createSchedule(`jitbot-${grant}`);
    const names = await all(
      paginateListSchedules(
        { client: scheduler, pageSize: 2 },
        { GroupName: 'jitbot', NamePrefix: 'jitbot-' },
      ),
      (page) => page.Schedules?.map((schedule) => schedule.Name),
    );
    expect(names).toEqual(['jitbot-G-1', 'jitbot-G-2', 'jitbot-G-3', 'jitbot-G-4', 'jitbot-G-5']);
    expect(aws.callsTo('ListSchedules')).toHaveLength(3);

    await expect(scheduler.send(new ListSchedulesCommand({ NextToken: 'forged' }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await expect(scheduler.send(new ListSchedulesCommand({ MaxResults: 101 }))).rejects.toBeInstanceOf(
      ValidationException,
    );
  });
});
