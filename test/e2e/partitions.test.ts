/**
 * GovCloud and China end to end: a catalog whose accounts are in aws-us-gov (or aws-cn), granted
 * and revoked through the real Bolt app and the real AWS SDK against the fake AWS. Every service
 * answers at one local endpoint, so the region each client was made for shows in the SigV4
 * credential scope it signed with: IAM in its partition's one IAM region, STS and Scheduler in the
 * account's own. Every ARN jitbot sends is checked to be of the partition, from the fake's records.
 */
import { describe, expect, it } from 'vitest';
import { grantSteps } from '../support/grant-steps.js';
import type { Jitbot } from '../support/jitbot-harness.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const APPROVER = 'UPARTAPPROVER1';

interface PartitionCase {
  readonly partition: string;
  /** The account's region: not the IAM region, so the two rules show apart. */
  readonly region: string;
  readonly iamRegion: string;
  readonly accountId: string;
}

function catalogFor({ partition, region, accountId }: PartitionCase) {
  return {
    settings: { adminChannel: 'CPARTADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
    accounts: [
      {
        id: 'sovereign',
        name: 'Sovereign',
        accountId,
        region,
        connectorRoleArn: `arn:${partition}:iam::${accountId}:role/jitbot-connector`,
        externalId: `e2e-${partition}-external-id`,
        schedulerRoleArn: `arn:${partition}:iam::${accountId}:role/jitbot-scheduler`,
        userMapping: 'email-local-part',
      },
    ],
    targets: [
      {
        id: 'ops-admin',
        kind: 'aws-iam-group',
        account: 'sovereign',
        group: 'jit-ops-admin',
        durations: { default: '1h', max: '4h' },
        approvers: { users: [APPROVER] },
      },
      {
        id: 'read-logs',
        kind: 'aws-iam-policy',
        account: 'sovereign',
        policyArn: `arn:${partition}:iam::${accountId}:policy/jit/read-logs`,
        durations: { default: '1h', max: '4h' },
        approvers: { users: [APPROVER] },
      },
    ],
  };
}

/** Every ARN in `value`, wherever it is nested or quoted. */
function arnsIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/arn:[\w-]*:[^"\\,\s]*/g)].map(([arn]) => arn);
}

function partitionLifecycle(setup: PartitionCase) {
  const { partition, region, iamRegion, accountId } = setup;
  const connector = `arn:${partition}:iam::${accountId}:role/jitbot-connector`;
  const scheduler = `arn:${partition}:iam::${accountId}:role/jitbot-scheduler`;
  const policy = `arn:${partition}:iam::${accountId}:policy/jit/read-logs`;
  const jitbot: Jitbot = useJitbot(catalogFor(setup));
  const newUser = userIds(`UPART${partition.replace(/-/g, '').toUpperCase()}`);
  const { grantFor, expireNow, untilEnded, whileStopped, fireBackstops, expiredTenMinutesAgo } = grantSteps(
    () => jitbot,
    { approver: APPROVER },
  );
  const iamName = (userId: string) => userId.toLowerCase();
  const callsAbout = (action: string, text: string) =>
    jitbot.aws.callsTo(action).filter((call) => JSON.stringify(call.params).includes(text));

  /** Every call so far: no ARN outside the partition, IAM signed for its one region, the rest for the account's. */
  function expectOnlyThePartition() {
    const calls = jitbot.aws.calls;
    const arns = arnsIn(calls.map((call) => call.params));
    expect(arns.length).toBeGreaterThanOrEqual(3);
    expect(arns.filter((arn) => !arn.startsWith(`arn:${partition}:`))).toEqual([]);
    const regions = (service: string) =>
      new Set(calls.filter((call) => call.service === service).map((call) => call.signingRegion));
    expect(regions('iam')).toEqual(new Set([iamRegion]));
    expect(regions('sts')).toEqual(new Set([region]));
    expect(regions('scheduler')).toEqual(new Set([region]));
  }

  it(`grants and revokes an IAM group with the ${partition} roles, IAM signed for ${iamRegion}, STS and Scheduler for ${region}`, async () => {
    const requester = newUser();
    const iam = jitbot.aws.account(accountId);
    const grant = await grantFor('ops-admin', requester);
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(true);

    const [add] = callsAbout('AddUserToGroup', `"${iamName(requester)}"`);
    expect(add).toMatchObject({ status: 200, signingRegion: iamRegion });
    expect(add?.session).toMatchObject({ roleArn: connector, accountId });
    const assumed = jitbot.aws
      .callsTo('AssumeRole')
      .find((call) => call.params.RoleSessionName === add?.session?.sessionName);
    expect(assumed).toMatchObject({ signingRegion: region, params: { RoleArn: connector } });

    const [created] = callsAbout('CreateSchedule', grant.id);
    expect(created).toMatchObject({ status: 200, signingRegion: region });
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)?.definition.Target).toMatchObject({
      Arn: `arn:${partition}:scheduler:::aws-sdk:iam:removeUserFromGroup`,
      RoleArn: scheduler,
      Input: JSON.stringify({ GroupName: 'jit-ops-admin', UserName: iamName(requester) }),
    });

    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(false);
    expect(callsAbout('RemoveUserFromGroup', `"${iamName(requester)}"`)).toMatchObject([
      { status: 200, signingRegion: iamRegion, session: { roleArn: connector } },
    ]);
    expect(callsAbout('DeleteSchedule', grant.id)).toMatchObject([{ status: 200, signingRegion: region }]);
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)).toBeUndefined();
    expectOnlyThePartition();
  });

  it(`attaches an ${partition} policy, and its ${partition} backstop detaches it while jitbot is down`, async () => {
    const requester = newUser();
    const iam = jitbot.aws.account(accountId);
    const grant = await grantFor('read-logs', requester);
    expect(iam.policies.get(policy)?.has(iamName(requester))).toBe(true);
    expect(callsAbout('AttachUserPolicy', `"${iamName(requester)}"`)).toMatchObject([
      { status: 200, signingRegion: iamRegion, params: { PolicyArn: policy } },
    ]);
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)?.definition.Target).toMatchObject({
      Arn: `arn:${partition}:scheduler:::aws-sdk:iam:detachUserPolicy`,
      RoleArn: scheduler,
      Input: JSON.stringify({ PolicyArn: policy, UserName: iamName(requester) }),
    });

    await whileStopped(async () => {
      expect(fireBackstops()).toContain(`jitbot-${grant.id}`);
      await expiredTenMinutesAgo(grant.id);
    });
    expect(iam.fired).toContainEqual({ schedule: `jitbot-${grant.id}`, outcome: 'removed' });
    expect(iam.policies.get(policy)?.has(iamName(requester))).toBe(false);
    await untilEnded(grant.id);
    expectOnlyThePartition();
  });
}

describe('an account in GovCloud (aws-us-gov)', () => {
  partitionLifecycle({
    partition: 'aws-us-gov',
    region: 'us-gov-east-1',
    iamRegion: 'us-gov-west-1',
    accountId: '444444444444',
  });
});

describe('an account in China (aws-cn)', () => {
  partitionLifecycle({
    partition: 'aws-cn',
    region: 'cn-northwest-1',
    iamRegion: 'cn-north-1',
    accountId: '555555555555',
  });
});
