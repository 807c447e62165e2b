/**
 * `jitbot doctor` with an identityCenter section: the built CLI against the fake AWS (sso-admin
 * and identitystore behind the real SDK clients), the fake Slack and a real database.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FakeAws } from '../support/fake-aws.js';
import type { FakeIdentityCenter } from '../support/fake-identity-center.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { BOT_TOKEN, runCli, SIGNING_SECRET } from '../support/service-process.js';

const EXTERNAL_ID = 'doctor-ic-ext-id-6b2d';
const AWS_SECRET = 'doctor-ic-aws-secret-8c1f';
/** The management account: it owns the Identity Center instance, and jitbot calls it from there. */
const MANAGEMENT = '333333333333';
const MEMBER = '111111111111';
const ROLE = `arn:aws:iam::${MANAGEMENT}:role/jitbot-identity-center-connector`;
const SCHEDULER = `arn:aws:iam::${MANAGEMENT}:role/jitbot-identity-center-scheduler`;
const INSTANCE = 'arn:aws:sso:::instance/ssoins-7223c8e1a0b4d5f6';
const STORE = 'd-9067a1b2c3';

let slack: FakeSlack;
let aws: FakeAws;
let awsUrl: string;
let database: TestDatabase;
let ic: FakeIdentityCenter;
let admin: string;
let longSessions: string;
let oncall: string;

beforeAll(async () => {
  [slack, database] = await Promise.all([startFakeSlack(), createTestDatabase({ migrated: true })]);
  aws = new FakeAws();
  aws.addRole(ROLE, EXTERNAL_ID);
  ic = aws.addIdentityCenter({
    ownerAccountId: MANAGEMENT,
    region: 'us-east-1',
    instanceArn: INSTANCE,
    identityStoreId: STORE,
  });
  const tagged = { jitbot: 'allowed' };
  admin = ic.addPermissionSet({ name: 'AdministratorAccess', sessionDuration: 'PT1H', tags: tagged }).arn;
  longSessions = ic.addPermissionSet({ name: 'LongSessions', sessionDuration: 'PT12H', tags: tagged }).arn;
  oncall = ic.addGroup('On-call engineers').groupId;
  aws.addSchedulerRole(SCHEDULER, { region: 'us-east-1' });
  aws.addScheduleGroup(MANAGEMENT, 'us-east-1');
  awsUrl = await aws.start();
});

afterAll(async () => {
  await Promise.all([slack?.close(), aws?.stop(), database?.drop()]);
});

interface Target {
  readonly id: string;
  readonly permissionSetArn?: string;
  readonly accountId?: string;
  readonly groupId?: string;
  readonly max?: string;
  readonly default?: string;
}

function permissionSet(id: string, arn: string, changes: Partial<Target> = {}): Target {
  return { id, permissionSetArn: arn, accountId: MEMBER, ...changes };
}

interface CatalogChanges {
  readonly targets?: readonly Target[];
  readonly region?: string;
  readonly identityStoreId?: string;
  readonly scheduler?: boolean;
}

function writeCatalog(changes: CatalogChanges = {}): string {
  const targets = changes.targets ?? [
    permissionSet('prod-admin-sso', admin),
    { id: 'oncall-sso-group', groupId: oncall },
  ];
  const catalog = {
    settings: { adminChannel: 'CADMIN1', allowedEmailDomains: ['example.com'] },
    accounts: [
      {
        id: 'management',
        name: 'Management',
        accountId: MANAGEMENT,
        region: 'us-east-1',
        connectorRoleArn: ROLE,
        externalId: `\${JITBOT_EXTERNAL_ID_IC}`, // resolved from the environment, as serve does
        ...(changes.scheduler === false ? {} : { schedulerRoleArn: SCHEDULER }),
        userMapping: 'email-local-part',
      },
    ],
    identityCenter: {
      account: 'management',
      instanceArn: INSTANCE,
      identityStoreId: changes.identityStoreId ?? STORE,
      ...(changes.region ? { region: changes.region } : {}),
    },
    targets: targets.map((target) => ({
      id: target.id,
      name: target.id,
      ...(target.groupId !== undefined
        ? { kind: 'aws-sso-group', groupId: target.groupId }
        : {
            kind: 'aws-sso-permission-set',
            permissionSetArn: target.permissionSetArn,
            accountId: target.accountId,
          }),
      durations: { default: target.default ?? '1h', max: target.max ?? '4h' },
      approvers: { users: ['UAPPROVER1'] },
    })),
  };
  const file = join(mkdtempSync(join(tmpdir(), 'jitbot-doctor-ic-')), 'jitbot.yaml');
  writeFileSync(file, stringify(catalog));
  return file;
}

async function doctor(
  changes: CatalogChanges = {},
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const run = runCli(['doctor'], {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.url,
    DATABASE_URL: database.url,
    JITBOT_CATALOG: writeCatalog(changes),
    AWS_ENDPOINT_URL: awsUrl,
    AWS_ACCESS_KEY_ID: 'AKIADOCTORTEST000002',
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    JITBOT_EXTERNAL_ID_IC: EXTERNAL_ID,
    ...env,
  });
  const { code } = await run.exited;
  const output = run.output();
  expect(output).not.toContain(EXTERNAL_ID);
  expect(output).not.toContain(AWS_SECRET);
  return { code, output };
}

/** The check lines (not their indented detail and fix). */
function checkLines(output: string): string[] {
  return output.split('\n').filter((line) => /^[✓✗!-] /.test(line));
}

/** The check's first line plus its indented lines (detail, fix). */
function blockFor(output: string, name: string): string {
  const lines = output.split('\n');
  const start = lines.findIndex((text) => text.slice(2).startsWith(`${name}:`));
  if (start === -1) throw new Error(`no "${name}" line in:\n${output}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((text) => !text.startsWith('    '));
  return [lines[start], ...rest.slice(0, end === -1 ? rest.length : end)].join('\n');
}

describe('jitbot doctor with Identity Center', () => {
  it('all green: the instance, the identity store, a tagged permission set and a group, one AssumeRole', async () => {
    const assumedBefore = aws.callsTo('AssumeRole').length;
    const { code, output } = await doctor();
    expect(checkLines(output).slice(6)).toEqual([
      '✓ slack channel CADMIN1: jitbot is a member of #channel-cadmin1 (adminChannel)',
      `✓ aws management (${MANAGEMENT}): region: us-east-1 (US East (N. Virginia))`,
      `✓ aws management (${MANAGEMENT}): assume connector role: ${ROLE}`,
      `✓ aws management (${MANAGEMENT}): drift reads: the connector role may list jitbot's schedules`,
      `✓ aws management (${MANAGEMENT}): scheduler role: ${SCHEDULER}: EventBridge Scheduler may assume it for schedule-group/jitbot in us-east-1`,
      `✓ aws management (${MANAGEMENT}): schedule group: jitbot in us-east-1`,
      `✓ identity center: instance: ${INSTANCE} in us-east-1, identity store ${STORE}`,
      `✓ identity center: identity store: ${STORE} answers`,
      '✓ identity center target prod-admin-sso: permission set: AdministratorAccess exists (session duration PT1H)',
      `✓ identity center target oncall-sso-group: group: On-call engineers (${oncall}) exists`,
    ]);
    expect(checkLines(output)[1]).toMatch(/^✓ catalog: .*: 2 targets, 1 AWS account, Identity Center$/);
    expect(output).toContain('All 16 checks passed.');
    expect(code).toBe(0);
    // The per-account line and the Identity Center checks share one session.
    const assumed = aws.callsTo('AssumeRole').slice(assumedBefore);
    expect(assumed.map((call) => call.params.RoleSessionName)).toEqual(['jitbot-doctor']);
    // The identity store is proven by looking up a user nobody has.
    const lookups = aws.callsTo('GetUserId').slice(-1);
    expect(lookups[0]?.errorCode).toBe('ResourceNotFoundException');
  });

  it('a session duration longer than durations.max: a warning with how long sessions outlast the access, exit 0', async () => {
    const { code, output } = await doctor({
      targets: [
        permissionSet('long-sso', longSessions, { max: '4h' }),
        permissionSet('short-sso', admin, { max: '30m', default: '30m' }),
        permissionSet('fitting-sso', longSessions, { max: '12h' }),
      ],
    });
    expect(blockFor(output, 'identity center target long-sso: session duration')).toBe(
      [
        '! identity center target long-sso: session duration: permission set LongSessions has the session duration PT12H, longer than durations.max 4h: sessions already started last up to 12h after the access is removed',
        `    fix: shorten the permission set's session duration to <= 4h (aws sso-admin update-permission-set --instance-arn ${INSTANCE} --permission-set-arn ${longSessions} --session-duration PT4H, or in the IAM Identity Center console: Permission sets > LongSessions > Edit)`,
      ].join('\n'),
    );
    // AWS allows no session duration shorter than PT1H.
    expect(blockFor(output, 'identity center target short-sso: session duration')).toBe(
      [
        '! identity center target short-sso: session duration: permission set AdministratorAccess has the session duration PT1H, longer than durations.max 30m: sessions already started last up to 1h after the access is removed',
        '    fix: AWS allows no session duration shorter than 1h (PT1H): raise durations.max to 1h, or accept that sessions outlast the access by up to 1h',
      ].join('\n'),
    );
    expect(output).not.toContain('fitting-sso: session duration');
    expect(output).toContain('All 17 checks passed, 2 warnings.');
    expect(code).toBe(0);
  });

  it('a missing permission set and a missing group: exit 1, each named with the fix', async () => {
    const missingSet = `arn:aws:sso:::permissionSet/${ic.instanceId}/ps-0000000000000000`;
    const missingGroup = 'a1b2c3d4e5-00000000-0000-4000-8000-000000000000';
    const { code, output } = await doctor({
      targets: [permissionSet('gone-sso', missingSet), { id: 'gone-group', groupId: missingGroup }],
    });
    expect(blockFor(output, 'identity center target gone-sso: permission set')).toBe(
      [
        `✗ identity center target gone-sso: permission set: permission set ${missingSet} does not exist in instance ${INSTANCE}`,
        `    fix: correct permissionSetArn in the catalog (aws sso-admin list-permission-sets --instance-arn ${INSTANCE})`,
      ].join('\n'),
    );
    expect(blockFor(output, 'identity center target gone-group: group')).toBe(
      [
        `✗ identity center target gone-group: group: Identity Center group ${missingGroup} does not exist in identity store ${STORE}`,
        `    fix: correct groupId in the catalog (aws identitystore list-groups --identity-store-id ${STORE})`,
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it('a permission set the connector role may not read: says it is not tagged or not listed', async () => {
    aws.failNext('DescribePermissionSet', { code: 'AccessDeniedException', status: 400 });
    const { code, output } = await doctor({ targets: [permissionSet('untagged-sso', admin)] });
    const block = blockFor(output, 'identity center target untagged-sso: permission set');
    expect(block).toMatch(
      new RegExp(
        `^✗ identity center target untagged-sso: permission set: AWS refused sso:DescribePermissionSet on permission set ${admin} to the connector role of Management \\(${MANAGEMENT}\\): ` +
          'it reaches only permission sets tagged jitbot = allowed \\(or, when its permission_set_arns lists them, only those\\), ' +
          'and this one is not tagged, not in the list, or does not exist \\(AWS error AccessDeniedException, request id [\\w-]+\\)$',
        'm',
      ),
    );
    expect(block).toContain(
      `fix: tag it (aws sso-admin tag-resource --instance-arn ${INSTANCE} --resource-arn ${admin} --tags Key=jitbot,Value=allowed), or add it to permission_set_arns`,
    );
    expect(code).toBe(1);
  });

  it('a group the connector role may not read: says to add it to allowed_group_ids', async () => {
    aws.failNext('DescribeGroup', { code: 'AccessDeniedException', status: 400 });
    const { code, output } = await doctor({ targets: [{ id: 'unlisted-group', groupId: oncall }] });
    const block = blockFor(output, 'identity center target unlisted-group: group');
    expect(block).toMatch(
      /: it reaches only the groups in its allowed_group_ids, and this one is not there \(AWS error AccessDeniedException/,
    );
    expect(block).toContain(
      `fix: add ${oncall} to allowed_group_ids of infra/terraform/modules/identity-center-connector and apply`,
    );
    expect(code).toBe(1);
  });

  it('a region that is not Identity Center home region: the instance is not found, the fix says region', async () => {
    const { code, output } = await doctor({ region: 'eu-west-1' });
    expect(blockFor(output, 'identity center: instance')).toBe(
      [
        `✗ identity center: instance: ListInstances in eu-west-1, as the connector role of Management (${MANAGEMENT}), does not list ${INSTANCE}; it lists no instance there`,
        "    fix: identityCenter.region must be Identity Center's home region (the Region in the IAM Identity Center console's Settings; now eu-west-1); if it is, correct identityCenter.instanceArn, and check that identityCenter.account is the management account or the delegated administrator for Identity Center",
      ].join('\n'),
    );
    // The Identity Center backstops would be made in eu-west-1, where neither the scheduler role's
    // trust nor a schedule group is: found here, not by the first grant.
    expect(lineOf(output, `aws management (${MANAGEMENT}): scheduler role`)).toBe(
      `✗ aws management (${MANAGEMENT}): scheduler role: the trust policy of ${SCHEDULER} lets EventBridge Scheduler assume it only for arn:aws:scheduler:us-east-1:${MANAGEMENT}:schedule-group/jitbot, but jitbot's schedules are in arn:aws:scheduler:eu-west-1:${MANAGEMENT}:schedule-group/jitbot: a backstop there could not remove anything`,
    );
    expect(lineOf(output, `aws management (${MANAGEMENT}): schedule group`)).toBe(
      `✗ aws management (${MANAGEMENT}): schedule group: there is no schedule group jitbot in eu-west-1 in Management (${MANAGEMENT}), so no backstop could be made there`,
    );
    expect(checkLines(output).slice(13)).toEqual([
      '- identity center: identity store: not checked: needs the instance',
      '- identity center target prod-admin-sso: permission set: not checked: needs the instance',
      '- identity center target oncall-sso-group: group: not checked: needs the instance',
      `✓ identity center: scheduler role: ${SCHEDULER}; the Identity Center backstop schedules live in eu-west-1 (identityCenter.region), not in us-east-1`,
    ]);
    expect(code).toBe(1);
  });

  it('another identity store than the instance has: names the right one', async () => {
    const { code, output } = await doctor({ identityStoreId: 'd-0000000000' });
    expect(blockFor(output, 'identity center: instance')).toBe(
      [
        `✗ identity center: instance: instance ${INSTANCE} has the identity store ${STORE}, not identityCenter.identityStoreId d-0000000000`,
        `    fix: set identityCenter.identityStoreId to ${STORE}`,
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it('a permission set target in the management account: fails, the connector role refuses it by design', async () => {
    const { code, output } = await doctor({
      targets: [permissionSet('management-sso', admin, { accountId: MANAGEMENT })],
    });
    expect(lineOf(output, 'identity center target management-sso: permission set')).toMatch(/^✓ /);
    expect(blockFor(output, 'identity center target management-sso: account')).toBe(
      [
        `✗ identity center target management-sso: account: ${MANAGEMENT} is the organization's management account (it owns the Identity Center instance): the connector role (infra/terraform/modules/identity-center-connector) refuses assignments there, by design (see that module's README)`,
        '    fix: remove the target, or grant that access another way',
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it('a connector role jitbot cannot assume: one failed line (the account one), the Identity Center checks skipped', async () => {
    const { code, output } = await doctor({}, { JITBOT_EXTERNAL_ID_IC: 'doctor-ic-wrong-ext-id-3e0a' });
    const skipped = `not checked: needs the connector role of management (see "aws management (${MANAGEMENT}): assume connector role")`;
    expect(checkLines(output).slice(7)).toEqual([
      `✓ aws management (${MANAGEMENT}): region: us-east-1 (US East (N. Virginia))`,
      expect.stringMatching(
        /^✗ aws management \(333333333333\): assume connector role: cannot assume the connector role /,
      ),
      `- aws management (${MANAGEMENT}): drift reads: not checked: needs the connector role`,
      `- aws management (${MANAGEMENT}): scheduler role: not checked: needs the connector role`,
      `- aws management (${MANAGEMENT}): schedule group: not checked: needs the connector role`,
      `- identity center: instance: ${skipped}`,
      `- identity center: identity store: ${skipped}`,
      `- identity center target prod-admin-sso: permission set: ${skipped}`,
      `- identity center target oncall-sso-group: group: ${skipped}`,
    ]);
    expect(output).not.toContain('doctor-ic-wrong-ext-id-3e0a');
    expect(code).toBe(1);
  });

  it('no scheduler role on the Identity Center account: one backstop warning, not two', async () => {
    const { code, output } = await doctor({ scheduler: false });
    expect(blockFor(output, 'identity center: backstop')).toMatch(
      /^! identity center: backstop: identityCenter\.account management has no schedulerRoleArn, so Identity Center grants .* have no EventBridge Scheduler backstop/,
    );
    expect(output).not.toContain(`aws management (${MANAGEMENT}): scheduler role`);
    expect(output).toContain('All 14 checks passed, 1 warning.');
    expect(code).toBe(0);
  });
});

function lineOf(output: string, name: string): string {
  return blockFor(output, name).split('\n')[0] ?? '';
}
