import { describe, expect, it } from 'vitest';
import { catalogPartition, ownRegionProblem } from '../../src/config/catalog-partitions.js';
import {
  buildAccount,
  buildAwsTarget,
  buildCatalogData,
  buildIdentityCenter,
  buildSsoGroupTarget,
  ENV,
  parse,
  problemLines,
  problemsOf,
} from './catalog-builders.js';

/** An account whose every ARN is in `partition`, in `region`. */
function accountIn(partition: string, region: string, overrides: Record<string, unknown> = {}) {
  return buildAccount({
    region,
    connectorRoleArn: `arn:${partition}:iam::111111111111:role/jitbot-connector`,
    schedulerRoleArn: `arn:${partition}:iam::111111111111:role/jitbot-scheduler`,
    deadLetterArn: `arn:${partition}:sqs:${region}:111111111111:jitbot-backstop-dlq`,
    ...overrides,
  });
}

function policyTarget(partition: string) {
  return buildAwsTarget({
    id: 'prod-read',
    kind: 'aws-iam-policy',
    group: undefined,
    policyArn: `arn:${partition}:iam::111111111111:policy/jit/read-logs`,
  });
}

describe('a catalog in GovCloud or China', () => {
  it.each([
    ['aws-us-gov', 'us-gov-west-1'],
    ['aws-us-gov', 'us-gov-east-1'],
    ['aws-cn', 'cn-north-1'],
    ['aws-cn', 'cn-northwest-1'],
    ['aws', 'ap-southeast-7'],
  ])('is read when every ARN is in %s and the region is %s', (partition, region) => {
    const data = buildCatalogData({
      accounts: [accountIn(partition, region)],
      targets: [buildAwsTarget(), policyTarget(partition)],
    });
    const catalog = parse(data);
    expect(catalog.accounts[0]).toMatchObject({
      region,
      connectorRoleArn: `arn:${partition}:iam::111111111111:role/jitbot-connector`,
    });
  });

  it('takes an Identity Center whose home region is in the partition of its instance', () => {
    const data = buildCatalogData({
      accounts: [accountIn('aws-us-gov', 'us-gov-west-1')],
      identityCenter: buildIdentityCenter({
        instanceArn: 'arn:aws-us-gov:sso:::instance/ssoins-1234567890abcdef',
        region: 'us-gov-east-1',
      }),
      targets: [buildSsoGroupTarget()],
    });
    expect(parse(data).identityCenter).toMatchObject({ partition: 'aws-us-gov', region: 'us-gov-east-1' });
  });
});

describe("an account's region", () => {
  it('is refused when it is in no partition jitbot supports, naming the file and the field', () => {
    const data = buildCatalogData({ accounts: [buildAccount({ region: 'xx-west-1' })] });
    expect(problemsOf(data)).toBe(
      [
        'The catalog jitbot.yaml is not valid (1 problem):',
        '  - accounts[0].region: "xx-west-1" is not a region of any partition jitbot supports (aws (commercial), aws-us-gov (GovCloud) and aws-cn (China)); write one such as us-east-1, us-gov-west-1 or cn-north-1',
      ].join('\n'),
    );
  });

  it.each([
    ['us-iso-east-1', 'aws-iso (AWS Top Secret)'],
    ['us-isob-east-1', 'aws-iso-b (AWS Secret)'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eusc-de-east-1', 'aws-eusc (AWS European Sovereign Cloud)'],
  ])('is refused in words when it is %s, a region of a partition jitbot does not support', (region, name) => {
    const data = buildCatalogData({ accounts: [buildAccount({ region })] });
    expect(problemLines(data)).toEqual([
      `accounts[0].region: "${region}" is a region of the partition ${name}, which jitbot does not support: it supports aws (commercial), aws-us-gov (GovCloud) and aws-cn (China)`,
    ]);
  });

  it('of Identity Center follows the same rule', () => {
    const data = buildCatalogData({
      identityCenter: buildIdentityCenter({ region: 'us-iso-east-1' }),
      targets: [buildSsoGroupTarget()],
    });
    expect(problemLines(data)).toEqual([
      'identityCenter.region: "us-iso-east-1" is a region of the partition aws-iso (AWS Top Secret), which jitbot does not support: it supports aws (commercial), aws-us-gov (GovCloud) and aws-cn (China)',
    ]);
  });
});

describe('ARNs of another partition than the region', () => {
  it('are refused for the connector role, saying to fix the region or the ARN', () => {
    const data = buildCatalogData({
      accounts: [
        buildAccount({
          region: 'us-east-1',
          connectorRoleArn: 'arn:aws-us-gov:iam::111111111111:role/jitbot-connector',
        }),
      ],
    });
    expect(problemLines(data)).toEqual([
      "accounts[0].connectorRoleArn: is in the partition aws-us-gov, but region us-east-1 is in aws; jitbot uses the role in the account's region, and a role exists only in its own partition: set region to a region of aws-us-gov (e.g. us-gov-west-1) if the account is there, or write the role's ARN as arn:aws:iam::…",
    ]);
  });

  it('are refused for the scheduler role', () => {
    const data = buildCatalogData({
      accounts: [
        accountIn('aws-cn', 'cn-north-1', {
          schedulerRoleArn: 'arn:aws:iam::111111111111:role/jitbot-scheduler',
          deadLetterArn: undefined,
        }),
      ],
    });
    expect(problemLines(data)).toEqual([
      "accounts[0].schedulerRoleArn: is in the partition aws, but region cn-north-1 is in aws-cn; jitbot uses the role in the account's region, and a role exists only in its own partition: set region to a region of aws (e.g. us-east-1) if the account is there, or write the role's ARN as arn:aws-cn:iam::…",
    ]);
  });

  it('do not show a value that came from the environment', () => {
    const data = buildCatalogData({
      accounts: [buildAccount({ region: `\${PROD_REGION}` })],
    });
    expect(problemLines(data, { ...ENV, PROD_REGION: 'us-gov-west-1' })).toEqual([
      "accounts[0].connectorRoleArn: is in another partition than region; jitbot uses the role in the account's region, and a role exists only in its own partition: make region and the role's ARN name the same partition",
    ]);
  });

  it('are refused for an IAM policy target whose policy is in another partition than its account', () => {
    const data = buildCatalogData({
      accounts: [accountIn('aws-us-gov', 'us-gov-west-1')],
      targets: [policyTarget('aws')],
    });
    expect(problemLines(data)).toEqual([
      'targets[0].policyArn: is in the partition aws, but account prod is in aws-us-gov; IAM attaches a managed policy only to users of its own partition: write arn:aws-us-gov:iam::…, or change account',
    ]);
  });

  it('are refused for an Identity Center home region outside the instance partition', () => {
    const data = buildCatalogData({
      accounts: [accountIn('aws-us-gov', 'us-gov-west-1')],
      identityCenter: buildIdentityCenter({
        instanceArn: 'arn:aws-us-gov:sso:::instance/ssoins-1234567890abcdef',
        region: 'us-east-1',
      }),
      targets: [buildSsoGroupTarget()],
    });
    expect(problemLines(data)).toEqual([
      "identityCenter.region: us-east-1 is in the partition aws, but instanceArn is in aws-us-gov; Identity Center is called in its home region, in the instance's own partition: write the instance's home region (aws sso-admin list-instances, in the console's region), or remove region to use the account's",
    ]);
  });
});

describe('accounts in more than one partition', () => {
  it('are refused: one AWS identity cannot assume roles in two partitions', () => {
    const data = buildCatalogData({
      accounts: [
        buildAccount(),
        accountIn('aws-us-gov', 'us-gov-west-1', { id: 'gov', accountId: '222222222222' }),
        accountIn('aws-cn', 'cn-north-1', { id: 'china', accountId: '333333333333' }),
      ].map((account) => ({
        ...account,
        connectorRoleArn: String(account.connectorRoleArn).replace('111111111111', String(account.accountId)),
        ...(account.schedulerRoleArn === undefined
          ? {}
          : {
              schedulerRoleArn: String(account.schedulerRoleArn).replace(
                '111111111111',
                String(account.accountId),
              ),
              deadLetterArn: String(account.deadLetterArn).replace('111111111111', String(account.accountId)),
            }),
      })),
    });
    const why =
      "jitbot assumes every connector role with its one AWS identity, which belongs to one partition and cannot assume roles in another: run one jitbot per partition, each with a catalog of that partition's accounts and AWS credentials of that partition";
    expect(problemLines(data)).toEqual([
      `accounts[1].region: account gov is in the partition aws-us-gov (region us-gov-west-1), but account prod (accounts[0]) is in aws (region us-east-1); ${why}`,
      `accounts[2].region: account china is in the partition aws-cn (region cn-north-1), but account prod (accounts[0]) is in aws (region us-east-1); ${why}`,
    ]);
  });

  it('are allowed within one partition across its regions', () => {
    const data = buildCatalogData({
      accounts: [
        accountIn('aws-us-gov', 'us-gov-west-1'),
        accountIn('aws-us-gov', 'us-gov-east-1', { id: 'gov-east' }),
      ],
    });
    expect(parse(data).accounts.map(({ region }) => region)).toEqual(['us-gov-west-1', 'us-gov-east-1']);
  });
});

describe("a region of jitbot's own identity beside the catalog", () => {
  const gov = parse(buildCatalogData({ accounts: [accountIn('aws-us-gov', 'us-gov-west-1')] }));

  it('fits when it is in the partition of the accounts, or not given', () => {
    expect(catalogPartition(gov)).toBe('aws-us-gov');
    expect(ownRegionProblem(gov, 'AUDIT_SINK_REGION', 'us-gov-east-1')).toBeUndefined();
    expect(ownRegionProblem(gov, 'AUDIT_SINK_REGION', undefined)).toBeUndefined();
    expect(ownRegionProblem(parse(buildCatalogData()), 'AWS_REGION', 'eu-west-1')).toBeUndefined();
  });

  it('is told in words when it is in another partition', () => {
    expect(ownRegionProblem(gov, 'AUDIT_SINK_REGION', 'us-east-1')).toBe(
      "AUDIT_SINK_REGION is us-east-1, in the partition aws, but the catalog's accounts are in aws-us-gov: jitbot's own AWS identity assumes their roles, so it is of aws-us-gov and cannot reach aws; set AUDIT_SINK_REGION to a region of aws-us-gov (e.g. us-gov-west-1)",
    );
  });
});
