import { GetUserCommand } from '@aws-sdk/client-iam';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { scheduleDefinition, universalTargetArn } from '../../src/aws/scheduler-backstop.js';
import type { Account, AwsTarget } from '../../src/domain/catalog.js';
import { generatedPolicyArn, replacementPolicyArn } from '../../src/domain/generated-policy.js';
import { buildAccount, buildTarget, context, useFakeAws } from './aws-fixtures.js';

const aws = useFakeAws();
const AT = new Date('2026-11-22T15:30:00Z');

/** Each partition with a region of it, and the IAM endpoint AWS publishes for it. */
const PARTITIONS = [
  { partition: 'aws', region: 'eu-west-1', iamRegion: 'us-east-1', iamHost: 'iam.amazonaws.com' },
  {
    partition: 'aws-us-gov',
    region: 'us-gov-east-1',
    iamRegion: 'us-gov-west-1',
    iamHost: 'iam.us-gov.amazonaws.com',
  },
  {
    partition: 'aws-cn',
    region: 'cn-northwest-1',
    iamRegion: 'cn-north-1',
    iamHost: 'iam.cn-north-1.amazonaws.com.cn',
  },
] as const;

function accountIn(partition: string, region: string): Account {
  return buildAccount({
    region,
    connectorRoleArn: `arn:${partition}:iam::111111111111:role/jitbot-connector`,
    schedulerRoleArn: `arn:${partition}:iam::111111111111:role/jitbot-scheduler`,
    deadLetterArn: `arn:${partition}:sqs:${region}:111111111111:jitbot-backstop-dlq`,
  });
}

/** Every ARN anywhere in `value`. */
function arnsIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/arn:[^"\\,\s]+/g)].map(([arn]) => arn);
}

describe.each(PARTITIONS)('in the partition $partition', ({ partition, region, iamRegion, iamHost }) => {
  const account = accountIn(partition, region);
  const targets: AwsTarget[] = [
    buildTarget(),
    {
      ...buildTarget(),
      kind: 'aws-iam-policy',
      policyArn: `arn:${partition}:iam::111111111111:policy/jit/x`,
    },
    {
      ...buildTarget(),
      kind: 'aws-iam-generated-policy',
      allow: { actions: ['s3:Get*'], resources: [`arn:${partition}:s3:::b/*`] },
      deny: { actions: [] },
      maxActions: 25,
    },
  ];

  it('builds every schedule with ARNs of the partition only', () => {
    const definitions = targets.map((target) => scheduleDefinition(account, target, 'alice', 'G-1', AT));
    expect(definitions.map((definition) => definition.Target?.Arn)).toEqual([
      `arn:${partition}:scheduler:::aws-sdk:iam:removeUserFromGroup`,
      `arn:${partition}:scheduler:::aws-sdk:iam:detachUserPolicy`,
      `arn:${partition}:scheduler:::aws-sdk:iam:detachUserPolicy`,
    ]);
    expect(JSON.parse(String(definitions[2]?.Target?.Input))).toEqual({
      PolicyArn: `arn:${partition}:iam::111111111111:policy/jit/generated/jitbot-G-1`,
      UserName: 'alice',
    });
    const arns = arnsIn(definitions);
    expect(arns.length).toBeGreaterThanOrEqual(9);
    for (const arn of arns) expect(arn).toMatch(new RegExp(`^arn:${partition}:`));
  });

  it('names generated policies and their replacements in the partition', () => {
    expect(generatedPolicyArn(account, 'G-7')).toBe(
      `arn:${partition}:iam::111111111111:policy/jit/generated/jitbot-G-7`,
    );
    expect(replacementPolicyArn(account, 'G-7', AT)).toBe(
      `arn:${partition}:iam::111111111111:policy/jit/generated/jitbot-G-7-20261122T153000Z`,
    );
  });

  it("calls Identity Center's universal targets of the partition", () => {
    expect(universalTargetArn(partition, 'ssoadmin', 'deleteAccountAssignment')).toBe(
      `arn:${partition}:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment`,
    );
    expect(universalTargetArn(partition, 'identitystore', 'deleteGroupMembership')).toBe(
      `arn:${partition}:scheduler:::aws-sdk:identitystore:deleteGroupMembership`,
    );
  });

  it(`signs IAM for ${iamRegion}, whose endpoint the SDK resolves to ${iamHost}, and STS and Scheduler in ${region}`, async () => {
    aws.fake.account('111111111111').addUser('alice');
    const { iam, scheduler } = await aws.connect([account]).clientsFor(account, context());
    await iam.send(new GetUserCommand({ UserName: 'alice' }));
    await scheduler
      .send(new GetScheduleCommand({ Name: 'jitbot-G-1', GroupName: 'jitbot' }))
      .catch(() => undefined);

    const signed = (action: string) => aws.fake.callsTo(action).map((call) => call.signingRegion);
    expect(signed('AssumeRole')).toEqual([region]);
    expect(signed('GetUser')).toEqual([iamRegion]);
    expect(signed('GetSchedule')).toEqual([region]);
    expect(aws.fake.callsTo('AssumeRole')[0]?.params.RoleArn).toBe(account.connectorRoleArn);

    // Where the same client goes without the test's endpoint: the SDK's own rules, not a guess.
    const resolved = iam.config.endpointProvider({ Region: await iam.config.region(), UseFIPS: false });
    expect(resolved.url.hostname).toBe(iamHost);
    expect(resolved.properties?.authSchemes).toEqual([{ name: 'sigv4', signingRegion: iamRegion }]);
  });

  it('says which partition jitbot’s own identity must be of when STS does not know it', async () => {
    aws.fake.failNext('AssumeRole', {
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    await expect(aws.connect([account]).clientsFor(account, context())).rejects.toMatchObject({
      code: 'aws_bad_credentials',
      message: expect.stringContaining(
        `jitbot's own identity must be of the partition ${partition} (the role's), since a role can be assumed only from its own partition`,
      ),
    });
  });
});
