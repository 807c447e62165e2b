import { describe, expect, it } from 'vitest';
import type {
  AwsSsoGroupTarget,
  AwsSsoPermissionSetTarget,
  IdentityCenterSettings,
} from '../../src/domain/catalog.js';
import { ProviderError } from '../../src/ports/access-provider.js';
import { createAwsSsoGroupProvider } from '../../src/providers/aws-sso-group.js';
import { createAwsSsoPermissionSetProvider } from '../../src/providers/aws-sso-permission-set.js';
import { buildAccount, buildTarget, context, useFakeAws } from './aws-fixtures.js';

/**
 * Who holds an Identity Center permission set (USER assignments in one account) or group now,
 * read back for drift through the real sso-admin and identitystore clients, named by user name.
 */

const aws = useFakeAws();
const MANAGEMENT = '999999999999';
const TARGET_ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const ACCOUNT = buildAccount({
  id: 'management',
  name: 'Management',
  accountId: MANAGEMENT,
  region: REGION,
  connectorRoleArn: `arn:aws:iam::${MANAGEMENT}:role/jitbot-connector`,
});

function setUp() {
  const ic = aws.fake.addIdentityCenter({ ownerAccountId: MANAGEMENT, region: REGION });
  const settings: IdentityCenterSettings = {
    account: ACCOUNT.id,
    instanceArn: ic.instanceArn,
    identityStoreId: ic.identityStoreId,
    region: REGION,
    userMatch: 'userName',
    partition: 'aws',
  };
  const deps = {
    settings,
    account: ACCOUNT,
    connector: aws.connect([ACCOUNT]),
    record: async (call: (typeof aws.recorded)[number]) => {
      aws.recorded.push(call);
    },
  };
  const admin = ic.addPermissionSet({ name: 'AdministratorAccess' });
  const oncall = ic.addGroup('oncall');
  const { group: _group, account: _account, kind: _kind, ...common } = buildTarget();
  const permissionSetTarget: AwsSsoPermissionSetTarget = {
    ...common,
    id: 'prod-admin-sso',
    kind: 'aws-sso-permission-set',
    permissionSetArn: admin.arn,
    accountId: TARGET_ACCOUNT,
  };
  const groupTarget: AwsSsoGroupTarget = {
    ...common,
    id: 'oncall',
    kind: 'aws-sso-group',
    groupId: oncall.groupId,
  };
  return {
    ic,
    admin,
    oncall,
    permissionSetTarget,
    groupTarget,
    permissionSets: createAwsSsoPermissionSetProvider({ ...deps, accounts: [ACCOUNT] }),
    groups: createAwsSsoGroupProvider(deps),
  };
}

describe("a permission set's holders", () => {
  it('are the users assigned it in the account, across pages, named by user name; groups are not holders', async () => {
    const { ic, admin, oncall, permissionSetTarget, permissionSets } = setUp();
    const alice = ic.addUser({ userName: 'alice@example.com' });
    const bob = ic.addUser({ userName: 'bob@example.com' });
    const carol = ic.addUser({ userName: 'carol@example.com' });
    const elsewhere = ic.addPermissionSet({ name: 'ReadOnly' });
    for (const user of [alice, bob])
      ic.assign({ accountId: TARGET_ACCOUNT, permissionSetArn: admin.arn, principalId: user.userId });
    ic.assign({
      accountId: TARGET_ACCOUNT,
      permissionSetArn: admin.arn,
      principalType: 'GROUP',
      principalId: oncall.groupId,
    });
    ic.assign({ accountId: '222222222222', permissionSetArn: admin.arn, principalId: carol.userId });
    ic.assign({ accountId: TARGET_ACCOUNT, permissionSetArn: elsewhere.arn, principalId: carol.userId });
    ic.pageSize = 1;

    const holders = await permissionSets.listHolders?.(permissionSetTarget, context());

    expect(holders).toEqual([
      { principal: alice.userId, name: 'alice@example.com' },
      { principal: bob.userId, name: 'bob@example.com' },
    ]);
    expect(aws.fake.callsTo('ListAccountAssignments')).toHaveLength(3);
    expect(aws.fake.callsTo('DescribeUser').map((call) => call.params.UserId)).toEqual([
      alice.userId,
      bob.userId,
    ]);
    const listed = aws.recorded.filter((call) => call.action === 'aws.sso-admin.ListAccountAssignments');
    expect(listed).toHaveLength(3);
    expect(listed[0]).toMatchObject({ outcome: 'ok', account: MANAGEMENT, targetId: 'prod-admin-sso' });
    expect(listed[0]).not.toHaveProperty('principal');
  });

  it('keep the id as the name of a user deleted since it was assigned', async () => {
    const { ic, admin, permissionSetTarget, permissionSets } = setUp();
    ic.assign({ accountId: TARGET_ACCOUNT, permissionSetArn: admin.arn, principalId: 'deleted-user-id' });

    await expect(permissionSets.listHolders?.(permissionSetTarget, context())).resolves.toEqual([
      { principal: 'deleted-user-id', name: 'deleted-user-id' },
    ]);
  });

  it('cannot be read without ListAccountAssignments: the error names the call and the account', async () => {
    const { permissionSetTarget, permissionSets } = setUp();
    aws.fake.failNext('ListAccountAssignments', { code: 'AccessDeniedException', status: 403 });

    const error = await permissionSets
      .listHolders?.(permissionSetTarget, context())
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'aws_access_denied', kind: 'denied' });
    expect((error as ProviderError).message).toMatch(
      /^AWS refused: jitbot's connector role in account 999999999999 is not allowed to sso:ListAccountAssignments on permission set ps-\w+ in account 111111111111/,
    );
  });
});

describe("an Identity Center group's holders", () => {
  it('are its members, across pages, each described once, named by user name', async () => {
    const { ic, oncall, groupTarget, groups } = setUp();
    const users = ['alice', 'bob', 'carol'].map((name) => ic.addUser({ userName: name }));
    for (const user of users) ic.addMember(oncall.groupId, user.userId);
    ic.addMember(ic.addGroup('other').groupId, ic.addUser({ userName: 'mallory' }).userId);
    ic.pageSize = 2;

    const holders = await groups.listHolders?.(groupTarget, context());

    expect(holders).toEqual(users.map((user) => ({ principal: user.userId, name: user.userName })));
    expect(aws.fake.callsTo('ListGroupMemberships')).toHaveLength(2);
    expect(aws.fake.callsTo('DescribeUser')).toHaveLength(3);
    expect(
      aws.recorded.filter((call) => call.action === 'aws.identitystore.ListGroupMemberships'),
    ).toHaveLength(2);
  });

  it('cannot be read without ListGroupMemberships: the error names the call and the account', async () => {
    const { groupTarget, groups } = setUp();
    aws.fake.failNext('ListGroupMemberships', { code: 'AccessDeniedException', status: 403 });

    await expect(groups.listHolders?.(groupTarget, context())).rejects.toMatchObject({
      name: 'ProviderError',
      code: 'aws_access_denied',
      message: expect.stringMatching(
        /^AWS refused: jitbot's connector role in account 999999999999 is not allowed to identitystore:ListGroupMemberships on Identity Center group /,
      ),
    });
  });
});
