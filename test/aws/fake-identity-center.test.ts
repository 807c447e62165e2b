import {
  CreateGroupMembershipCommand,
  DeleteGroupMembershipCommand,
  DescribeGroupCommand,
  DescribeUserCommand,
  GetGroupMembershipIdCommand,
  GetUserIdCommand,
  ConflictException as IdentityStoreConflict,
  ResourceNotFoundException as IdentityStoreNotFound,
  ValidationException as IdentityStoreValidation,
  IdentitystoreClient,
  IdentitystoreServiceException,
  InternalServerException,
  IsMemberInGroupsCommand,
  ListGroupMembershipsCommand,
  paginateListGroupMemberships,
  ThrottlingException,
} from '@aws-sdk/client-identitystore';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  AccessDeniedException,
  ConflictException,
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListTagsForResourceCommand,
  paginateListAccountAssignments,
  ResourceNotFoundException,
  SSOAdminClient,
  SSOAdminServiceException,
  ValidationException,
} from '@aws-sdk/client-sso-admin';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws, type FakeIdentityCenter } from '../support/fake-aws.js';

const MANAGEMENT = '999999999999';
const MEMBER = '111111111111';
const CONNECTOR = `arn:aws:iam::${MANAGEMENT}:role/jitbot-connector`;
const OUTSIDER = `arn:aws:iam::${MEMBER}:role/jitbot-connector`;
const REGION = 'eu-west-1';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

let aws: FakeAws;
let url: string;
let ic: FakeIdentityCenter;

beforeEach(async () => {
  aws = new FakeAws();
  url = await aws.start();
  aws.addRole(CONNECTOR, undefined);
  aws.addRole(OUTSIDER, undefined);
  ic = aws.addIdentityCenter({ ownerAccountId: MANAGEMENT, region: REGION });
});

afterEach(async () => {
  await aws.stop();
});

/** A session of `roleArn` from the fake STS, as jitbot's connector gets one. */
async function assume(roleArn = CONNECTOR): Promise<Credentials> {
  const sts = new STSClient({
    region: REGION,
    endpoint: url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'jitbot-test' }),
  );
  sts.destroy();
  return {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken ?? '',
  };
}

async function clients(options: { roleArn?: string; region?: string } = {}) {
  const credentials = await assume(options.roleArn);
  const config = { region: options.region ?? REGION, endpoint: url, credentials, maxAttempts: 1 };
  return {
    sso: new SSOAdminClient(config),
    store: new IdentitystoreClient(config),
    scheduler: new SchedulerClient(config),
    credentials,
  };
}

/** The error a call rejects with (fails the test when it succeeds). */
async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

function setUp() {
  const admin = ic.addPermissionSet({
    name: 'AdministratorAccess',
    sessionDuration: 'PT2H',
    tags: { jitbot: 'allowed', team: 'platform' },
    description: 'Full access',
  });
  const alice = ic.addUser({ userName: 'alice', emails: ['alice@example.com', 'a.l@example.org'] });
  const bob = ic.addUser({ userName: 'bob', emails: ['bob@example.com'], status: 'DISABLED' });
  const oncall = ic.addGroup('oncall', { description: 'Who is on call' });
  return { admin, alice, bob, oncall };
}

describe('the fake sso-admin (real SSOAdminClient)', () => {
  it('lists the instance to its owner account in its home region only', async () => {
    const { sso } = await clients();
    const { Instances } = await sso.send(new ListInstancesCommand({}));
    expect(Instances).toEqual([
      {
        InstanceArn: ic.instanceArn,
        IdentityStoreId: ic.identityStoreId,
        IdentityStoreArn: `arn:aws:identitystore::${MANAGEMENT}:identitystore/${ic.identityStoreId}`,
        OwnerAccountId: MANAGEMENT,
        Name: 'jitbot-test',
        CreatedDate: new Date('2026-01-01T00:00:00Z'),
        Status: 'ACTIVE',
        PrimaryRegion: REGION,
      },
    ]);
    expect(ic.instanceArn).toMatch(/^arn:aws:sso:::instance\/ssoins-[0-9a-f]{16}$/);
    expect(ic.identityStoreId).toMatch(/^d-[0-9a-f]{10}$/);

    const elsewhere = await clients({ region: 'us-east-1' });
    expect((await elsewhere.sso.send(new ListInstancesCommand({}))).Instances).toEqual([]);
    const member = await clients({ roleArn: OUTSIDER });
    expect((await member.sso.send(new ListInstancesCommand({}))).Instances).toEqual([]);
    ic.delegatedAdmins.add(MEMBER);
    expect((await member.sso.send(new ListInstancesCommand({}))).Instances).toHaveLength(1);
  });

  it('describes a permission set and lists its tags', async () => {
    const { admin } = setUp();
    const { sso } = await clients();
    const { PermissionSet } = await sso.send(
      new DescribePermissionSetCommand({ InstanceArn: ic.instanceArn, PermissionSetArn: admin.arn }),
    );
    expect(PermissionSet).toEqual({
      Name: 'AdministratorAccess',
      PermissionSetArn: admin.arn,
      Description: 'Full access',
      CreatedDate: expect.any(Date),
      SessionDuration: 'PT2H',
    });
    expect(admin.arn).toBe(`arn:aws:sso:::permissionSet/${ic.instanceId}/${admin.arn.split('/')[2]}`);
    const { Tags } = await sso.send(
      new ListTagsForResourceCommand({ InstanceArn: ic.instanceArn, ResourceArn: admin.arn }),
    );
    expect(Tags).toEqual([
      { Key: 'jitbot', Value: 'allowed' },
      { Key: 'team', Value: 'platform' },
    ]);

    const missing = await failure(
      sso.send(
        new DescribePermissionSetCommand({
          InstanceArn: ic.instanceArn,
          PermissionSetArn: `${admin.arn.slice(0, -4)}0000`,
        }),
      ),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toMatch(/Could not find PermissionSet/);
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });

  it('creates an assignment asynchronously: IN_PROGRESS, then SUCCEEDED after the configured polls', async () => {
    const { admin, alice } = setUp();
    const { sso } = await clients();
    ic.inProgressPolls = 2;
    const assignment = {
      InstanceArn: ic.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT' as const,
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER' as const,
      PrincipalId: alice.userId,
    };
    const { AccountAssignmentCreationStatus: created } = await sso.send(
      new CreateAccountAssignmentCommand(assignment),
    );
    expect(created).toEqual({
      Status: 'IN_PROGRESS',
      RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER',
      PrincipalId: alice.userId,
      CreatedDate: expect.any(Date),
    });
    const where = { accountId: MEMBER, permissionSetArn: admin.arn, principalId: alice.userId };
    const poll = async () =>
      (
        await sso.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: ic.instanceArn,
            AccountAssignmentCreationRequestId: created?.RequestId,
          }),
        )
      ).AccountAssignmentCreationStatus;
    expect((await poll())?.Status).toBe('IN_PROGRESS');
    expect((await poll())?.Status).toBe('IN_PROGRESS');
    expect(ic.hasAssignment(where)).toBe(false);
    expect(await poll()).toMatchObject({ Status: 'SUCCEEDED', RequestId: created?.RequestId });
    expect(ic.hasAssignment(where)).toBe(true);
    expect((await poll())?.Status).toBe('SUCCEEDED');

    // Creating it again: SUCCEEDED at once (AWS's answer here is not documented).
    const again = await sso.send(new CreateAccountAssignmentCommand(assignment));
    expect(again.AccountAssignmentCreationStatus?.Status).toBe('SUCCEEDED');
    expect(ic.allAssignments()).toHaveLength(1);
  });

  it('deletes an assignment asynchronously, and a missing one is SUCCEEDED at once', async () => {
    const { admin, alice } = setUp();
    const { sso } = await clients();
    ic.inProgressPolls = 0;
    const where = { accountId: MEMBER, permissionSetArn: admin.arn, principalId: alice.userId };
    ic.assign(where);
    const request = {
      InstanceArn: ic.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT' as const,
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER' as const,
      PrincipalId: alice.userId,
    };
    const { AccountAssignmentDeletionStatus: deleting } = await sso.send(
      new DeleteAccountAssignmentCommand(request),
    );
    expect(deleting?.Status).toBe('IN_PROGRESS');
    expect(ic.hasAssignment(where)).toBe(true);
    const { AccountAssignmentDeletionStatus: done } = await sso.send(
      new DescribeAccountAssignmentDeletionStatusCommand({
        InstanceArn: ic.instanceArn,
        AccountAssignmentDeletionRequestId: deleting?.RequestId,
      }),
    );
    expect(done).toMatchObject({ Status: 'SUCCEEDED', PrincipalId: alice.userId, TargetId: MEMBER });
    expect(ic.hasAssignment(where)).toBe(false);

    const gone = await sso.send(new DeleteAccountAssignmentCommand(request));
    expect(gone.AccountAssignmentDeletionStatus?.Status).toBe('SUCCEEDED');
    // A creation RequestId is not a deletion one.
    const wrongKind = await failure(
      sso.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: ic.instanceArn,
          AccountAssignmentCreationRequestId: deleting?.RequestId,
        }),
      ),
    );
    expect(wrongKind).toBeInstanceOf(ResourceNotFoundException);
  });

  it('ends a request FAILED with its FailureReason when told to, changing nothing', async () => {
    const { admin, alice } = setUp();
    const { sso } = await clients();
    ic.failNextAssignment('create', 'Received a 403 status error: the SAML provider is missing');
    const { AccountAssignmentCreationStatus: created } = await sso.send(
      new CreateAccountAssignmentCommand({
        InstanceArn: ic.instanceArn,
        TargetId: MEMBER,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: admin.arn,
        PrincipalType: 'USER',
        PrincipalId: alice.userId,
      }),
    );
    expect(created?.Status).toBe('IN_PROGRESS');
    const [settled] = ic.settle();
    expect(settled?.requestId).toBe(created?.RequestId);
    const { AccountAssignmentCreationStatus: status } = await sso.send(
      new DescribeAccountAssignmentCreationStatusCommand({
        InstanceArn: ic.instanceArn,
        AccountAssignmentCreationRequestId: created?.RequestId,
      }),
    );
    expect(status).toMatchObject({
      Status: 'FAILED',
      FailureReason: 'Received a 403 status error: the SAML provider is missing',
    });
    expect(ic.allAssignments()).toEqual([]);
  });

  it('holds a request IN_PROGRESS until released; a second request for it meanwhile is a Conflict', async () => {
    const { admin, alice } = setUp();
    const { sso } = await clients();
    ic.inProgressPolls = 0;
    ic.hold('create');
    const request = {
      InstanceArn: ic.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT' as const,
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER' as const,
      PrincipalId: alice.userId,
    };
    const { AccountAssignmentCreationStatus: created } = await sso.send(
      new CreateAccountAssignmentCommand(request),
    );
    const describe = new DescribeAccountAssignmentCreationStatusCommand({
      InstanceArn: ic.instanceArn,
      AccountAssignmentCreationRequestId: created?.RequestId,
    });
    for (let i = 0; i < 5; i += 1)
      expect((await sso.send(describe)).AccountAssignmentCreationStatus?.Status).toBe('IN_PROGRESS');

    const conflict = await failure(sso.send(new CreateAccountAssignmentCommand(request)));
    expect(conflict).toBeInstanceOf(ConflictException);
    expect(conflict.$metadata?.httpStatusCode).toBe(409);
    expect(await failure(sso.send(new DeleteAccountAssignmentCommand(request)))).toBeInstanceOf(
      ConflictException,
    );

    ic.release();
    expect((await sso.send(describe)).AccountAssignmentCreationStatus?.Status).toBe('SUCCEEDED');
    expect(ic.operationsOf('create').map((op) => [op.origin, op.status])).toEqual([['api', 'SUCCEEDED']]);
  });

  it('settle() finishes every request in progress, held or not', async () => {
    const { admin, alice, oncall } = setUp();
    const { sso } = await clients();
    ic.hold();
    for (const [type, id] of [
      ['USER', alice.userId],
      ['GROUP', oncall.groupId],
    ] as const)
      await sso.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: ic.instanceArn,
          TargetId: MEMBER,
          TargetType: 'AWS_ACCOUNT',
          PermissionSetArn: admin.arn,
          PrincipalType: type,
          PrincipalId: id,
        }),
      );
    expect(ic.allAssignments()).toEqual([]);
    expect(ic.settle()).toHaveLength(2);
    expect(ic.allAssignments()).toEqual([
      { accountId: MEMBER, permissionSetArn: admin.arn, principalType: 'USER', principalId: alice.userId },
      { accountId: MEMBER, permissionSetArn: admin.arn, principalType: 'GROUP', principalId: oncall.groupId },
    ]);
  });

  it('pages ListAccountAssignments, and lists only that account and permission set', async () => {
    const { admin } = setUp();
    const other = ic.addPermissionSet({ name: 'ReadOnly' });
    const users = Array.from({ length: 5 }, (_, i) => ic.addUser({ userName: `user${i}` }));
    for (const user of users)
      ic.assign({ accountId: MEMBER, permissionSetArn: admin.arn, principalId: user.userId });
    ic.assign({ accountId: MEMBER, permissionSetArn: other.arn, principalId: users[0]?.userId ?? '' });
    ic.assign({
      accountId: '222222222222',
      permissionSetArn: admin.arn,
      principalId: users[0]?.userId ?? '',
    });
    ic.pageSize = 2;
    const { sso } = await clients();
    const query = { InstanceArn: ic.instanceArn, AccountId: MEMBER, PermissionSetArn: admin.arn };
    const first = await sso.send(new ListAccountAssignmentsCommand(query));
    expect(first.AccountAssignments).toHaveLength(2);
    expect(first.NextToken).toEqual(expect.any(String));

    const seen: string[] = [];
    for await (const page of paginateListAccountAssignments({ client: sso }, query))
      for (const row of page.AccountAssignments ?? []) {
        expect(row).toMatchObject({ AccountId: MEMBER, PermissionSetArn: admin.arn, PrincipalType: 'USER' });
        seen.push(row.PrincipalId ?? '');
      }
    expect(seen).toEqual(users.map((user) => user.userId));
    expect(aws.callsTo('ListAccountAssignments')).toHaveLength(1 + 3);

    const one = await sso.send(new ListAccountAssignmentsCommand({ ...query, MaxResults: 1 }));
    expect(one.AccountAssignments).toHaveLength(1);
    const badToken = await failure(
      sso.send(new ListAccountAssignmentsCommand({ ...query, NextToken: 'nope' })),
    );
    expect(badToken).toBeInstanceOf(ValidationException);
  });

  it('refuses malformed requests with ValidationException and unknown principals with ResourceNotFound', async () => {
    const { admin, alice } = setUp();
    const { sso } = await clients();
    const request = {
      InstanceArn: ic.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT' as const,
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER' as const,
      PrincipalId: alice.userId,
    };
    const badAccount = await failure(
      sso.send(new CreateAccountAssignmentCommand({ ...request, TargetId: '42' })),
    );
    expect(badAccount).toBeInstanceOf(ValidationException);
    expect(badAccount.$metadata?.httpStatusCode).toBe(400);
    expect(
      await failure(sso.send(new CreateAccountAssignmentCommand({ ...request, PrincipalId: 'nobody' }))),
    ).toBeInstanceOf(ResourceNotFoundException);
    expect(
      await failure(
        sso.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: ic.instanceArn,
            AccountAssignmentCreationRequestId: '00000000-0000-0000-0000-000000000000',
          }),
        ),
      ),
    ).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('the fake identitystore (real IdentitystoreClient)', () => {
  it('finds a user id by userName or any email, and says ResourceNotFound for nobody', async () => {
    const { alice } = setUp();
    const { store } = await clients();
    const byName = await store.send(
      new GetUserIdCommand({
        IdentityStoreId: ic.identityStoreId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'alice' } },
      }),
    );
    expect(byName).toMatchObject({ IdentityStoreId: ic.identityStoreId, UserId: alice.userId });
    expect(alice.userId).toMatch(
      /^[0-9a-f]{10}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    for (const email of ['alice@example.com', 'a.l@example.org']) {
      const byEmail = await store.send(
        new GetUserIdCommand({
          IdentityStoreId: ic.identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: email } },
        }),
      );
      expect(byEmail.UserId).toBe(alice.userId);
    }
    const nobody = await failure(
      store.send(
        new GetUserIdCommand({
          IdentityStoreId: ic.identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'carol' } },
        }),
      ),
    );
    expect(nobody).toBeInstanceOf(IdentityStoreNotFound);
    expect((nobody as IdentityStoreNotFound).ResourceType).toBe('USER');
    const badPath = await failure(
      store.send(
        new GetUserIdCommand({
          IdentityStoreId: ic.identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'Alice' } },
        }),
      ),
    );
    expect(badPath).toBeInstanceOf(IdentityStoreValidation);
  });

  it('describes users with their UserStatus (absent when the store reports none) and groups', async () => {
    const { alice, bob, oncall } = setUp();
    const { store } = await clients();
    const describeUser = (userId: string) =>
      store.send(new DescribeUserCommand({ IdentityStoreId: ic.identityStoreId, UserId: userId }));
    const a = await describeUser(alice.userId);
    expect(a).toMatchObject({
      IdentityStoreId: ic.identityStoreId,
      UserId: alice.userId,
      UserName: 'alice',
      Emails: [
        { Value: 'alice@example.com', Type: 'work', Primary: true },
        { Value: 'a.l@example.org', Type: 'work', Primary: false },
      ],
    });
    expect(a.UserStatus).toBeUndefined();
    expect((await describeUser(bob.userId)).UserStatus).toBe('DISABLED');
    alice.status = 'ENABLED';
    expect((await describeUser(alice.userId)).UserStatus).toBe('ENABLED');
    expect(await failure(describeUser('missing'))).toBeInstanceOf(IdentityStoreNotFound);

    const group = await store.send(
      new DescribeGroupCommand({ IdentityStoreId: ic.identityStoreId, GroupId: oncall.groupId }),
    );
    expect(group).toMatchObject({
      IdentityStoreId: ic.identityStoreId,
      GroupId: oncall.groupId,
      DisplayName: 'oncall',
      Description: 'Who is on call',
    });
    const noGroup = await failure(
      store.send(new DescribeGroupCommand({ IdentityStoreId: ic.identityStoreId, GroupId: 'nope' })),
    );
    expect(noGroup).toBeInstanceOf(IdentityStoreNotFound);
    expect((noGroup as IdentityStoreNotFound).ResourceType).toBe('GROUP');
  });

  it('creates, finds, checks and deletes a membership, with Conflict and ResourceNotFound as AWS', async () => {
    const { alice, oncall } = setUp();
    const other = ic.addGroup('other');
    const { store } = await clients();
    const IdentityStoreId = ic.identityStoreId;
    const member = { IdentityStoreId, GroupId: oncall.groupId, MemberId: { UserId: alice.userId } };

    const notYet = await failure(store.send(new GetGroupMembershipIdCommand(member)));
    expect(notYet).toBeInstanceOf(IdentityStoreNotFound);
    expect((notYet as IdentityStoreNotFound).ResourceType).toBe('GROUP_MEMBERSHIP');

    const created = await store.send(new CreateGroupMembershipCommand(member));
    expect(created).toMatchObject({ IdentityStoreId, MembershipId: expect.any(String) });
    expect(ic.isMember(oncall.groupId, alice.userId)).toBe(true);
    expect((await store.send(new GetGroupMembershipIdCommand(member))).MembershipId).toBe(
      created.MembershipId,
    );

    const { Results } = await store.send(
      new IsMemberInGroupsCommand({
        IdentityStoreId,
        MemberId: { UserId: alice.userId },
        GroupIds: [oncall.groupId, other.groupId],
      }),
    );
    expect(Results).toEqual([
      { GroupId: oncall.groupId, MemberId: { UserId: alice.userId }, MembershipExists: true },
      { GroupId: other.groupId, MemberId: { UserId: alice.userId }, MembershipExists: false },
    ]);

    const twice = await failure(store.send(new CreateGroupMembershipCommand(member)));
    expect(twice).toBeInstanceOf(IdentityStoreConflict);
    expect((twice as IdentityStoreConflict).Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    expect(twice.$metadata?.httpStatusCode).toBe(409);

    await store.send(
      new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId: created.MembershipId }),
    );
    expect(ic.isMember(oncall.groupId, alice.userId)).toBe(false);
    const again = await failure(
      store.send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId: created.MembershipId })),
    );
    expect(again).toBeInstanceOf(IdentityStoreNotFound);
    expect(again.$metadata?.httpStatusCode).toBe(404);
    expect(
      await failure(store.send(new CreateGroupMembershipCommand({ ...member, GroupId: 'nope' }))),
    ).toBeInstanceOf(IdentityStoreNotFound);
  });

  it('pages ListGroupMemberships', async () => {
    const { oncall } = setUp();
    const users = Array.from({ length: 5 }, (_, i) => ic.addUser({ userName: `user${i}` }));
    const memberships = users.map((user) => ic.addMember(oncall.groupId, user.userId));
    ic.pageSize = 2;
    const { store } = await clients();
    const query = { IdentityStoreId: ic.identityStoreId, GroupId: oncall.groupId };
    const first = await store.send(new ListGroupMembershipsCommand(query));
    expect(first.GroupMemberships).toHaveLength(2);
    expect(first.NextToken).toEqual(expect.any(String));
    const seen: string[] = [];
    for await (const page of paginateListGroupMemberships({ client: store }, query))
      for (const row of page.GroupMemberships ?? []) {
        expect(row).toMatchObject({ IdentityStoreId: ic.identityStoreId, GroupId: oncall.groupId });
        seen.push(
          `${row.MembershipId}:${row.MemberId && 'UserId' in row.MemberId ? row.MemberId.UserId : ''}`,
        );
      }
    expect(seen).toEqual(memberships.map((m) => `${m.membershipId}:${m.userId}`));
  });
});

describe('faults, the call log and credentials', () => {
  it('fails the next calls of an action as told (failNext), and logs every call with its session', async () => {
    const { alice, oncall } = setUp();
    const { store, credentials } = await clients();
    aws.failNext('CreateGroupMembership', { code: 'ThrottlingException', status: 429, times: 2 });
    const member = {
      IdentityStoreId: ic.identityStoreId,
      GroupId: oncall.groupId,
      MemberId: { UserId: alice.userId },
    };
    const throttled = await failure(store.send(new CreateGroupMembershipCommand(member)));
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled.message).toBe('injected ThrottlingException');
    expect(await failure(store.send(new CreateGroupMembershipCommand(member)))).toBeInstanceOf(
      ThrottlingException,
    );
    await store.send(new CreateGroupMembershipCommand(member));
    expect(aws.callsTo('CreateGroupMembership').map((call) => [call.status, call.errorCode])).toEqual([
      [429, 'ThrottlingException'],
      [429, 'ThrottlingException'],
      [200, undefined],
    ]);
    const last = aws.callsTo('CreateGroupMembership').at(-1);
    expect(last).toMatchObject({
      service: 'identitystore',
      action: 'CreateGroupMembership',
      params: member,
      accessKeyId: credentials.accessKeyId,
      session: { roleArn: CONNECTOR, accountId: MANAGEMENT, sessionName: 'jitbot-test' },
    });

    const { sso } = await clients();
    aws.failNext('ListInstances', { code: 'SomethingNewException', status: 400 });
    const unmodelled = await failure(sso.send(new ListInstancesCommand({})));
    expect(unmodelled).toBeInstanceOf(SSOAdminServiceException);
    expect(unmodelled.name).toBe('SomethingNewException');
    expect(aws.callsTo('ListInstances')[0]?.service).toBe('sso-admin');
  });

  it('carries out a call whose answer is lost (loseNextAnswers): cut, or a 500', async () => {
    const { alice, oncall } = setUp();
    const { store } = await clients();
    const member = {
      IdentityStoreId: ic.identityStoreId,
      GroupId: oncall.groupId,
      MemberId: { UserId: alice.userId },
    };
    aws.loseNextAnswers('CreateGroupMembership', { how: 'drop' });
    const dropped = await failure(store.send(new CreateGroupMembershipCommand(member)));
    expect(dropped).not.toBeInstanceOf(IdentitystoreServiceException);
    expect(ic.isMember(oncall.groupId, alice.userId)).toBe(true);
    expect(aws.callsTo('CreateGroupMembership')[0]?.answerLost).toBe('drop');

    const membershipId = ic.membershipOf(oncall.groupId, alice.userId)?.membershipId;
    aws.loseNextAnswers('DeleteGroupMembership', { how: 'error' });
    const errored = await failure(
      store.send(
        new DeleteGroupMembershipCommand({ IdentityStoreId: ic.identityStoreId, MembershipId: membershipId }),
      ),
    );
    expect(errored).toBeInstanceOf(InternalServerException);
    expect(ic.isMember(oncall.groupId, alice.userId)).toBe(false);
  });

  it('refuses sessions it did not issue, other accounts, and the wrong region', async () => {
    setUp();
    const forged = new SSOAdminClient({
      region: REGION,
      endpoint: url,
      credentials: { accessKeyId: 'ASIAFORGED', secretAccessKey: 'x', sessionToken: 'y' },
      maxAttempts: 1,
    });
    const unknown = await failure(forged.send(new ListInstancesCommand({})));
    expect(unknown.name).toBe('UnrecognizedClientException');
    expect(unknown.$metadata?.httpStatusCode).toBe(403);

    const member = await clients({ roleArn: OUTSIDER });
    const denied = await failure(
      member.store.send(new DescribeGroupCommand({ IdentityStoreId: ic.identityStoreId, GroupId: 'any' })),
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(
      new RegExp(
        `^User: arn:aws:sts::${MEMBER}:assumed-role/jitbot-connector/jitbot-test is not authorized to perform: identitystore:DescribeGroup`,
      ),
    );
    expect(
      await failure(
        member.sso.send(
          new DescribePermissionSetCommand({ InstanceArn: ic.instanceArn, PermissionSetArn: 'x' }),
        ),
      ),
    ).toBeInstanceOf(AccessDeniedException);

    const elsewhere = await clients({ region: 'us-east-1' });
    expect(
      await failure(
        elsewhere.store.send(new DescribeGroupCommand({ IdentityStoreId: ic.identityStoreId, GroupId: 'x' })),
      ),
    ).toBeInstanceOf(IdentityStoreNotFound);
  });

  it('speaks awsJson1_1 on the wire: X-Amz-Target, and errors with a namespaced __type', async () => {
    const response = await fetch(`${url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSIdentityStore.DescribeGroup',
      },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(response.headers.get('x-amzn-errortype')).toBe('UnrecognizedClientException');
    expect(await response.json()).toEqual({
      __type: 'com.amazonaws.identitystore#UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    const unknownService = await fetch(`${url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });
    expect(unknownService.status).toBe(400);
    expect(((await unknownService.json()) as { __type: string }).__type).toBe('UnknownOperationException');
    const notJson = await fetch(`${url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'SWBExternalService.ListInstances',
      },
      body: '{"InstanceArn":',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({
      __type: 'com.amazonaws.ssoadmin#SerializationException',
      message: 'The request body is not a JSON object.',
    });
  });
});

describe('EventBridge Scheduler universal targets fired by the fake', () => {
  const AT = 'at(2026-11-22T15:30:00)';
  const DUE = new Date('2026-11-22T15:30:00Z');

  async function schedule(scheduler: SchedulerClient, name: string, arn: string, input: object) {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: 'jitbot',
        ScheduleExpression: AT,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: arn,
          RoleArn: `arn:aws:iam::${MANAGEMENT}:role/jitbot-scheduler`,
          Input: JSON.stringify(input),
        },
      }),
    );
  }

  it('deleteAccountAssignment and deleteGroupMembership remove the assignment and the membership', async () => {
    const { admin, alice, oncall } = setUp();
    const where = { accountId: MEMBER, permissionSetArn: admin.arn, principalId: alice.userId };
    ic.assign(where);
    const membership = ic.addMember(oncall.groupId, alice.userId);
    const { scheduler } = await clients();
    await schedule(scheduler, 'jitbot-G-1', 'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment', {
      InstanceArn: ic.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER',
      PrincipalId: alice.userId,
    });
    await schedule(
      scheduler,
      'jitbot-G-2',
      'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership',
      {
        IdentityStoreId: ic.identityStoreId,
        MembershipId: membership.membershipId,
      },
    );

    expect(aws.fireSchedulesDueBy(new Date(DUE.getTime() - 1000))).toEqual([]);
    expect(aws.fireSchedulesDueBy(DUE)).toEqual(['jitbot-G-1', 'jitbot-G-2']);
    expect(ic.hasAssignment(where)).toBe(false);
    expect(ic.isMember(oncall.groupId, alice.userId)).toBe(false);
    const state = aws.account(MANAGEMENT);
    expect(state.fired).toEqual([
      { schedule: 'jitbot-G-1', outcome: 'removed' },
      { schedule: 'jitbot-G-2', outcome: 'removed' },
    ]);
    expect(state.schedules.size).toBe(0);
    expect(ic.operationsOf('delete').map((op) => [op.origin, op.status])).toEqual([
      ['schedule', 'SUCCEEDED'],
    ]);
    // Scheduler's calls are not jitbot's: the call log has only the CreateSchedule calls.
    expect(aws.calls.map((call) => call.action)).toEqual(['AssumeRole', 'CreateSchedule', 'CreateSchedule']);
  });

  it('says what happened when there is nothing to remove, the account may not, or the partition is wrong', async () => {
    const { admin, alice } = setUp();
    const { scheduler } = await clients();
    const assignment = {
      InstanceArn: ic.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER',
      PrincipalId: alice.userId,
    };
    await schedule(
      scheduler,
      'gone',
      'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment',
      assignment,
    );
    await schedule(
      scheduler,
      'unknown-membership',
      'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership',
      {
        IdentityStoreId: ic.identityStoreId,
        MembershipId: '00000000-0000-0000-0000-000000000000',
      },
    );
    await schedule(
      scheduler,
      'china',
      'arn:aws-cn:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment',
      assignment,
    );
    const member = await clients({ roleArn: OUTSIDER });
    await schedule(
      member.scheduler,
      'outsider',
      'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment',
      assignment,
    );
    aws.fireSchedulesDueBy(DUE);
    expect(aws.account(MANAGEMENT).fired).toEqual([
      { schedule: 'gone', outcome: 'already-absent' },
      { schedule: 'unknown-membership', outcome: 'ResourceNotFoundException' },
      { schedule: 'china', outcome: 'ValidationException' },
    ]);
    expect(aws.account(MEMBER).fired).toEqual([{ schedule: 'outsider', outcome: 'AccessDeniedException' }]);
  });

  it('understands the partition of the target ARN (aws-cn instance)', async () => {
    const cn = aws.addIdentityCenter({ ownerAccountId: MEMBER, region: 'cn-north-1', partition: 'aws-cn' });
    expect(cn.instanceArn).toMatch(/^arn:aws-cn:sso:::instance\/ssoins-/);
    const ps = cn.addPermissionSet({ name: 'ReadOnly' });
    expect(ps.arn).toMatch(/^arn:aws-cn:sso:::permissionSet\//);
    const user = cn.addUser({ userName: 'li' });
    cn.assign({ accountId: MEMBER, permissionSetArn: ps.arn, principalId: user.userId });
    const { scheduler } = await clients({ roleArn: OUTSIDER, region: 'cn-north-1' });
    await schedule(scheduler, 'cn', 'arn:aws-cn:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment', {
      InstanceArn: cn.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: ps.arn,
      PrincipalType: 'USER',
      PrincipalId: user.userId,
    });
    aws.fireSchedulesDueBy(DUE);
    expect(aws.account(MEMBER).fired).toEqual([{ schedule: 'cn', outcome: 'removed' }]);
    expect(cn.allAssignments()).toEqual([]);
    expect(aws.identityCenter(cn.identityStoreId)).toBe(cn);
  });

  it('leaves a held deletion IN_PROGRESS until settled', async () => {
    const { admin, alice } = setUp();
    const where = { accountId: MEMBER, permissionSetArn: admin.arn, principalId: alice.userId };
    ic.assign(where);
    ic.hold('delete');
    const { scheduler } = await clients();
    await schedule(scheduler, 'held', 'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment', {
      InstanceArn: ic.instanceArn,
      TargetId: MEMBER,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: admin.arn,
      PrincipalType: 'USER',
      PrincipalId: alice.userId,
    });
    aws.fireSchedulesDueBy(DUE);
    expect(aws.account(MANAGEMENT).fired).toEqual([{ schedule: 'held', outcome: 'in-progress' }]);
    expect(ic.hasAssignment(where)).toBe(true);
    ic.settle();
    expect(ic.hasAssignment(where)).toBe(false);
  });
});
