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

function account(id: string, accountId: string, role: string, variable: string) {
  return {
    id,
    name: id === 'prod' ? 'Production' : 'Staging',
    accountId,
    region: 'us-east-1',
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
      account('prod', '111111111111', PROD_ROLE, 'JITBOT_EXTERNAL_ID_PROD'),
      changes.stagingScheduler === false ? stagingWithout : staging,
    ],
    okta: { orgUrl: oktaUrl, token: reference('OKTA_API_TOKEN') },
    targets: [
      awsTarget('prod-admin', 'prod', changes.prodGroup ?? 'jit-prod-admin'),
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
      '✓ slack token: works: bot jitbot in Fake Workspace',
      '✓ slack scopes: all 5 present',
      `✓ aws prod (111111111111): assume connector role: ${PROD_ROLE}`,
      '✓ aws prod (111111111111): group jit-prod-admin: exists',
      '✓ aws prod (111111111111): group jit-prod-read: exists',
      `✓ aws prod (111111111111): policy ${PROD_POLICY}: exists`,
      "✓ aws prod (111111111111): drift reads: the connector role may list jitbot's policies and schedules",
      '✓ aws prod (111111111111): scheduler role: arn:aws:iam::111111111111:role/jitbot-scheduler',
      `✓ aws staging (222222222222): assume connector role: ${STAGING_ROLE}`,
      '✓ aws staging (222222222222): group jit-staging-dev: exists',
      "✓ aws staging (222222222222): drift reads: the connector role may list jitbot's policies and schedules",
      '✓ aws staging (222222222222): scheduler role: arn:aws:iam::222222222222:role/jitbot-scheduler',
      expect.stringMatching(/^✓ okta token: works at 127\.0\.0\.1:\d+$/),
      `✓ okta group ${oktaGroupId}: exists (target support-tools)`,
    ]);
    expect(output).toContain('All 18 checks passed.');
    expect(code).toBe(0);
    expectNoSecrets(output);
    // The connector roles' trust policy admits only jitbot-* session names.
    const names = aws.callsTo('AssumeRole').map((call) => call.params.RoleSessionName);
    expect(names).toEqual(['jitbot-doctor', 'jitbot-doctor']);
  });

  it('wrong external id: exits 1, says how to fix the trust, never prints the id', async () => {
    const wrong = 'doctor-wrong-ext-id-0b9d';
    const { code, output } = await doctor(doctorEnv({ JITBOT_EXTERNAL_ID_PROD: wrong }));
    const block = blockFor(output, 'aws prod (111111111111): assume connector role');
    expect(block).toMatch(/^✗ .*could not assume .*jitbot-connector in account 111111111111/);
    expect(block).toContain(
      `fix: make ${PROD_ROLE} trust jitbot's AWS identity with the condition sts:ExternalId`,
    );
    expect(lineFor(output, 'aws prod (111111111111): group jit-prod-admin')).toMatch(/^- .*not checked/);
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
      expect(block).toMatch(/^✗ slack scopes: the token lacks users:read\.email$/m);
      expect(block).toContain('reinstall the app after adding it under OAuth & Permissions');
      expect(lineFor(output, 'slack extra scopes')).toMatch(
        /^! .*channels:history, which jitbot does not use/,
      );
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
    expect(output).toContain('All 17 checks passed, 1 warning.');
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
    expect(output).toContain('All 18 checks passed, 1 warning.');
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
