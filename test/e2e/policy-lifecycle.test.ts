/**
 * aws-iam-policy end to end: a customer managed policy under /jit/ attached to the requester's
 * IAM user on approval and detached at expiry, through the real AWS SDK against the fake IAM and
 * Scheduler, with the same guarantees as group membership.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import { awsAccount, iamPolicyTarget } from '../support/e2e-catalog.js';
import type { FakeAwsAccount } from '../support/fake-aws.js';
import { grantSteps } from '../support/grant-steps.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '333333333333';
const SCHEDULER = `arn:aws:iam::${ACCOUNT}:role/jitbot-scheduler`;
const APPROVER = 'UPAPPROVER1';
const POLICY = `arn:aws:iam::${ACCOUNT}:policy/jit/read-logs`;

const CATALOG = {
  settings: { adminChannel: 'CPADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [
    awsAccount({
      id: 'logs',
      name: 'Logging',
      accountId: ACCOUNT,
      region: 'eu-west-1',
      externalId: 'e2e-policy-external-id',
      scheduler: true,
    }),
  ],
  targets: [
    iamPolicyTarget('read-logs', {
      name: 'Read the logs',
      account: 'logs',
      policyArn: POLICY,
      approvers: [APPROVER],
    }),
  ],
};

const jitbot = useJitbot(CATALOG);
let iam: FakeAwsAccount;
const newUser = userIds('UPOLICY');
const {
  ask,
  approvalPostsAbout,
  approve,
  grantFor,
  grantOf,
  requestStatus,
  dmsTo,
  expireNow,
  whileStopped,
  fireBackstops,
  expiredTenMinutesAgo,
  untilEnded,
} = grantSteps(() => jitbot, { approver: APPROVER });

beforeAll(() => {
  iam = jitbot.aws.account(ACCOUNT);
});

const iamName = (userId: string) => userId.toLowerCase();

function policyCallsFor(userName: string): string[] {
  return jitbot.aws.calls
    .filter(
      (call) => call.params.UserName === userName || JSON.stringify(call.params).includes(`"${userName}"`),
    )
    .map((call) => call.action);
}

describe('granting and revoking an IAM policy', () => {
  it('attaches the policy on approval with a detaching backstop, and detaches it at expiry', async () => {
    const requester = newUser();
    const id = await ask('read-logs', requester);
    await vi.waitFor(() => expect(approvalPostsAbout(id).length).toBeGreaterThan(0));
    // The approver is told exactly which policy lands on whose user, in which account.
    expect(JSON.stringify(approvalPostsAbout(id)[0]?.args)).toContain(
      `Grants IAM policy /jit/read-logs on the requester's IAM user in Logging (${ACCOUNT})`,
    );
    await jitbot.click(ACTIONS.approve, id, APPROVER);
    await vi.waitFor(async () => expect((await grantOf(id))?.status).toBe('active'), { timeout: 15_000 });
    const grant = await grantOf(id);
    expect(iam.hasPolicy(iamName(requester), POLICY)).toBe(true);
    expect(iam.schedule('jitbot', `jitbot-${grant?.id}`)?.definition).toMatchObject({
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:iam:detachUserPolicy',
        RoleArn: SCHEDULER,
        Input: JSON.stringify({ PolicyArn: POLICY, UserName: iamName(requester) }),
      },
    });
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You now have'));

    await expireNow(grant?.id ?? '');
    await untilEnded(grant?.id ?? '');
    expect(iam.hasPolicy(iamName(requester), POLICY)).toBe(false);
    const order = policyCallsFor(iamName(requester));
    expect(order.filter((action) => action === 'AttachUserPolicy')).toHaveLength(1);
    expect(order.filter((action) => action === 'DetachUserPolicy')).toHaveLength(1);
    const { rows } = await jitbot.database.pool.query(
      "SELECT action FROM audit_events WHERE grant_id = $1 AND action LIKE 'aws.%' ORDER BY id",
      [grant?.id],
    );
    const actions = rows.map((row) => row.action);
    // The policy goes first; the backstop only once the detach is confirmed (invariant 5).
    expect(actions.indexOf('aws.iam.DetachUserPolicy')).toBeLessThan(
      actions.indexOf('aws.scheduler.DeleteSchedule'),
    );
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('has ended (expired)'));
  });

  it('leaves a policy the person already had attached in place at expiry', async () => {
    const requester = newUser();
    iam.addUser(iamName(requester));
    iam.attachPolicy(POLICY, iamName(requester));
    const grant = await grantFor('read-logs', requester);
    expect(grant.pre_existing).toBe(true);
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.hasPolicy(iamName(requester), POLICY)).toBe(true);
    expect(policyCallsFor(iamName(requester))).not.toContain('DetachUserPolicy');
  });

  it('the backstop detached the policy while jitbot was down: jitbot finishes the grant without error', async () => {
    const requester = newUser();
    const grant = await grantFor('read-logs', requester);
    await whileStopped(async () => {
      expect(fireBackstops()).toContain(`jitbot-${grant.id}`);
      expect(iam.hasPolicy(iamName(requester), POLICY)).toBe(false);
      await expiredTenMinutesAgo(grant.id);
    });
    await untilEnded(grant.id);
  });

  it("a user at IAM's policy quota: the grant fails in words naming the limit, and nothing is left behind", async () => {
    const requester = newUser();
    iam.addUser(iamName(requester));
    for (let index = 0; index < 10; index += 1) {
      const other = `arn:aws:iam::${ACCOUNT}:policy/team/other-${index}`;
      iam.addPolicy(other);
      iam.attachPolicy(other, iamName(requester));
    }
    const id = await ask('read-logs', requester);
    await approve(id);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 10_000 });
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('PoliciesPerUser'));
    const grant = await grantOf(id);
    await untilEnded(grant?.id ?? '', 'failed');
    expect(iam.hasPolicy(iamName(requester), POLICY)).toBe(false);
    expect(iam.schedule('jitbot', `jitbot-${grant?.id}`)).toBeUndefined();
  });
});
