/**
 * IAM Identity Center end to end: signed Slack requests into the real Bolt app, the real
 * sso-admin and identitystore SDK clients against the fake AWS (asynchronous assignments,
 * memberships, the backstop's universal targets), real PostgreSQL.
 */
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { awsAccount, permissionSetTarget, ssoGroupTarget } from '../support/e2e-catalog.js';
import type { FakeIdentityCenter } from '../support/fake-identity-center.js';
import { grantSteps } from '../support/grant-steps.js';
import { emailOf } from '../support/jitbot-harness.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const IC_ACCOUNT = '555555555555';
const TARGET_ACCOUNT = '666666666666';
const INSTANCE = 'arn:aws:sso:::instance/ssoins-1234567890abcdef';
const PERMISSION_SET = 'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-aaaaaaaaaaaaaaaa';
const GROUP = 'a1b2c3d4e5-9a67a5c2-0000-4000-8000-000000000001';
const STORE = 'd-1234567890';
const SCHEDULER = `arn:aws:iam::${IC_ACCOUNT}:role/jitbot-scheduler`;
const APPROVER = 'UICAPPROVER1';
const ADMIN_CHANNEL = 'CICADMIN1';
/** Has a Slack profile, and no user in the identity store (nor IAM user). */
const NOBODY = 'UICNOBODY1';

const CATALOG = {
  settings: { adminChannel: ADMIN_CHANNEL, approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [
    awsAccount({
      id: 'management',
      name: 'Management',
      accountId: IC_ACCOUNT,
      region: 'eu-central-1',
      externalId: 'e2e-ic-external-id',
      scheduler: true,
    }),
    awsAccount({
      id: 'prod',
      name: 'Production',
      accountId: TARGET_ACCOUNT,
      region: 'eu-central-1',
      externalId: 'e2e-ic-prod-external-id',
    }),
  ],
  identityCenter: {
    account: 'management',
    instanceArn: INSTANCE,
    identityStoreId: STORE,
    region: 'us-east-1',
    portalUrl: 'https://example.awsapps.com/start',
  },
  targets: [
    permissionSetTarget('prod-admin-sso', {
      name: 'AdministratorAccess',
      permissionSetArn: PERMISSION_SET,
      accountId: TARGET_ACCOUNT,
      approvers: [APPROVER],
    }),
    // In the account that manages Identity Center: the connector role may not assign there.
    permissionSetTarget('management-admin-sso', {
      name: 'AdministratorAccess (management)',
      permissionSetArn: PERMISSION_SET,
      accountId: IC_ACCOUNT,
      durations: { default: '1h', max: '1h' },
      approvers: [APPROVER],
    }),
    ssoGroupTarget('oncall-sso-group', {
      name: 'On-call engineers',
      groupId: GROUP,
      durations: { default: '2h', max: '12h' },
      approvers: [APPROVER],
    }),
  ],
};

const jitbot = useJitbot(CATALOG, { withoutIamUser: [NOBODY] });
let ic: FakeIdentityCenter;
const newUser = userIds('UIC', 'X');
const {
  grantFor,
  expireNow,
  whileStopped,
  expiredTenMinutesAgo,
  fireBackstops,
  untilEnded,
  approvalPostsAbout,
  approve,
  ask,
} = grantSteps(() => jitbot, { approver: APPROVER });

beforeAll(() => {
  ic = jitbot.aws.identityCenter(INSTANCE);
});

function userIdOf(slackId: string): string {
  const user = [...ic.users.values()].find((candidate) => candidate.userName === emailOf(slackId));
  if (!user) throw new Error(`${slackId} has no Identity Center user yet`);
  return user.userId;
}

const assigned = (slackId: string) =>
  ic.hasAssignment({
    accountId: TARGET_ACCOUNT,
    permissionSetArn: PERMISSION_SET,
    principalId: userIdOf(slackId),
  });

describe('aws-sso-permission-set', () => {
  it('assigns the permission set to the person once approved, with its backstop, and removes it at expiry', async () => {
    const requester = newUser();
    const grant = await grantFor('prod-admin-sso', requester);
    expect(assigned(requester)).toBe(true);
    const schedule = jitbot.aws.account(IC_ACCOUNT).schedule('jitbot', `jitbot-${grant.id}`);
    expect(schedule?.definition).toMatchObject({
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment',
        RoleArn: SCHEDULER,
        Input: JSON.stringify({
          InstanceArn: INSTANCE,
          TargetId: TARGET_ACCOUNT,
          TargetType: 'AWS_ACCOUNT',
          PermissionSetArn: PERMISSION_SET,
          PrincipalType: 'USER',
          PrincipalId: userIdOf(requester),
        }),
      },
    });
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(assigned(requester)).toBe(false);
    expect(jitbot.aws.account(IC_ACCOUNT).schedule('jitbot', `jitbot-${grant.id}`)).toBeUndefined();
    expect(jitbot.aws.callsTo('CreateAccountAssignment')).toHaveLength(
      jitbot.aws.callsTo('DeleteAccountAssignment').length,
    );
  });

  it('tells approvers what is granted and to whom: the permission set by name, the account, the Identity Center user', async () => {
    const requester = newUser();
    const id = await ask('prod-admin-sso', requester);
    await vi.waitFor(() => expect(approvalPostsAbout(id).length).toBeGreaterThan(0));
    const text = JSON.stringify(approvalPostsAbout(id));
    expect(text).toContain('permission set AdministratorAccess in Production (666666666666)');
    expect(text).toContain(`Identity Center user ${emailOf(requester)}`);
    // The truth about sessions, for whoever approves: removal does not end one already started.
    expect(text).toContain(
      "does not end a console or CLI session already started: it lasts up to the permission set's session duration (1h)",
    );
  });

  it('tells the holder where to sign in, and that sessions outlast the access', async () => {
    const requester = newUser();
    await grantFor('prod-admin-sso', requester);
    await vi.waitFor(() => {
      const dms = JSON.stringify(
        jitbot.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === requester),
      );
      expect(dms).toContain('You now have');
      expect(dms).toContain('Sign in through the AWS access portal: https://example.awsapps.com/start');
      expect(dms).toContain('does not end a console or CLI session already started');
    });
  });

  it('leaves an assignment the person already had in place', async () => {
    const requester = newUser();
    // users.info makes the Identity Center user on first sight: ask once to create it, then assign by hand.
    await grantFor('oncall-sso-group', requester);
    ic.assign({
      accountId: TARGET_ACCOUNT,
      permissionSetArn: PERMISSION_SET,
      principalId: userIdOf(requester),
    });
    const grant = await grantFor('prod-admin-sso', requester);
    expect(grant.pre_existing).toBe(true);
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(assigned(requester)).toBe(true);
  });

  it('a restart while the assignment is IN_PROGRESS resumes the wait and never asks twice', async () => {
    const requester = newUser();
    await grantFor('oncall-sso-group', requester);
    const before = jitbot.aws.callsTo('CreateAccountAssignment').length;
    ic.hold('create');
    onTestFinished(() => ic.release('create'));
    const id = await ask('prod-admin-sso', requester);
    await approve(id);
    await vi.waitFor(async () => {
      const { rows } = await jitbot.database.pool.query(
        'SELECT g.provider_operation FROM grants g JOIN requests r ON r.grant_id = g.id WHERE r.id = $1',
        [id],
      );
      expect(String(rows[0]?.provider_operation)).toMatch(/^create:/);
    });
    await jitbot.stopService();
    ic.release('create');
    await jitbot.startService();
    await jitbot.database.pool.query(
      "UPDATE jobs SET run_at = now() WHERE status = 'queued' AND payload->>'requestId' = $1",
      [id],
    );
    await jitbot.wake();
    await vi.waitFor(() => expect(assigned(requester)).toBe(true), { timeout: 15_000 });
    expect(jitbot.aws.callsTo('CreateAccountAssignment').length - before).toBe(1);
  });

  it('the backstop removes the assignment while jitbot is down; jitbot then finishes without error', async () => {
    const requester = newUser();
    const grant = await grantFor('prod-admin-sso', requester);
    await whileStopped(async () => {
      expect(fireBackstops()).toContain(`jitbot-${grant.id}`);
      await vi.waitFor(() => expect(assigned(requester)).toBe(false));
      await expiredTenMinutesAgo(grant.id);
    });
    await untilEnded(grant.id);
  });

  it('a FAILED assignment is told in words with its reason', async () => {
    const requester = newUser();
    await grantFor('oncall-sso-group', requester);
    ic.failNextAssignment('create', 'The permission set is not provisioned in the account');
    const id = await ask('prod-admin-sso', requester);
    await approve(id);
    await vi.waitFor(
      () =>
        expect(
          JSON.stringify(
            jitbot.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === requester),
          ),
        ).toContain('The permission set is not provisioned in the account'),
      { timeout: 15_000 },
    );
    expect(assigned(requester)).toBe(false);
  });
});

describe('aws-sso-group', () => {
  it('adds the person to the group, then schedules the removal of that membership, and removes it at expiry', async () => {
    const requester = newUser();
    const grant = await grantFor('oncall-sso-group', requester);
    const membership = ic.membershipOf(GROUP, userIdOf(requester));
    expect(membership).toBeDefined();
    const schedule = jitbot.aws.account(IC_ACCOUNT).schedule('jitbot', `jitbot-${grant.id}`);
    expect(schedule?.definition).toMatchObject({
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership',
        Input: JSON.stringify({ IdentityStoreId: STORE, MembershipId: membership?.membershipId }),
      },
    });
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(ic.isMember(GROUP, userIdOf(requester))).toBe(false);
  });

  it('a membership whose backstop cannot be made is undone: no membership without a backstop', async () => {
    const requester = newUser();
    await grantFor('prod-admin-sso', requester);
    jitbot.aws.failNext('CreateSchedule', { code: 'AccessDeniedException', status: 403 });
    const id = await ask('oncall-sso-group', requester);
    await approve(id);
    await vi.waitFor(
      async () => {
        const { rows } = await jitbot.database.pool.query(
          'SELECT g.status FROM grants g JOIN requests r ON r.grant_id = g.id WHERE r.id = $1',
          [id],
        );
        expect(['revoked', 'failed']).toContain(rows[0]?.status);
      },
      { timeout: 15_000 },
    );
    expect(
      jitbot.aws
        .callsTo('CreateGroupMembership')
        .some((call) => JSON.stringify(call.params).includes(userIdOf(requester))),
    ).toBe(true);
    await vi.waitFor(() => expect(ic.isMember(GROUP, userIdOf(requester))).toBe(false));
  });

  it('the backstop removes the membership while jitbot is down; jitbot then finishes without error', async () => {
    const requester = newUser();
    const grant = await grantFor('oncall-sso-group', requester);
    await whileStopped(async () => {
      expect(fireBackstops()).toContain(`jitbot-${grant.id}`);
      expect(ic.isMember(GROUP, userIdOf(requester))).toBe(false);
      await expiredTenMinutesAgo(grant.id);
    });
    await untilEnded(grant.id);
  });

  it('a member already is pre-existing and stays a member', async () => {
    const requester = newUser();
    await grantFor('prod-admin-sso', requester);
    ic.addMember(GROUP, userIdOf(requester));
    const grant = await grantFor('oncall-sso-group', requester);
    expect(grant.pre_existing).toBe(true);
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(ic.isMember(GROUP, userIdOf(requester))).toBe(true);
  });

  it("someone adds the person between jitbot's read and its add: the membership is theirs, kept as pre-existing", async () => {
    const requester = newUser();
    await grantFor('prod-admin-sso', requester);
    ic.addMember(GROUP, userIdOf(requester));
    // The read happened before the hand-made add: it answers that there is no membership.
    jitbot.aws.failNext('GetGroupMembershipId', { code: 'ResourceNotFoundException', status: 404 });
    const grant = await grantFor('oncall-sso-group', requester);
    expect(grant.pre_existing).toBe(true);
    expect(jitbot.aws.account(IC_ACCOUNT).schedule('jitbot', `jitbot-${grant.id}`)).toBeUndefined();
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(ic.isMember(GROUP, userIdOf(requester))).toBe(true);
  });

  it('two overlapping grants are one membership that ends once, at the later expiry', async () => {
    const requester = newUser();
    const first = await grantFor('oncall-sso-group', requester, '1h');
    const second = await grantFor('oncall-sso-group', requester, '3h');
    expect(second.id).toBe(first.id);
    expect(second.expires_at.getTime()).toBeGreaterThan(first.expires_at.getTime());
    const adds = jitbot.aws
      .callsTo('CreateGroupMembership')
      .filter((call) => JSON.stringify(call.params).includes(userIdOf(requester)));
    expect(adds).toHaveLength(1);
    await expireNow(first.id);
    await untilEnded(first.id);
    expect(ic.isMember(GROUP, userIdOf(requester))).toBe(false);
  });

  it('two replicas revoke each membership exactly once', async () => {
    await jitbot.startReplica();
    const people = Array.from({ length: 4 }, () => newUser());
    const grants = await Promise.all(people.map((person) => grantFor('oncall-sso-group', person)));
    const memberships = people.map((person) => ic.membershipOf(GROUP, userIdOf(person))?.membershipId);
    await jitbot.database.pool.query('UPDATE grants SET expires_at = now() WHERE id = ANY($1)', [
      grants.map((grant) => grant.id),
    ]);
    await jitbot.wake();
    for (const grant of grants) await untilEnded(grant.id);
    for (const membership of memberships) {
      const deletes = jitbot.aws
        .callsTo('DeleteGroupMembership')
        .filter((call) => call.status === 200 && call.params.MembershipId === membership);
      expect(deletes).toHaveLength(1);
    }
  });
});

describe('who may get it', () => {
  it('a permission set in the management account is refused in words before anyone is asked', async () => {
    const requester = newUser();
    const { responseUrl } = await jitbot.command('management-admin-sso 1h break glass drill', requester);
    await vi.waitFor(() => {
      const told = jitbot.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === requester);
      expect(JSON.stringify(told) + JSON.stringify(jitbot.responses(responseUrl))).toContain(
        'the account that manages Identity Center',
      );
    });
    expect(
      jitbot.aws.callsTo('CreateAccountAssignment').some((call) => call.params.TargetId === IC_ACCOUNT),
    ).toBe(false);
  });

  it('a person with no Identity Center user is told before anyone is asked', async () => {
    const { responseUrl } = await jitbot.command('oncall-sso-group 1h checking the pager rota', NOBODY);
    await vi.waitFor(() => {
      const told = jitbot.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === NOBODY);
      expect(JSON.stringify(told) + JSON.stringify(jitbot.responses(responseUrl))).toContain(
        'There is no Identity Center user',
      );
    });
    expect(
      JSON.stringify(
        jitbot.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === APPROVER),
      ),
    ).not.toContain(emailOf(NOBODY));
  });
});
