import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../src/config/catalog.js';
import { emailDomainWarning } from '../../src/config/catalog-checks.js';
import { identityCenterBackstopWarning } from '../../src/config/catalog-identity-center.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import {
  buildAccount,
  buildCatalogData,
  buildIdentityCenter,
  buildSsoGroupTarget,
  buildSsoPermissionSetTarget,
  ENV,
  INSTANCE_ARN,
  parse,
  problemLines,
} from './catalog-builders.js';

const SCHEDULER = 'arn:aws:iam::111111111111:role/jitbot-scheduler';
const PERMISSION_SET = 'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef';

/** A catalog with an identityCenter section (overridable) and the given targets. */
function withIdentityCenter(
  section: Record<string, unknown> = {},
  targets = [buildSsoPermissionSetTarget()],
) {
  return buildCatalogData({ identityCenter: buildIdentityCenter(section), targets });
}

function withPermissionSet(overrides: Record<string, unknown>) {
  return withIdentityCenter({}, [buildSsoPermissionSetTarget(overrides)]);
}

function withGroup(overrides: Record<string, unknown>) {
  return withIdentityCenter({}, [buildSsoGroupTarget(overrides)]);
}

describe('the identityCenter section', () => {
  it('is read with its defaults: the account region, userMatch userName, the partition of the instance', () => {
    const catalog = parse(withIdentityCenter());
    expect(catalog.identityCenter).toEqual({
      account: 'prod',
      instanceArn: INSTANCE_ARN,
      identityStoreId: 'd-1234567890',
      region: 'us-east-1',
      userMatch: 'userName',
      partition: 'aws',
    });
    expect(Object.isFrozen(catalog.identityCenter)).toBe(true);
  });

  it('takes region, userMatch email and the portal URL as written', () => {
    const catalog = parse(
      withIdentityCenter({
        region: 'eu-west-1',
        userMatch: 'email',
        portalUrl: 'https://example.awsapps.com/start',
        identityStoreId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      }),
    );
    expect(catalog.identityCenter).toMatchObject({
      region: 'eu-west-1',
      userMatch: 'email',
      portalUrl: 'https://example.awsapps.com/start',
      identityStoreId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
    });
  });

  it('takes the partition from the instance ARN (GovCloud beside GovCloud roles)', () => {
    const account = buildAccount({
      region: 'us-gov-west-1',
      connectorRoleArn: 'arn:aws-us-gov:iam::111111111111:role/jitbot-connector',
    });
    const data = buildCatalogData({
      accounts: [account],
      identityCenter: buildIdentityCenter({
        instanceArn: 'arn:aws-us-gov:sso:::instance/ssoins-1234567890abcdef',
      }),
      targets: [buildSsoGroupTarget()],
    });
    expect(parse(data).identityCenter).toMatchObject({ partition: 'aws-us-gov', region: 'us-gov-west-1' });
  });

  it.each([
    'arn:aws:sso:::instance/ins-1234567890abcdef',
    'arn:aws:sso:::instance/ssoins-ABCDEF.123-45678',
    'arn:aws-cn:sso:::instance/ssoins-1234567890abcdef',
  ])('accepts the instance ARN %s, as AWS does', (instanceArn) => {
    const account = instanceArn.startsWith('arn:aws-cn:')
      ? buildAccount({ region: 'cn-north-1', connectorRoleArn: 'arn:aws-cn:iam::111111111111:role/jitbot' })
      : buildAccount();
    const data = buildCatalogData({
      accounts: [account],
      identityCenter: buildIdentityCenter({ instanceArn }),
      targets: [buildSsoGroupTarget()],
    });
    expect(parse(data).identityCenter?.instanceArn).toBe(instanceArn);
  });

  it.each([
    ['an instance id too short', 'arn:aws:sso:::instance/ssoins-1234567890abcde'],
    ['a partition jitbot does not serve', 'arn:aws-iso:sso:::instance/ssoins-1234567890abcdef'],
    ['an instance id alone', 'ssoins-1234567890abcdef'],
    ['a region in the ARN', 'arn:aws:sso:us-east-1::instance/ssoins-1234567890abcdef'],
  ])('refuses %s as instanceArn, saying what is expected', (_what, instanceArn) => {
    expect(problemLines(withIdentityCenter({ instanceArn }))).toEqual([
      `identityCenter.instanceArn: ${JSON.stringify(instanceArn)} must be an IAM Identity Center instance ARN like arn:aws:sso:::instance/ssoins-1234567890abcdef (partition aws, aws-us-gov or aws-cn; ssoins- or ins- and 16 letters, digits, - or .): aws sso-admin list-instances shows it`,
    ]);
  });

  it.each(['d-123456789', 'd-123456789g', 'D-1234567890', '1234567890', 'not-a-uuid-0000-0000-000000000000'])(
    'refuses the identity store id %s',
    (identityStoreId) => {
      expect(problemLines(withIdentityCenter({ identityStoreId }))).toEqual([
        `identityCenter.identityStoreId: ${JSON.stringify(identityStoreId)} must be an identity store id: d- and 10 hex digits like d-1234567890, or a UUID (aws sso-admin list-instances shows it)`,
      ]);
    },
  );

  it('refuses a region, userMatch or portal URL it does not know', () => {
    expect(
      problemLines(
        withIdentityCenter({
          region: 'us-east',
          userMatch: 'login',
          portalUrl: 'http://example.awsapps.com/start',
        }),
      ),
    ).toEqual([
      'identityCenter.region: "us-east" must be an AWS region like us-east-1',
      'identityCenter.userMatch: "login" must be userName or email',
      'identityCenter.portalUrl: "http://example.awsapps.com/start" must be an https URL like https://example.awsapps.com/start (the AWS access portal)',
    ]);
    expect(problemLines(withIdentityCenter({ portalUrl: 'example.awsapps.com/start' }))).toEqual([
      'identityCenter.portalUrl: "example.awsapps.com/start" must be an https URL like https://example.awsapps.com/start (the AWS access portal)',
    ]);
  });

  it('says what goes in each required key', () => {
    const section = { account: undefined, instanceArn: undefined, identityStoreId: undefined };
    expect(problemLines(withIdentityCenter(section))).toEqual([
      'identityCenter.account: is required: the id of one of the accounts',
      'identityCenter.instanceArn: is required: the ARN of your IAM Identity Center instance, arn:aws:sso:::instance/ssoins-… (aws sso-admin list-instances shows it)',
      'identityCenter.identityStoreId: is required: the id of its identity store, d-… (aws sso-admin list-instances shows it)',
    ]);
  });

  it('refuses unknown keys, suggesting the one meant, and has no partition key (it comes from the ARN)', () => {
    expect(problemLines(withIdentityCenter({ instanceARN: INSTANCE_ARN, instanceArn: undefined }))).toEqual([
      'identityCenter.instanceArn: is required: the ARN of your IAM Identity Center instance, arn:aws:sso:::instance/ssoins-… (aws sso-admin list-instances shows it)',
      'identityCenter: unknown key "instanceARN"; did you mean "instanceArn"?',
    ]);
    expect(problemLines(withIdentityCenter({ partition: 'aws' }))).toEqual([
      'identityCenter: unknown key "partition"; the keys allowed here are: account, instanceArn, identityStoreId, region, userMatch, portalUrl',
    ]);
  });

  it('names an account in accounts, whose connector role is assumed for Identity Center', () => {
    const accounts = [buildAccount(), buildAccount({ id: 'staging' })];
    expect(
      problemLines(buildCatalogData({ accounts, identityCenter: buildIdentityCenter({ account: 'mgmt' }) })),
    ).toEqual([
      `identityCenter.account: no account with id "mgmt"; the accounts are: prod, staging (jitbot calls Identity Center with that account's connector role)`,
    ]);
    expect(
      problemLines(
        buildCatalogData({
          accounts: [],
          identityCenter: buildIdentityCenter(),
          targets: [buildSsoGroupTarget()],
        }),
      ),
    ).toEqual([
      `identityCenter.account: no account with id "prod"; there are no accounts: add the Identity Center account under accounts: (jitbot calls Identity Center with that account's connector role)`,
    ]);
  });

  it("must be in the partition of that account's roles", () => {
    const instanceArn = 'arn:aws-cn:sso:::instance/ssoins-1234567890abcdef';
    expect(problemLines(withIdentityCenter({ instanceArn }, [buildSsoGroupTarget()]))).toEqual([
      "identityCenter.instanceArn: is in the partition aws-cn, but the roles of account prod are in aws; jitbot calls Identity Center with that account's connector role, so both must be in one partition: correct instanceArn or identityCenter.account",
    ]);
  });

  it('never shows a value that came from the environment', () => {
    const env = { ...ENV, IC_INSTANCE: 'arn:aws-cn:sso:::instance/ssoins-0000000000secret' };
    const data = withIdentityCenter({ instanceArn: `\${IC_INSTANCE}` }, [buildSsoGroupTarget()]);
    const lines = problemLines(data, env);
    expect(lines).toEqual([
      "identityCenter.instanceArn: is in another partition than the roles of account prod; jitbot calls Identity Center with that account's connector role, so both must be in one partition: correct instanceArn or identityCenter.account",
    ]);
    const malformed = { ...ENV, IC_INSTANCE: 'ssoins-secret' };
    expect(problemLines(data, malformed)).toEqual([
      `identityCenter.instanceArn: the value of \${IC_INSTANCE} must be an IAM Identity Center instance ARN like arn:aws:sso:::instance/ssoins-1234567890abcdef (partition aws, aws-us-gov or aws-cn; ssoins- or ins- and 16 letters, digits, - or .): aws sso-admin list-instances shows it`,
    ]);
  });
});

describe('aws-sso-permission-set targets', () => {
  it('are read with the permission set and the account it is assigned in', () => {
    expect(parse(withIdentityCenter()).targets[0]).toEqual({
      id: 'prod-admin-sso',
      name: 'prod-admin-sso',
      kind: 'aws-sso-permission-set',
      permissionSetArn: PERMISSION_SET,
      accountId: '222222222222',
      durations: { defaultSeconds: 3600, maxSeconds: 14400 },
      approvers: { users: ['U0EXAMPLE1'], userGroups: [], required: 1 },
      selfApproval: false,
      breakglass: false,
      standingMembers: [],
      onDrift: 'alert',
    });
  });

  it.each([
    ['a name', 'AdministratorAccess'],
    ['an id too short', 'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234'],
    ['no instance', 'arn:aws:sso:::permissionSet/ps-1234567890abcdef'],
    ['an IAM policy', 'arn:aws:iam::aws:policy/AdministratorAccess'],
  ])('refuse %s as permissionSetArn', (_what, permissionSetArn) => {
    expect(problemLines(withPermissionSet({ permissionSetArn }))).toEqual([
      `targets[0].permissionSetArn: ${JSON.stringify(permissionSetArn)} must be a permission set ARN like arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef, not its name: aws sso-admin list-permission-sets lists them`,
    ]);
  });

  it('must be a permission set of the identityCenter instance', () => {
    const other = 'arn:aws:sso:::permissionSet/ssoins-fedcba0987654321/ps-1234567890abcdef';
    expect(problemLines(withPermissionSet({ permissionSetArn: other }))).toEqual([
      'targets[0].permissionSetArn: is a permission set of instance ssoins-fedcba0987654321, but identityCenter.instanceArn is instance ssoins-1234567890abcdef; Identity Center assigns only its own permission sets: use one of that instance (aws sso-admin list-permission-sets), or correct instanceArn',
    ]);
  });

  it('must be in the partition of the identityCenter instance', () => {
    const chinese = 'arn:aws-cn:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef';
    expect(problemLines(withPermissionSet({ permissionSetArn: chinese }))).toEqual([
      'targets[0].permissionSetArn: is in the partition aws-cn, but identityCenter.instanceArn is in aws; use a permission set of that instance',
    ]);
  });

  it('take the account id in quotes, with the same words as an account', () => {
    expect(problemLines(withPermissionSet({ accountId: 222222222222 }))).toEqual([
      'targets[0].accountId: 222222222222 must be in quotes, e.g. accountId: "012345678901": YAML reads bare digits as a number and drops leading zeros',
    ]);
    expect(problemLines(withPermissionSet({ accountId: '22222222222' }))).toEqual([
      'targets[0].accountId: "22222222222" must be exactly 12 digits, e.g. "123456789012"',
    ]);
  });

  it('say what goes in each required key, and suggest accountId for account', () => {
    expect(problemLines(withPermissionSet({ permissionSetArn: undefined, accountId: undefined }))).toEqual([
      'targets[0].permissionSetArn: is required: the ARN of the permission set to assign, arn:aws:sso:::permissionSet/…',
      'targets[0].accountId: is required: the 12-digit AWS account id, in quotes',
    ]);
    expect(problemLines(withPermissionSet({ accountId: undefined, account: 'prod' }))).toEqual([
      'targets[0].accountId: is required: the 12-digit AWS account id, in quotes',
      'targets[0]: unknown key "account"; did you mean "accountId"?',
    ]);
  });
});

describe('aws-sso-group targets', () => {
  it('are read with the Identity Store group id', () => {
    expect(parse(withGroup({})).targets[0]).toMatchObject({
      kind: 'aws-sso-group',
      groupId: '9a67a5c2-0000-0000-0000-000000000000',
    });
  });

  it.each(['906781d6f4-9a67a5c2-0000-0000-0000-000000000000', 'F384E872-8021-70C4-796B-A1180C595771'])(
    'accept the group id %s, as AWS does',
    (groupId) => {
      expect(parse(withGroup({ groupId })).targets[0]).toMatchObject({ groupId });
    },
  );

  it.each([
    ['a name', 'oncall'],
    ['an Okta group id', '00g1example2ABCD3efg'],
    ['a prefix that is not 10 hex digits', '906781d6f-9a67a5c2-0000-0000-0000-000000000000'],
    ['a Terraform resource id (store/group)', 'd-1234567890/9a67a5c2-0000-0000-0000-000000000000'],
  ])('refuse %s as groupId', (_what, groupId) => {
    expect(problemLines(withGroup({ groupId }))).toEqual([
      `targets[0].groupId: ${JSON.stringify(groupId)} must be an Identity Store group id like 9a67a5c2-0000-0000-0000-000000000000 (a UUID, which may follow 10 hex digits and -), not its name: aws identitystore list-groups shows it`,
    ]);
  });

  it('say an Identity Store group id is missing, not an Okta one', () => {
    expect(problemLines(withGroup({ groupId: undefined }))).toEqual([
      'targets[0].groupId: is required: the id of the Identity Store group that grants the access (a UUID)',
    ]);
    expect(problemLines(withGroup({ groupId: 42 }))).toEqual([
      'targets[0].groupId: 42 must be text, not a number',
    ]);
  });
});

describe('Identity Center targets', () => {
  it.each([
    ['aws-sso-permission-set', buildSsoPermissionSetTarget()],
    ['aws-sso-group', buildSsoGroupTarget()],
  ])('of kind %s need the identityCenter section', (kind, target) => {
    expect(problemLines(buildCatalogData({ targets: [target] }))).toEqual([
      `targets[0].kind: ${kind} targets need the identityCenter section; add identityCenter: with account, instanceArn and identityStoreId (see examples/jitbot.yaml)`,
    ]);
  });

  it('suggest the kind meant', () => {
    expect(problemLines(withGroup({ kind: 'aws-sso-grup' }))).toEqual([
      'targets[0].kind: "aws-sso-grup" is not a kind (did you mean aws-sso-group?); the kinds are: aws-iam-group, aws-iam-policy, aws-iam-generated-policy, okta-group, aws-sso-permission-set, aws-sso-group',
    ]);
  });

  it('share every other key with the other kinds', () => {
    const common = {
      name: 'On-call',
      description: 'Pages at night.',
      durations: { default: '30m', max: '8h' },
      approvers: { users: ['U0EXAMPLE1', 'U0EXAMPLE2'], userGroups: ['S0EXAMPLE1'], required: 2 },
      selfApproval: true,
      breakglass: true,
      autoApprove: { maxDuration: '15m' },
      approvalChannel: 'C0EXAMPLE2',
      requesters: { users: ['U0EXAMPLE5'] },
      standingMembers: ['oncall-robot'],
      onDrift: 'remove',
    };
    expect(parse(withGroup(common)).targets[0]).toEqual({
      id: 'oncall-sso-group',
      kind: 'aws-sso-group',
      groupId: '9a67a5c2-0000-0000-0000-000000000000',
      name: 'On-call',
      description: 'Pages at night.',
      durations: { defaultSeconds: 1800, maxSeconds: 28800 },
      approvers: { users: ['U0EXAMPLE1', 'U0EXAMPLE2'], userGroups: ['S0EXAMPLE1'], required: 2 },
      selfApproval: true,
      breakglass: true,
      autoApprove: { maxDurationSeconds: 900 },
      approvalChannel: 'C0EXAMPLE2',
      requesters: { users: ['U0EXAMPLE5'], userGroups: [] },
      standingMembers: ['oncall-robot'],
      onDrift: 'remove',
    });
    expect(parse(withPermissionSet({ approvers: undefined, breakglass: true })).targets[0]).toMatchObject({
      breakglass: true,
      approvers: { users: [], userGroups: [] },
    });
  });

  it('are checked like the other kinds: durations, approvers, requesters, unknown keys', () => {
    const data = withPermissionSet({
      durations: { default: '8h', max: '4h' },
      approvers: undefined,
      requesters: { users: [] },
      aprovalChannel: 'C0EXAMPLE2',
    });
    expect(problemLines(data)).toEqual([
      'targets[0].approvers: is required: list the Slack users or userGroups who approve requests, or set breakglass: true for a breakglass-only target',
      'targets[0].durations.default: "8h" is longer than durations.max (4h); shorten it or raise max',
      'targets[0].requesters: lists nobody, so nobody could request this target; list users or userGroups, or remove requesters to let anyone request',
      'targets[0]: unknown key "aprovalChannel"; did you mean "approvalChannel"?',
    ]);
  });

  it('may grant the same thing under two ids, as two IAM targets may name one group (they share it)', () => {
    const targets = [
      buildSsoPermissionSetTarget(),
      buildSsoPermissionSetTarget({ id: 'prod-admin-sso-long', durations: { default: '4h', max: '12h' } }),
      buildSsoGroupTarget(),
      buildSsoGroupTarget({ id: 'oncall-sso-group-2' }),
    ];
    expect(parse(withIdentityCenter({}, targets)).targets).toHaveLength(4);
  });
});

describe('warnings', () => {
  it('warn at start-up when the Identity Center account has no scheduler role: no backstop', () => {
    expect(identityCenterBackstopWarning(parse(withIdentityCenter()))).toEqual({
      problem:
        'identityCenter.account prod has no schedulerRoleArn, so Identity Center grants (aws-sso-permission-set and aws-sso-group targets) have no EventBridge Scheduler backstop: if jitbot is down at expiry, access stays until it is back',
      fix: 'deploy the scheduler role of infra/terraform/modules/identity-center-connector in that account and set schedulerRoleArn on account prod in the catalog',
    });
    const withScheduler = buildCatalogData({
      accounts: [buildAccount({ schedulerRoleArn: SCHEDULER })],
      identityCenter: buildIdentityCenter(),
      targets: [buildSsoGroupTarget()],
    });
    expect(identityCenterBackstopWarning(parse(withScheduler))).toBeUndefined();
    expect(identityCenterBackstopWarning(parse(buildCatalogData()))).toBeUndefined();
  });

  it('count Identity Center among the ways a Slack email finds an account', () => {
    const data = buildCatalogData({
      accounts: [buildAccount({ userMapping: { explicit: { U0EXAMPLE4: 'ops' } } })],
      okta: undefined,
      identityCenter: buildIdentityCenter({ userMatch: 'email' }),
      targets: [buildSsoGroupTarget()],
    });
    expect(emailDomainWarning(parse(data))?.problem).toBe(
      "settings.allowedEmailDomains is not set, but identityCenter (userMatch email) find people's accounts from their Slack email, which people may be able to change: an email in any domain is accepted",
    );
  });
});

describe('the example catalog', () => {
  const example = readFileSync(join(PACKAGE_ROOT, 'examples', 'jitbot.yaml'), 'utf8');

  it('documents the identityCenter section and both kinds, which load as shipped', () => {
    const catalog = parseCatalog(example, 'jitbot.yaml', ENV);
    expect(catalog.identityCenter).toEqual({
      account: 'identity',
      instanceArn: INSTANCE_ARN,
      identityStoreId: 'd-1234567890',
      region: 'us-east-1',
      userMatch: 'userName',
      portalUrl: 'https://example.awsapps.com/start',
      partition: 'aws',
    });
    expect(catalog.targets.slice(-2)).toMatchObject([
      {
        id: 'prod-admin-sso',
        kind: 'aws-sso-permission-set',
        permissionSetArn: PERMISSION_SET,
        accountId: '111111111111',
      },
      { id: 'oncall-sso-group', kind: 'aws-sso-group', groupId: '9a67a5c2-0000-0000-0000-000000000000' },
    ]);
    expect(identityCenterBackstopWarning(catalog)).toBeUndefined();
  });
});
