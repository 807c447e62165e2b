import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseCatalog } from '../../src/config/catalog.js';
import {
  checkGeneratedPolicyTargets,
  hasGeneratedPolicyTargets,
} from '../../src/config/catalog-generated-policy-actions.js';
import { parseEnv } from '../../src/config/env.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import type { Catalog } from '../../src/domain/catalog.js';
import { isUserFacingError } from '../../src/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { startService } from '../../src/main.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { EXAMPLE_ALLOW, EXAMPLE_DENY } from '../support/example-bounds.js';
import {
  buildAccount,
  buildAwsTarget,
  buildCatalogData,
  ENV,
  parse,
  problemLines,
} from './catalog-builders.js';

type Data = Record<string, unknown>;

/** The target of the issue, as data; overrides replace keys, `undefined` removes one. */
function buildGeneratedTarget(overrides: Data = {}): Data {
  return {
    id: 'prod-s3-scoped',
    name: 'Production S3, scoped',
    kind: 'aws-iam-generated-policy',
    account: 'prod',
    allow: EXAMPLE_ALLOW,
    deny: EXAMPLE_DENY,
    maxActions: 25,
    durations: { default: '1h', max: '4h' },
    approvers: { users: ['U0EXAMPLE1'] },
    ...overrides,
  };
}

function withGenerated(overrides: Data = {}, accounts: Data[] = [buildAccount()]): Data {
  return buildCatalogData({ accounts, targets: [buildGeneratedTarget(overrides)] });
}

/** allow with only the resources replaced. */
function resources(...list: string[]): Data {
  return { allow: { actions: ['s3:Get*', 'logs:FilterLogEvents'], resources: list } };
}

/** The problem lines of the check after loading, as an operator reads them. */
async function actionProblems(catalog: Catalog): Promise<string[]> {
  try {
    await checkGeneratedPolicyTargets(catalog, 'jitbot.yaml');
  } catch (error) {
    if (!isUserFacingError(error) || error.code !== 'catalog_invalid') throw error;
    const [heading, ...lines] = error.message.split('\n');
    expect(heading).toBe(
      `The catalog jitbot.yaml is not valid (${lines.length} problem${lines.length === 1 ? '' : 's'}):`,
    );
    return lines.map((line) => line.replace(/^ {2}- /, ''));
  }
  return [];
}

const ISSUE_TARGET = `
  - id: prod-s3-scoped
    name: Production S3, scoped
    kind: aws-iam-generated-policy
    account: prod
    allow:
      actions: ["s3:Get*", "s3:List*", "logs:FilterLogEvents"]
      resources: ["arn:aws:s3:::team-a-*", "arn:aws:s3:::team-a-*/*", "arn:aws:logs:us-east-1:111111111111:log-group:/team-a/*"]
    deny:
      actions: ["s3:GetObjectAcl"]
    maxActions: 25
    durations: { default: 1h, max: 4h }
    approvers: { users: [U0EXAMPLE1] }
`;

describe('an aws-iam-generated-policy target', () => {
  it('loads as the issue writes it, and its action patterns all name real actions', async () => {
    const base = stringify(buildCatalogData({ okta: undefined, targets: undefined }));
    const catalog = parse(`${base}targets:${ISSUE_TARGET}`);
    expect(catalog.targets).toEqual([
      {
        id: 'prod-s3-scoped',
        name: 'Production S3, scoped',
        description: undefined,
        kind: 'aws-iam-generated-policy',
        account: 'prod',
        allow: EXAMPLE_ALLOW,
        deny: EXAMPLE_DENY,
        maxActions: 25,
        durations: { defaultSeconds: 3600, maxSeconds: 14_400 },
        approvers: { users: ['U0EXAMPLE1'], userGroups: [], required: 1 },
        selfApproval: false,
        breakglass: false,
        autoApprove: undefined,
        approvalChannel: undefined,
        requesters: undefined,
        standingMembers: [],
        onDrift: 'alert',
      },
    ]);
    expect(hasGeneratedPolicyTargets(catalog)).toBe(true);
    expect(await actionProblems(catalog)).toEqual([]);
  });

  it('has maxActions 25 and an empty deny when the catalog leaves them out', () => {
    const target = parse(withGenerated({ deny: undefined, maxActions: undefined })).targets[0];
    expect(target).toMatchObject({ deny: { actions: [] }, maxActions: 25 });
  });

  it('takes "*" alone for every resource, and a wildcard in an ARN\'s region', () => {
    const target = parse(withGenerated(resources('*', 'arn:aws:logs:*:111111111111:log-group:/a/*')))
      .targets[0];
    expect(target).toMatchObject({
      allow: { resources: ['*', 'arn:aws:logs:*:111111111111:log-group:/a/*'] },
    });
  });

  it('is what start-up looks for before it loads the action data', async () => {
    const catalog = parse(buildCatalogData({ targets: [buildAwsTarget()] }));
    expect(hasGeneratedPolicyTargets(catalog)).toBe(false);
    expect(await actionProblems(catalog)).toEqual([]);
  });
});

describe('the action patterns of an aws-iam-generated-policy target, checked after loading', () => {
  it('refuse a typo with the action it most likely meant, in allow and in deny', async () => {
    const catalog = parse(
      withGenerated({
        allow: {
          actions: ['s3:List*', 's3:GetObjekt', 'logs:FilterLogEvents'],
          resources: ['arn:aws:s3:::team-a-*'],
        },
        deny: { actions: ['s3:GetObjectAcll'] },
      }),
    );
    // The nearest first; further guesses may follow it.
    expect(await actionProblems(catalog)).toEqual([
      expect.stringMatching(
        /^targets\[0\]\.allow\.actions\[1\]: "s3:GetObjekt" matches no IAM action; did you mean s3:GetObject\b.*\?$/,
      ),
      expect.stringMatching(
        /^targets\[0\]\.deny\.actions\[0\]: "s3:GetObjectAcll" matches no IAM action; did you mean s3:GetObjectAcl\b.*\?$/,
      ),
    ]);
  });

  it('name an unknown service as such', async () => {
    const catalog = parse(
      withGenerated({
        allow: { actions: ['s3:Get*', 'sss3:GetObject'], resources: ['arn:aws:s3:::team-a-*'] },
      }),
    );
    expect(await actionProblems(catalog)).toEqual([
      'targets[0].allow.actions[1]: "sss3:GetObject" names no IAM service: there is no service sss3; write the prefix IAM gives the service, e.g. s3, ec2 or logs',
    ]);
  });

  it('refuse a wildcard that matches nothing, saying how to fix it when nothing is close', async () => {
    const catalog = parse(
      withGenerated({ allow: { actions: ['s3:Frobnicate*'], resources: ['arn:aws:s3:::team-a-*'] } }),
    );
    expect(await actionProblems(catalog)).toEqual([
      'targets[0].allow.actions[0]: "s3:Frobnicate*" matches no IAM action; correct it to actions s3 has, or remove it',
    ]);
  });
});

describe('the bounds of an aws-iam-generated-policy target', () => {
  it('refuse an action pattern without a service', () => {
    const why = 'must name a service, e.g. s3:Get*: a pattern across every service is never least privilege';
    expect(problemLines(withGenerated({ allow: { actions: ['*', 'GetObject'], resources: ['*'] } }))).toEqual(
      [`targets[0].allow.actions[0]: "*" ${why}`, `targets[0].allow.actions[1]: "GetObject" ${why}`],
    );
    expect(problemLines(withGenerated({ deny: { actions: ['*:Delete*'] } }))).toEqual([
      `targets[0].deny.actions[0]: "*:Delete*" ${why}`,
    ]);
  });

  it('refuse an action pattern that is not service:Action', () => {
    expect(problemLines(withGenerated({ deny: { actions: ['s3:Get Object'] } }))).toEqual([
      'targets[0].deny.actions[0]: "s3:Get Object" must be service:Action, the action in letters and digits with * or ? as wildcards, e.g. s3:GetObject or s3:Get*',
    ]);
  });

  it('refuse a resource that is not an ARN', () => {
    expect(problemLines(withGenerated(resources('team-a-logs', 'arn:aws:s3:team-a')))).toEqual(
      ['team-a-logs', 'arn:aws:s3:team-a'].map(
        (text, index) =>
          `targets[0].allow.resources[${index}]: "${text}" must be an ARN, arn:<partition>:<service>:<region>:<account>:<resource> with * or ? as wildcards, e.g. arn:aws:s3:::team-a-*, or "*" alone for every resource`,
      ),
    );
  });

  it('refuse a resource of a service the actions do not name', () => {
    expect(problemLines(withGenerated(resources('arn:aws:dynamodb:us-east-1:111111111111:table/a')))).toEqual(
      [
        'targets[0].allow.resources[0]: "arn:aws:dynamodb:us-east-1:111111111111:table/a" is an ARN of the service dynamodb, but allow.actions names no dynamodb: action; add the actions it is for, or remove this resource',
      ],
    );
  });

  it('refuse a resource in another account than the target’s', () => {
    expect(
      problemLines(withGenerated(resources('arn:aws:logs:us-east-1:222222222222:log-group:/a'))),
    ).toEqual([
      `targets[0].allow.resources[0]: "arn:aws:logs:us-east-1:222222222222:log-group:/a" is in account 222222222222, but the target's account prod is 111111111111; the bounds may reach only the target's own account: use its id, or remove this resource`,
    ]);
  });

  it('refuse a wildcard in the account field', () => {
    expect(problemLines(withGenerated(resources('arn:aws:logs:us-east-1:*:log-group:/a')))).toEqual([
      `targets[0].allow.resources[0]: "arn:aws:logs:us-east-1:*:log-group:/a" has a wildcard in its account field, so the bounds could reach other accounts; write the target's account id, 111111111111, there`,
    ]);
  });

  it("refuse a resource in another partition than the account's roles", () => {
    expect(problemLines(withGenerated(resources('arn:aws-cn:s3:::team-a-*')))).toEqual([
      `targets[0].allow.resources[0]: "arn:aws-cn:s3:::team-a-*" is in the partition aws-cn, but account prod is in aws (its connectorRoleArn); a policy there can name only resources of its own partition: write arn:aws:…, or change account`,
    ]);
  });

  it('never show an account id that came from the environment', () => {
    const account = buildAccount({ accountId: `\${PROD_ACCOUNT_ID}` });
    const data = withGenerated(resources('arn:aws:logs:us-east-1:222222222222:log-group:/a'), [account]);
    const lines = problemLines(data, { ...ENV, PROD_ACCOUNT_ID: '111111111111' });
    expect(lines).toEqual([
      `targets[0].allow.resources[0]: is in another account than the target's account prod; the bounds may reach only the target's own account: use its id, or remove this resource`,
    ]);
  });

  it('name an account that exists', () => {
    expect(problemLines(withGenerated({ account: 'prd' }))).toEqual([
      'targets[0].account: no account with id "prd"; the accounts are: prod',
    ]);
  });

  it('are required, with both lists non-empty', () => {
    expect(problemLines(withGenerated({ allow: undefined }))).toEqual([
      'targets[0].allow: is required: the bounds every request must fall inside: allow: { actions: ["s3:Get*"], resources: ["arn:aws:s3:::team-a-*"] }',
    ]);
    expect(problemLines(withGenerated({ allow: { actions: [], resources: [] } }))).toEqual([
      'targets[0].allow.actions: must list at least one action pattern, e.g. ["s3:Get*"]',
      'targets[0].allow.resources: must list at least one resource ARN pattern, e.g. ["arn:aws:s3:::team-a-*"], or ["*"]',
    ]);
    expect(problemLines(withGenerated({ allow: { actions: ['s3:Get*'] } }))).toEqual([
      'targets[0].allow.resources: is required: a list of resource ARN patterns, e.g. ["arn:aws:s3:::team-a-*"], or ["*"]',
    ]);
  });

  it('refuse a misspelt key, naming it', () => {
    const data = withGenerated({ allow: undefined, allows: buildGeneratedTarget().allow });
    expect(problemLines(data)).toEqual([
      'targets[0].allow: is required: the bounds every request must fall inside: allow: { actions: ["s3:Get*"], resources: ["arn:aws:s3:::team-a-*"] }',
      'targets[0]: unknown key "allows"; did you mean "allow"?',
    ]);
    expect(problemLines(withGenerated({ deny: { action: ['s3:Put*'] } }))).toEqual([
      'targets[0].deny.actions: is required: a list of IAM action patterns, service:Action, e.g. ["s3:Get*", "logs:FilterLogEvents"]',
      'targets[0].deny: unknown key "action"; did you mean "actions"?',
    ]);
  });

  it('take maxActions only as a whole number from 1 to 100', () => {
    const range =
      'must be a whole number from 1 to 100: the most actions one request may hold once wildcards are expanded (default 25)';
    for (const maxActions of [0, 101, 2.5]) {
      expect(problemLines(withGenerated({ maxActions }))).toEqual([
        `targets[0].maxActions: ${maxActions} ${range}`,
      ]);
    }
    expect(parse(withGenerated({ maxActions: 100 })).targets[0]).toMatchObject({ maxActions: 100 });
  });
});

describe('the example catalog', () => {
  it('documents an aws-iam-generated-policy target, which loads as shipped', async () => {
    const example = readFileSync(join(PACKAGE_ROOT, 'examples', 'jitbot.yaml'), 'utf8');
    const catalog = parseCatalog(example, 'jitbot.yaml', ENV);
    expect(catalog.targets.find((target) => target.id === 'prod-s3-scoped')).toMatchObject(
      parse(withGenerated()).targets[0] ?? {},
    );
    expect(await actionProblems(catalog)).toEqual([]);
  });
});

describe('a catalog whose action pattern matches no action', () => {
  const typo = withGenerated({ allow: { actions: ['s3:GetObjekt'], resources: ['arn:aws:s3:::team-a-*'] } });
  const expected =
    'targets[0].allow.actions[0]: "s3:GetObjekt" matches no IAM action; did you mean s3:GetObject';

  function writeCatalog(): string {
    const file = join(mkdtempSync(join(tmpdir(), 'jitbot-generated-policy-')), 'jitbot.yaml');
    writeFileSync(file, stringify(typo));
    return file;
  }

  it('stops start-up before the database is opened', async () => {
    const variables = {
      ...ENV,
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      JITBOT_CATALOG: writeCatalog(),
      // Never reached: the catalog is refused first.
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    };
    const started = startService({ env: parseEnv(variables), variables, logger: createLogger('silent') });
    await expect(started).rejects.toThrow(expected);
  });

  it('fails the catalog line of jitbot doctor, which checks nothing further', async () => {
    const printed: string[] = [];
    const file = writeCatalog();
    const variables = {
      ...ENV,
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      JITBOT_CATALOG: file,
    };
    expect(await runDoctor({ variables, write: (line) => printed.push(line) })).toBe(1);
    expect(printed).toEqual([
      '✓ environment: HTTP on port 3000',
      `✗ catalog: The catalog ${file} is not valid (1 problem):`,
      expect.stringContaining(`    - ${expected}`),
      'Fix the configuration first: the other checks need it.',
    ]);
  });
});
