import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FakeAws } from '../support/fake-aws.js';
import { FakeOkta } from '../support/fake-okta.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { BOT_TOKEN, runCli, SIGNING_SECRET } from '../support/service-process.js';

/** Distinctive values, so a leak into the report is easy to spot. */
const SECRETS = {
  externalIdProd: 'doctor-ext-id-prod-4f1c',
  externalIdStaging: 'doctor-ext-id-staging-9a2e',
  oktaToken: 'doctor-okta-token-77d3b0',
  awsSecret: 'doctor-aws-secret-key-51e8',
  dbPassword: 'doctor-db-password-3c6a',
};
const PROD_ROLE = 'arn:aws:iam::111111111111:role/jitbot-connector';
const STAGING_ROLE = 'arn:aws:iam::222222222222:role/jitbot-connector';

let slack: FakeSlack;
let aws: FakeAws;
let awsUrl: string;
let okta: FakeOkta;
let oktaUrl: string;
let oktaGroupId: string;
let database: TestDatabase;

beforeAll(async () => {
  [slack, database] = await Promise.all([startFakeSlack(), createTestDatabase({ migrated: true })]);
  aws = new FakeAws();
  aws.addRole(PROD_ROLE, SECRETS.externalIdProd);
  aws.addRole(STAGING_ROLE, SECRETS.externalIdStaging);
  aws.account('111111111111').addGroup('jit-prod-admin');
  aws.account('111111111111').addGroup('jit-prod-read');
  aws.account('111111111111').addPolicy(PROD_POLICY);
  aws.account('222222222222').addGroup('jit-staging-dev');
  for (const accountId of ['111111111111', '222222222222']) {
    aws.addSchedulerRole(`arn:aws:iam::${accountId}:role/jitbot-scheduler`, { region: 'us-east-1' });
    aws.addScheduleGroup(accountId, 'us-east-1');
  }
  awsUrl = await aws.start();
  okta = new FakeOkta({ token: SECRETS.oktaToken });
  oktaGroupId = okta.addGroup({ name: 'support-tools' }).id;
  oktaUrl = await okta.start();
});

afterAll(async () => {
  await Promise.all([slack?.close(), aws?.stop(), okta?.stop(), database?.drop()]);
});

const PROD_POLICY = 'arn:aws:iam::111111111111:policy/jit/read-logs';

/** A catalog `${NAME}` reference: the doctor must resolve secrets from the environment as serve does. */
function reference(variable: string): string {
  return `\${${variable}}`;
}

function account(id: string, accountId: string, role: string, variable: string, region = 'us-east-1') {
  return {
    id,
    name: id === 'prod' ? 'Production' : 'Staging',
    accountId,
    region,
    connectorRoleArn: role,
    externalId: reference(variable),
    schedulerRoleArn: `arn:aws:iam::${accountId}:role/jitbot-scheduler`,
    userMapping: 'email-local-part',
  };
}

function awsTarget(id: string, accountId: string, group: string) {
  const durations = { default: '1h', max: '4h' };
  return {
    id,
    name: id,
    kind: 'aws-iam-group',
    account: accountId,
    group,
    durations,
    approvers: { users: ['UAPPROVER1'] },
  };
}

interface CatalogChanges {
  readonly prodGroup?: string;
  readonly prodPolicy?: string;
  readonly stagingScheduler?: boolean;
  /** False leaves settings.allowedEmailDomains out. */
  readonly emailDomains?: boolean;
  /** Adds an aws-iam-generated-policy target in prod. */
  readonly generated?: boolean;
  readonly prodRegion?: string;
}

/** Two accounts (three groups and a policy) and one Okta group, written to a file of its own. */
function writeCatalog(changes: CatalogChanges = {}): string {
  const staging = account('staging', '222222222222', STAGING_ROLE, 'JITBOT_EXTERNAL_ID_STAGING');
  const { schedulerRoleArn: _omitted, ...stagingWithout } = staging;
  const catalog = {
    settings: {
      adminChannel: 'CADMIN1',
      ...(changes.emailDomains === false ? {} : { allowedEmailDomains: ['example.com'] }),
    },
    accounts: [
      account('prod', '111111111111', PROD_ROLE, 'JITBOT_EXTERNAL_ID_PROD', changes.prodRegion),
      changes.stagingScheduler === false ? stagingWithout : staging,
    ],
    okta: { orgUrl: oktaUrl, token: reference('OKTA_API_TOKEN') },
    targets: [
      {
        ...awsTarget('prod-admin', 'prod', changes.prodGroup ?? 'jit-prod-admin'),
        approvalChannel: 'CAPPROVE1',
      },
      awsTarget('prod-read', 'prod', 'jit-prod-read'),
      {
        ...awsTarget('prod-logs', 'prod', ''),
        kind: 'aws-iam-policy',
        group: undefined,
        policyArn: changes.prodPolicy ?? PROD_POLICY,
      },
      awsTarget('staging-dev', 'staging', 'jit-staging-dev'),
      ...(changes.generated
        ? [
            {
              ...awsTarget('prod-s3', 'prod', ''),
              kind: 'aws-iam-generated-policy',
              group: undefined,
              allow: { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::team-a-*/*'] },
            },
          ]
        : []),
      {
        id: 'support-tools',
        name: 'Support tools',
        kind: 'okta-group',
        groupId: oktaGroupId,
        durations: { default: '1h', max: '4h' },
        approvers: { users: ['UAPPROVER1'] },
      },
    ],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'jitbot-doctor-')), 'jitbot.yaml');
  writeFileSync(file, stringify(catalog));
  return file;
}

function doctorEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.url,
    DATABASE_URL: database.url,
    JITBOT_CATALOG: writeCatalog(),
    AWS_ENDPOINT_URL: awsUrl,
    AWS_ACCESS_KEY_ID: 'AKIADOCTORTEST000001',
    AWS_SECRET_ACCESS_KEY: SECRETS.awsSecret,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    JITBOT_EXTERNAL_ID_PROD: SECRETS.externalIdProd,
    JITBOT_EXTERNAL_ID_STAGING: SECRETS.externalIdStaging,
    OKTA_API_TOKEN: SECRETS.oktaToken,
    ...overrides,
  };
}

async function doctor(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  const run = runCli(['doctor'], env);
  const { code } = await run.exited;
  return { code, output: run.output() };
}

/** The report's line for one check (its first line), failing loudly when there is none. */
function lineFor(output: string, name: string): string {
  const line = output.split('\n').find((text) => text.slice(2).startsWith(`${name}:`));
  if (line === undefined) throw new Error(`no "${name}" line in:\n${output}`);
  return line;
}

/** The check's first line plus its indented lines (detail, fix). */
function blockFor(output: string, name: string): string {
  const lines = output.split('\n');
  const start = lines.indexOf(lineFor(output, name));
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((text) => !text.startsWith('    '));
  return [lines[start], ...rest.slice(0, end === -1 ? rest.length : end)].join('\n');
}

function expectNoSecrets(output: string): void {
  for (const secret of [...Object.values(SECRETS), BOT_TOKEN, SIGNING_SECRET])
    expect(output).not.toContain(secret);
}

// One child process at a time: on a 2-core machine running them together is slower, not faster.
describe('jitbot doctor', () => {
  it('all green: exits 0 with one passing line per check', async () => {
    const { code, output } = await doctor(doctorEnv());
    expect(output.split('\n').filter((line) => /^[✓✗!-] /.test(line))).toEqual([
      expect.stringMatching(/^✓ environment: /),
      expect.stringMatching(/^✓ catalog: .*jitbot\.yaml: 5 targets, 2 AWS accounts, Okta$/),
      expect.stringMatching(/^✓ database: reachable at \S+\/jitbot_test_/),
      expect.stringMatching(/^✓ database migrations: all \d+ applied$/),
      "✓ slack token: works: bot jitbot in Fake Workspace; answers /request-aws-access (the default), which the app's manifest must declare (jitbot manifest prints one that does)",
      '✓ slack scopes: all 7 present',
      '✓ slack channel CADMIN1: jitbot is a member of #channel-cadmin1 (adminChannel)',
      '✓ slack channel CAPPROVE1: jitbot is a member of #channel-capprove1 (approvalChannel of prod-admin)',
      '✓ aws prod (111111111111): region: us-east-1 (US East (N. Virginia))',
      `✓ aws prod (111111111111): assume connector role: ${PROD_ROLE}`,
      '✓ aws prod (111111111111): group jit-prod-admin: exists',
      '✓ aws prod (111111111111): group jit-prod-read: exists',
      `✓ aws prod (111111111111): policy ${PROD_POLICY}: exists`,
      "✓ aws prod (111111111111): drift reads: the connector role may list jitbot's policies and schedules",
      '✓ aws prod (111111111111): scheduler role: arn:aws:iam::111111111111:role/jitbot-scheduler: EventBridge Scheduler may assume it for schedule-group/jitbot in us-east-1',
      '✓ aws prod (111111111111): schedule group: jitbot in us-east-1',
      '✓ aws staging (222222222222): region: us-east-1 (US East (N. Virginia))',
      `✓ aws staging (222222222222): assume connector role: ${STAGING_ROLE}`,
      '✓ aws staging (222222222222): group jit-staging-dev: exists',
      "✓ aws staging (222222222222): drift reads: the connector role may list jitbot's policies and schedules",
      '✓ aws staging (222222222222): scheduler role: arn:aws:iam::222222222222:role/jitbot-scheduler: EventBridge Scheduler may assume it for schedule-group/jitbot in us-east-1',
      '✓ aws staging (222222222222): schedule group: jitbot in us-east-1',
      expect.stringMatching(/^✓ okta token: works at 127\.0\.0\.1:\d+$/),
      `✓ okta group ${oktaGroupId}: exists (target support-tools)`,
    ]);
    expect(output).toContain('All 24 checks passed.');
    expect(code).toBe(0);
    expectNoSecrets(output);
    // The connector roles' trust policy admits only jitbot-* session names.
    const names = aws.callsTo('AssumeRole').map((call) => call.params.RoleSessionName);
    expect(names).toEqual(['jitbot-doctor', 'jitbot-doctor']);
  });

  it('a renamed command: says which one the manifest must declare', async () => {
    const { output } = await doctor(doctorEnv({ SLACK_COMMAND: '/request-aws-access-staging' }));
    expect(lineFor(output, 'slack token')).toContain(
      "answers /request-aws-access-staging (SLACK_COMMAND), which the app's manifest must declare",
    );
  });

  it("wrong external id: AWS's words naming the refused caller, the guide's four causes, never the id", async () => {
    const wrong = 'doctor-wrong-ext-id-0b9d';
    const { code, output } = await doctor(doctorEnv({ JITBOT_EXTERNAL_ID_PROD: wrong }));
    const block = blockFor(output, 'aws prod (111111111111): assume connector role');
    expect(block).toBe(
      [
        `✗ aws prod (111111111111): assume connector role: cannot assume the connector role ${PROD_ROLE} in account 111111111111: AWS says "User: arn:aws:iam::000000000000:user/jitbot is not authorized to perform: sts:AssumeRole on resource: ${PROD_ROLE}"`,
        '    One of these, most likely first (docs/deploy.md, Troubleshooting):',
        "    1. external ID mismatch: JITBOT_EXTERNAL_ID_PROD differs from the external ID the role was deployed with (look for a trailing space or newline, or another account's value)",
        "    2. wrong principal: the role's trust policy does not name arn:aws:iam::000000000000:user/jitbot (aws sts get-caller-identity inside jitbot's container shows who jitbot runs as)",
        `    3. jitbot's own identity lacks sts:AssumeRole on ${PROD_ROLE} in its own policy`,
        "    4. an SCP or permissions boundary in jitbot's account or in account 111111111111 denies it",
        "    fix: check them in that order: redeploy the connector role with the external ID in jitbot's environment and jitbot's principal (JitbotPrincipalArn), or correct the value in jitbot's environment and restart",
      ].join('\n'),
    );
    expect(lineFor(output, 'aws prod (111111111111): group jit-prod-admin')).toMatch(/^- .*not checked/);
    expect(lineFor(output, 'aws prod (111111111111): schedule group')).toMatch(/^- .*not checked/);
    expect(lineFor(output, 'aws staging (222222222222): assume connector role')).toMatch(/^✓/);
    expect(code).toBe(1);
    expect(output).not.toContain(wrong);
    expectNoSecrets(output);
  });

  it('a missing group: exits 1 naming the group and the account', async () => {
    const catalog = writeCatalog({ prodGroup: 'jit-prod-nope' });
    const { code, output } = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
    const block = blockFor(output, 'aws prod (111111111111): group jit-prod-nope');
    expect(block).toMatch(/^✗ .*IAM group jit-prod-nope does not exist in Production \(111111111111\)/);
    expect(block).toContain(
      'fix: create the group in that account, or correct the group name in the catalog',
    );
    expect(code).toBe(1);
  });

  it('a missing policy: exits 1 naming it, with how to create it under /jit/', async () => {
    const missing = 'arn:aws:iam::111111111111:policy/jit/read-nothing';
    const catalog = writeCatalog({ prodPolicy: missing });
    const { code, output } = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
    const block = blockFor(output, `aws prod (111111111111): policy ${missing}`);
    expect(block).toMatch(/^✗ .*IAM policy \S+read-nothing does not exist in Production \(111111111111\)/);
    expect(block).toContain('aws iam create-policy --path /jit/');
    expect(code).toBe(1);
  });

  it('generated policies: passes when the connector may manage them, and names the role update when it may not', async () => {
    const catalog = writeCatalog({ generated: true });
    const passing = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
    expect(lineFor(passing.output, 'aws prod (111111111111): generated policies')).toMatch(/^✓ /);

    aws.failNext('GetPolicyVersion', { code: 'AccessDenied', status: 403 });
    const { code, output } = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
    const block = blockFor(output, 'aws prod (111111111111): generated policies');
    expect(block).toMatch(/^✗ /);
    expect(block).toContain(
      'predates generated policies: deploy the current infra/policies/connector-permissions.json',
    );
    expect(code).toBe(1);
    expectNoSecrets(output);
  });

  it('a connector role from before drift: exits 1, naming the role update', async () => {
    aws.failNext('ListSchedules', { code: 'AccessDeniedException', status: 403, times: 2 });
    const { code, output } = await doctor(doctorEnv());
    const block = blockFor(output, 'aws prod (111111111111): drift reads');
    expect(block).toMatch(/^✗ /);
    expect(block).toContain('predates drift: deploy the current infra/policies/connector-permissions.json');
    expect(code).toBe(1);
  });

  it('a missing Slack scope: exits 1 naming it; an extra one is only a warning', async () => {
    const own = await startFakeSlack();
    try {
      own.setScopes(['commands', 'chat:write', 'usergroups:read', 'users:read', 'channels:history']);
      const { code, output } = await doctor(doctorEnv({ SLACK_API_URL: own.url }));
      const block = blockFor(output, 'slack scopes');
      expect(block).toMatch(
        /^✗ slack scopes: the token lacks users:read\.email, channels:read, groups:read$/m,
      );
      expect(block).toContain('reinstall the app after adding it under OAuth & Permissions');
      expect(lineFor(output, 'slack extra scopes')).toMatch(
        /^! .*channels:history, which jitbot does not use/,
      );
      // conversations.info would answer missing_scope: the channel lines say why they were not checked.
      expect(lineFor(output, 'slack channel CADMIN1')).toBe(
        '- slack channel CADMIN1: not checked: the token lacks channels:read and groups:read',
      );
      expect(own.callsTo('conversations.info')).toEqual([]);
      expect(code).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('an invalid bot token: exits 1 saying Slack rejected it, without the token', async () => {
    const own = await startFakeSlack();
    try {
      own.fail('auth.test', () => true, { status: 200, error: 'invalid_auth' });
      const { code, output } = await doctor(doctorEnv({ SLACK_API_URL: own.url }));
      expect(blockFor(output, 'slack token')).toMatch(
        /^✗ slack token: Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)\n {4}fix: copy the Bot User OAuth Token/,
      );
      expect(lineFor(output, 'slack scopes')).toMatch(/^- /);
      expect(code).toBe(1);
      expectNoSecrets(output);
    } finally {
      await own.close();
    }
  });

  it('no schedulerRoleArn: a warning that there is no backstop, exit 0', async () => {
    const catalog = writeCatalog({ stagingScheduler: false });
    const { code, output } = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
    const block = blockFor(output, 'aws staging (222222222222): scheduler role');
    expect(block).toMatch(/^! .*no schedulerRoleArn, so no backstop/);
    expect(block).toContain('fix: deploy the scheduler role');
    expect(output).toContain('All 22 checks passed, 1 warning.');
    expect(code).toBe(0);
  });

  it('no allowedEmailDomains while accounts and Okta go by the Slack email: a warning with the fix, exit 0', async () => {
    const catalog = writeCatalog({ emailDomains: false });
    const { code, output } = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
    const block = blockFor(output, 'catalog email domains');
    expect(block).toMatch(
      /^! catalog email domains: settings\.allowedEmailDomains is not set, but account prod \(userMapping email-local-part\), account staging \(userMapping email-local-part\), okta \(userMatch login\) find people's accounts from their Slack email/,
    );
    expect(block).toContain(
      'fix: set settings.allowedEmailDomains to the email domains your company controls, e.g. allowedEmailDomains: [example.com]',
    );
    expect(output).toContain('All 24 checks passed, 1 warning.');
    expect(code).toBe(0);
  });

  it('an Okta token Okta refuses: exits 1 with the token-permission fix and no token', async () => {
    const wrong = 'doctor-wrong-okta-token-e41f';
    const { code, output } = await doctor(doctorEnv({ OKTA_API_TOKEN: wrong }));
    const block = blockFor(output, 'okta token');
    expect(block).toMatch(/^✗ okta token: Okta refused jitbot's API token for 127\.0\.0\.1:\d+/);
    expect(block).toContain('Group Membership Administrator');
    expect(lineFor(output, `okta group ${oktaGroupId}`)).toMatch(/^- .*not checked/);
    expect(code).toBe(1);
    expect(output).not.toContain(wrong);
    expectNoSecrets(output);
  });

  it('an unreachable database: exits 1 saying where it tried, without the password', async () => {
    const url = `postgres://jitbot:${SECRETS.dbPassword}@127.0.0.1:1/jitbot`;
    const { code, output } = await doctor(doctorEnv({ DATABASE_URL: url }));
    const block = blockFor(output, 'database');
    expect(block).toMatch(
      /^✗ database: could not connect to PostgreSQL at 127\.0\.0\.1:1\/jitbot \(DATABASE_URL\): .*ECONNREFUSED/,
    );
    expect(block).toContain('fix: check that the server is running');
    expect(output).not.toMatch(/^. database migrations/m);
    expect(code).toBe(1);
    expectNoSecrets(output);
  });

  it('reports unapplied and edited migrations without applying anything', async () => {
    const own = await createTestDatabase({ migrated: true });
    try {
      const { rows } = await own.pool.query<{ version: number }>(
        'SELECT max(version) AS version FROM jitbot_migrations',
      );
      const last = rows[0]?.version ?? 0;
      await own.pool.query('DELETE FROM jitbot_migrations WHERE version = $1', [last]);
      await own.pool.query("UPDATE jitbot_migrations SET checksum = 'edited' WHERE version = 1");
      const { code, output } = await doctor(doctorEnv({ DATABASE_URL: own.url }));
      const lines = output.split('\n').filter((line) => line.startsWith('✗ database migrations'));
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^✗ database migrations: 1 of \\d+ not applied: ${String(last).padStart(4, '0')}_\\w+\\.sql$`,
          ),
        ),
        expect.stringMatching(
          /^✗ database migrations: changed after they were applied to this database: 0001_\w+\.sql$/,
        ),
      ]);
      expect(output).toContain('fix: run `jitbot migrate`');
      expect(code).toBe(1);
      const after = await own.pool.query('SELECT 1 FROM jitbot_migrations WHERE version = $1', [last]);
      expect(after.rowCount).toBe(0);
    } finally {
      await own.drop();
    }
  });

  it(".env.example's placeholders: the catalog's secrets that use them are errors naming the variable, never the value", async () => {
    const { code, output } = await doctor(
      doctorEnv({
        JITBOT_EXTERNAL_ID_PROD: 'replace-with-prod-external-id',
        OKTA_API_TOKEN: 'replace-with-okta-api-token',
      }),
    );
    const lines = output.split('\n').filter((line) => line.startsWith('✗ environment'));
    expect(lines).toEqual([
      "✗ environment: JITBOT_EXTERNAL_ID_PROD is still .env.example's placeholder (used as the externalId of account prod in the catalog)",
      "✗ environment: OKTA_API_TOKEN is still .env.example's placeholder (used as okta.token in the catalog)",
    ]);
    expect(output).toContain(
      'fix: set JITBOT_EXTERNAL_ID_PROD to the external ID the connector role of account prod (111111111111) was deployed with',
    );
    expect(output).not.toContain('replace-with');
    expect(code).toBe(1);
  });

  it(".env.example's Slack placeholders: the environment is refused, naming each variable and where the real value is", async () => {
    const { code, output } = await doctor(
      doctorEnv({
        SLACK_SIGNING_SECRET: 'replace-with-your-signing-secret',
        SLACK_BOT_TOKEN: 'xoxb-replace-with-your-bot-token',
      }),
    );
    expect(output).toContain(
      "- SLACK_SIGNING_SECRET is still .env.example's placeholder: copy it from your Slack app: Basic Information > App Credentials > Signing Secret",
    );
    expect(output).toContain(
      "- SLACK_BOT_TOKEN is still .env.example's placeholder: copy it from your Slack app: OAuth & Permissions > Bot User OAuth Token",
    );
    expect(output).toContain('Fix the configuration first');
    expect(code).toBe(1);
  });

  it("AssumeRole refused with AWS's words: an external ID in them is redacted", async () => {
    // Both accounts assume at once: either may be first, so both are refused.
    aws.failNext('AssumeRole', {
      code: 'AccessDenied',
      status: 403,
      times: 2,
      message: `User: arn:aws:sts::999999999999:assumed-role/jitbot/task-1 is not authorized to perform: sts:AssumeRole on resource: ${PROD_ROLE} (external id ${SECRETS.externalIdProd})`,
    });
    const { code, output } = await doctor(doctorEnv());
    const block = blockFor(output, 'aws prod (111111111111): assume connector role');
    expect(block).toContain(
      'AWS says "User: arn:aws:sts::999999999999:assumed-role/jitbot/task-1 is not authorized to perform: sts:AssumeRole',
    );
    expect(block).toContain('(external id [redacted])');
    expect(block).toContain(
      "2. wrong principal: the role's trust policy does not name arn:aws:sts::999999999999:assumed-role/jitbot/task-1, a session of the role arn:aws:iam::999999999999:role/jitbot",
    );
    expect(code).toBe(1);
    expectNoSecrets(output);
  });

  it('a wrong real region: the scheduler role and the schedule group say so before any grant', async () => {
    const catalog = writeCatalog({ prodRegion: 'eu-west-1' });
    const { code, output } = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
    expect(lineFor(output, 'aws prod (111111111111): region')).toBe(
      '✓ aws prod (111111111111): region: eu-west-1 (Europe (Ireland))',
    );
    expect(blockFor(output, 'aws prod (111111111111): scheduler role')).toBe(
      [
        "✗ aws prod (111111111111): scheduler role: the trust policy of arn:aws:iam::111111111111:role/jitbot-scheduler lets EventBridge Scheduler assume it only for arn:aws:scheduler:us-east-1:111111111111:schedule-group/jitbot, but jitbot's schedules are in arn:aws:scheduler:eu-west-1:111111111111:schedule-group/jitbot: a backstop there could not remove anything",
        "    fix: if the role and the schedule group were deployed in another region, set the account's region in the catalog to it; otherwise redeploy the scheduler role for eu-west-1",
      ].join('\n'),
    );
    expect(blockFor(output, 'aws prod (111111111111): schedule group')).toBe(
      [
        '✗ aws prod (111111111111): schedule group: there is no schedule group jitbot in eu-west-1 in Production (111111111111), so no backstop could be made there',
        "    fix: if the roles were deployed in another region, set the account's region in the catalog to it; otherwise deploy the connector-role Terraform module or CloudFormation template in eu-west-1, which creates the group",
      ].join('\n'),
    );
    expect(lineFor(output, 'aws staging (222222222222): schedule group')).toMatch(/^✓ /);
    expect(code).toBe(1);
  });

  it.each([
    ['us-est-1', 'us-est-1 is not an AWS region'],
    // (A region of another partition is refused with the catalog, before the doctor gets here.)
    ['eu-west-9', 'eu-west-9 is not an AWS region'],
  ])(
    'region %s: a failed region line, and nothing is asked of AWS for that account',
    async (region, problem) => {
      const before = aws.calls.length;
      const catalog = writeCatalog({ prodRegion: region });
      const { code, output } = await doctor(doctorEnv({ JITBOT_CATALOG: catalog }));
      expect(lineFor(output, 'aws prod (111111111111): region')).toContain(
        `✗ aws prod (111111111111): region: ${problem}`,
      );
      for (const name of [
        'assume connector role',
        'group jit-prod-admin',
        'scheduler role',
        'schedule group',
      ])
        expect(lineFor(output, `aws prod (111111111111): ${name}`)).toBe(
          `- aws prod (111111111111): ${name}: not checked: needs a correct region`,
        );
      const prodCalls = aws.calls
        .slice(before)
        .filter((call) => call.params.RoleArn === PROD_ROLE || call.session?.accountId === '111111111111');
      expect(prodCalls).toEqual([]);
      expect(code).toBe(1);
    },
  );

  it('a scheduler role that does not exist: exit 1 naming it', async () => {
    const missing = new FakeAws();
    missing.addRole(PROD_ROLE, SECRETS.externalIdProd);
    missing.addRole(STAGING_ROLE, SECRETS.externalIdStaging);
    missing.addScheduleGroup('111111111111', 'us-east-1');
    const url = await missing.start();
    try {
      const { code, output } = await doctor(doctorEnv({ AWS_ENDPOINT_URL: url }));
      expect(blockFor(output, 'aws prod (111111111111): scheduler role')).toBe(
        [
          '✗ aws prod (111111111111): scheduler role: arn:aws:iam::111111111111:role/jitbot-scheduler does not exist in Production (111111111111)',
          "    fix: deploy the scheduler role in that account (the connector-role Terraform module or CloudFormation template), or correct the account's schedulerRoleArn in the catalog",
        ].join('\n'),
      );
      expect(lineFor(output, 'aws prod (111111111111): schedule group')).toMatch(/^✓ /);
      expect(code).toBe(1);
    } finally {
      await missing.stop();
    }
  });

  it('a connector role that may not read the scheduler role or the group: warnings naming the permission, exit 0', async () => {
    aws.failNext('GetRole', { code: 'AccessDenied', status: 403, times: 2 });
    aws.failNext('GetScheduleGroup', { code: 'AccessDeniedException', status: 403, times: 2 });
    const { code, output } = await doctor(doctorEnv());
    expect(blockFor(output, 'aws prod (111111111111): scheduler role')).toBe(
      [
        '! aws prod (111111111111): scheduler role: not checked: the connector role of prod may not read it (iam:GetRole on the scheduler role)',
        '    fix: deploy the current infra/policies/connector-permissions.json (or the connector-role Terraform module, or jitbot-target-account.yaml), which allows this read',
      ].join('\n'),
    );
    expect(lineFor(output, 'aws staging (222222222222): schedule group')).toBe(
      '! aws staging (222222222222): schedule group: not checked: the connector role of staging may not read it (scheduler:GetScheduleGroup on schedule-group/jitbot)',
    );
    expect(output).toContain('All 20 checks passed, 4 warnings.');
    expect(code).toBe(0);
  });

  it('channels: not a member, or a private channel jitbot is not in: each says to invite jitbot', async () => {
    const own = await startFakeSlack();
    try {
      own.on('conversations.info', (args) => ({
        channel: { id: args.channel, name: 'jit-admins', is_member: false, is_archived: false },
      }));
      own.fail('conversations.info', (args) => args.channel === 'CAPPROVE1', {
        status: 200,
        error: 'channel_not_found',
      });
      const { code, output } = await doctor(doctorEnv({ SLACK_API_URL: own.url }));
      expect(blockFor(output, 'slack channel CADMIN1')).toBe(
        [
          '✗ slack channel CADMIN1: jitbot is not a member of #jit-admins (adminChannel), so its messages there would fail (not_in_channel)',
          '    fix: invite jitbot to the channel (/invite @jitbot) in #jit-admins',
        ].join('\n'),
      );
      expect(blockFor(output, 'slack channel CAPPROVE1')).toBe(
        [
          '✗ slack channel CAPPROVE1: Slack shows jitbot no channel CAPPROVE1 (approvalChannel of prod-admin): a private channel jitbot is not in, or a wrong id',
          "    fix: invite jitbot to the channel (/invite @jitbot), or correct the id in the catalog (the channel's details > About shows it)",
        ].join('\n'),
      );
      expect(code).toBe(1);
    } finally {
      await own.close();
    }
  });

  it("a hint's example DATABASE_URL is printed as written; the real one's password is not", async () => {
    const password = 'doctor-real-db-password-8d1e';
    const { code, output } = await doctor(
      doctorEnv({ DATABASE_URL: `mysql://jitbot:${password}@db:3306/jitbot` }),
    );
    expect(output).toContain(
      '- DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/jitbot: or unset it',
    );
    expect(output).not.toContain(password);
    expect(code).toBe(1);
  });

  it('a broken environment: prints its problems and stops before the other checks', async () => {
    const { code, output } = await doctor(doctorEnv({ SLACK_BOT_TOKEN: undefined }));
    expect(output).toMatch(
      /^✗ environment: jitbot cannot start: the environment has 1 problem:\n {4}- SLACK_BOT_TOKEN is required/m,
    );
    expect(output).toContain('Fix the configuration first: the other checks need it.');
    expect(output).not.toContain('database');
    expect(code).toBe(1);
  });
});
