import { describe, expect, it } from 'vitest';
import {
  buildAccount,
  buildCatalogData,
  buildOktaTarget,
  parse,
  problemLines,
  withTarget,
} from './catalog-builders.js';

describe('settings', () => {
  it('are required, with at least the admin channel', () => {
    expect(problemLines(buildCatalogData({ settings: undefined }))).toEqual([
      'settings: is required: add settings: with at least adminChannel (see examples/jitbot.yaml)',
    ]);
    expect(problemLines(buildCatalogData({ settings: {} }))).toEqual([
      'settings.adminChannel: is required: the Slack channel id (C…) where jitbot posts breakglass notices and alerts',
    ]);
  });

  it('take a channel id, not a channel name', () => {
    expect(problemLines(buildCatalogData({ settings: { adminChannel: '#jit-admin' } }))).toEqual([
      'settings.adminChannel: "#jit-admin" must be a Slack channel id like C0123ABCD (channel details > About), not its #name',
    ]);
  });

  it('read their durations', () => {
    const settings = { adminChannel: 'G0PRIVATE', expiryWarning: '5m', approvalTimeout: '2d' };
    expect(parse(buildCatalogData({ settings })).settings).toEqual({
      adminChannel: 'G0PRIVATE',
      expiryWarningSeconds: 300,
      approvalTimeoutSeconds: 172_800,
      approvalReminderSeconds: 86_400,
      admins: { users: [], userGroups: [] },
      requestRateLimit: { requests: 10, perSeconds: 600 },
      maxPendingRequests: 5,
      reconcileIntervalSeconds: 900,
    });
  });

  it('remind approvers halfway through approvalTimeout unless told otherwise, and always before it', () => {
    const settings = (approvalReminder: string) => ({
      adminChannel: 'C0ADMIN1',
      approvalTimeout: '8h',
      approvalReminder,
    });
    expect(parse(buildCatalogData({ settings: settings('1h') })).settings.approvalReminderSeconds).toBe(3600);
    expect(problemLines(buildCatalogData({ settings: settings('8h') }))).toEqual([
      'settings.approvalReminder: must be shorter than approvalTimeout (8h): approvers are reminded while the request still waits for them',
    ]);
  });

  it('read the admins who may end access early and review breakglass', () => {
    const settings = {
      adminChannel: 'C0EXAMPLE1',
      admins: { users: ['U0ADMIN1'], userGroups: ['S0ADMINS'] },
    };
    expect(parse(buildCatalogData({ settings })).settings.admins).toEqual({
      users: ['U0ADMIN1'],
      userGroups: ['S0ADMINS'],
    });
  });

  it('refuse a duration without a unit or in words', () => {
    const settings = { adminChannel: 'C0EXAMPLE1', expiryWarning: 15, approvalTimeout: 'one day' };
    expect(problemLines(buildCatalogData({ settings }))).toEqual([
      'settings.expiryWarning: 15 must be a duration with a unit; write a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m',
      'settings.approvalTimeout: "one day" is not a duration; write a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m',
    ]);
  });
});

describe('accounts', () => {
  it('have unique ids', () => {
    const data = buildCatalogData({ accounts: [buildAccount(), buildAccount()] });
    expect(problemLines(data)).toEqual([
      'accounts[1].id: "prod" is already the id of accounts[0]; ids must be unique, so rename one',
    ]);
  });

  it('have ids of lowercase letters, digits and -', () => {
    const data = buildCatalogData({
      accounts: [buildAccount({ id: 'Prod_1' })],
      targets: [buildOktaTarget()],
    });
    expect(problemLines(data)).toEqual([
      'accounts[0].id: "Prod_1" must be 1-40 lowercase letters, digits or -, e.g. prod-admin',
    ]);
  });

  it('may be left out when no target is in AWS', () => {
    expect(parse(buildCatalogData({ accounts: undefined, targets: [buildOktaTarget()] })).accounts).toEqual(
      [],
    );
    const emptyAccounts = [
      'settings: { adminChannel: C0X1 }',
      'accounts:',
      'okta: { orgUrl: https://o.example, token: t }',
      'targets: [{ id: t, kind: okta-group, groupId: 00ga, durations: { default: 1h, max: 1h }, breakglass: true }]',
    ].join('\n');
    expect(parse(emptyAccounts).accounts).toEqual([]);
  });

  it('ask for the account id in quotes when YAML read it as a number', () => {
    const text = [
      'settings: { adminChannel: C0X1 }',
      'accounts:',
      '  - id: prod',
      '    accountId: 012345678901',
      '    region: us-east-1',
      '    connectorRoleArn: arn:aws:iam::012345678901:role/jitbot-connector',
      '    externalId: abc',
      '    userMapping: email',
      'targets: [{ id: t, kind: aws-iam-group, account: prod, group: g, durations: { default: 1h, max: 1h }, breakglass: true }]',
    ].join('\n');
    expect(problemLines(text)).toEqual([
      'accounts[0].accountId: 12345678901 must be in quotes, e.g. accountId: "012345678901": YAML reads bare digits as a number and drops leading zeros',
    ]);
  });

  it('have a 12-digit account id and an AWS region', () => {
    const data = buildCatalogData({ accounts: [buildAccount({ accountId: '1111', region: 'Virginia' })] });
    expect(problemLines(data)).toEqual([
      'accounts[0].accountId: "1111" must be exactly 12 digits, e.g. "123456789012"',
      'accounts[0].region: "Virginia" must be an AWS region like us-east-1',
    ]);
  });

  it('need a connector role in the account itself', () => {
    const data = buildCatalogData({
      accounts: [buildAccount({ connectorRoleArn: 'arn:aws:iam::999999999999:role/jitbot-connector' })],
    });
    expect(problemLines(data)).toEqual([
      'accounts[0].connectorRoleArn: the role is in account 999999999999, but accountId is 111111111111; jitbot assumes this role in the account it manages, so use a role in that account or correct accountId',
    ]);
  });

  it('need a scheduler role, when given, in the account itself', () => {
    const data = buildCatalogData({
      accounts: [buildAccount({ schedulerRoleArn: 'arn:aws:iam::999999999999:role/jitbot-scheduler' })],
    });
    expect(problemLines(data)[0]).toMatch(
      /^accounts\[0\]\.schedulerRoleArn: the role is in account 999999999999/,
    );
  });

  it('take role ARNs in the GovCloud and China partitions, with a role path', () => {
    const gov = buildAccount({
      connectorRoleArn: 'arn:aws-us-gov:iam::111111111111:role/jit/connector',
      region: 'us-gov-west-1',
    });
    const cn = buildAccount({
      connectorRoleArn: 'arn:aws-cn:iam::111111111111:role/connector',
      region: 'cn-north-1',
    });
    // One catalog is one partition (catalog-partitions.test.ts): each is its own catalog.
    expect(parse(buildCatalogData({ accounts: [gov] })).accounts).toHaveLength(1);
    expect(parse(buildCatalogData({ accounts: [cn] })).accounts).toHaveLength(1);
  });

  it('refuse something that is not a role ARN', () => {
    const data = buildCatalogData({
      accounts: [buildAccount({ connectorRoleArn: 'arn:aws:iam::111111111111:user/bob' })],
    });
    expect(problemLines(data)).toEqual([
      'accounts[0].connectorRoleArn: "arn:aws:iam::111111111111:user/bob" must be an IAM role ARN like arn:aws:iam::123456789012:role/jitbot-connector',
    ]);
  });
});

describe('okta', () => {
  it('is required by okta-group targets', () => {
    const data = buildCatalogData({ okta: undefined, targets: [buildOktaTarget()] });
    expect(problemLines(data)).toEqual([
      'targets[0].kind: okta-group targets need the okta section; add okta: with orgUrl and token (see examples/jitbot.yaml)',
    ]);
  });

  it('takes an http(s) org URL, matching users by login unless told otherwise', () => {
    const okta = { orgUrl: 'http://localhost:8080/', token: 't' };
    expect(parse(buildCatalogData({ okta })).okta).toEqual({
      orgUrl: 'http://localhost:8080',
      token: 't',
      userMatch: 'login',
    });
    const byEmail = { ...okta, userMatch: 'email' };
    expect(parse(buildCatalogData({ okta: byEmail })).okta?.userMatch).toBe('email');
  });

  it('refuses an org URL that is not http(s), and an unknown user match', () => {
    const okta = { orgUrl: 'example.okta.com', token: 't', userMatch: 'name' };
    expect(problemLines(buildCatalogData({ okta }))).toEqual([
      'okta.orgUrl: "example.okta.com" must be an http(s) URL like https://example.okta.com',
      'okta.userMatch: "name" must be login or email',
    ]);
  });

  it('refuses a target setting with an Okta group id that is a name', () => {
    expect(problemLines(buildCatalogData({ targets: [buildOktaTarget({ groupId: 'Support' })] }))).toEqual([
      'targets[0].groupId: "Support" must be an Okta group id like 00g1abcd2EFGH3ijk4x5, not its name',
    ]);
  });

  it('refuses an aws-only key on an okta-group target', () => {
    expect(problemLines(withTarget({ kind: 'okta-group', groupId: '00gabc', group: undefined }))).toEqual([
      'targets[0]: unknown key "account"; the keys allowed here are: id, name, description, durations, approvers, selfApproval, breakglass, autoApprove, approvalChannel, requesters, standingMembers, onDrift, kind, groupId',
    ]);
  });
});
