import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog } from '../../src/config/catalog.js';
import { accountFor, findAccount, findTarget, isBreakglassOnly } from '../../src/domain/catalog.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import {
  buildAccount,
  buildAwsTarget,
  buildCatalogData,
  ENV,
  parse,
  problemLines,
  problemsOf,
  withTarget,
} from './catalog-builders.js';

const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'jitbot.yaml');

function thrownMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return expect.fail('nothing was thrown');
}

describe('the example catalog', () => {
  it('loads with its four environment variables set, so it never rots', () => {
    const catalog = loadCatalog(EXAMPLE, ENV);
    expect(catalog.accounts.map((account) => account.id)).toEqual(['prod', 'staging', 'identity']);
    expect(catalog.accounts[0]?.externalId).toBe(ENV.JITBOT_EXTERNAL_ID_PROD);
    expect(catalog.okta?.token).toBe(ENV.OKTA_API_TOKEN);
    expect(catalog.targets.map((target) => target.kind)).toContain('okta-group');
    expect(catalog.targets.some(isBreakglassOnly)).toBe(true);
    expect(catalog.targets.some((target) => target.autoApprove !== undefined)).toBe(true);
    expect(catalog.targets.some((target) => target.requesters && target.approvalChannel)).toBe(true);
  });

  it('names the missing variables when they are not set', () => {
    const message = thrownMessage(() => loadCatalog(EXAMPLE, {}));
    expect(message).toContain(
      'accounts[0].externalId: environment variable JITBOT_EXTERNAL_ID_PROD is not set',
    );
    expect(message).toContain(
      'accounts[1].externalId: environment variable JITBOT_EXTERNAL_ID_STAGING is not set',
    );
    expect(message).toContain('okta.token: environment variable OKTA_API_TOKEN is not set');
    expect(message).toContain(
      'accounts[2].externalId: environment variable JITBOT_EXTERNAL_ID_IDENTITY is not set',
    );
  });
});

describe('a loaded catalog', () => {
  it('is normalised: durations in seconds, defaults filled in, names defaulted to ids', () => {
    const catalog = parse(buildCatalogData({ okta: undefined }));
    expect(catalog).toEqual({
      settings: {
        adminChannel: 'C0EXAMPLE1',
        expiryWarningSeconds: 900,
        approvalTimeoutSeconds: 86_400,
        approvalReminderSeconds: 43_200,
        admins: { users: [], userGroups: [] },
        requestRateLimit: { requests: 10, perSeconds: 600 },
        maxPendingRequests: 5,
        reconcileIntervalSeconds: 900,
      },
      accounts: [
        {
          ...buildAccount(),
          name: 'prod',
          externalId: ENV.JITBOT_EXTERNAL_ID_PROD,
          userMapping: { explicit: {}, otherwise: 'email-local-part' },
        },
      ],
      targets: [
        {
          id: 'prod-admin',
          name: 'prod-admin',
          kind: 'aws-iam-group',
          account: 'prod',
          group: 'jit-prod-admin',
          durations: { defaultSeconds: 3600, maxSeconds: 14_400 },
          approvers: { users: ['U0EXAMPLE1'], userGroups: [], required: 1 },
          selfApproval: false,
          breakglass: false,
          standingMembers: [],
          onDrift: 'alert',
        },
      ],
    });
  });

  it('is deep-frozen, so nothing can change policy at run time', () => {
    const catalog = parse(buildCatalogData());
    expect(Object.isFrozen(catalog)).toBe(true);
    expect(Object.isFrozen(catalog.settings)).toBe(true);
    expect(Object.isFrozen(catalog.targets[0]?.approvers.users)).toBe(true);
    expect(Object.isFrozen(catalog.accounts[0]?.userMapping.explicit)).toBe(true);
  });

  it('gives a breakglass-only target empty approver lists', () => {
    const catalog = parse(withTarget({ breakglass: true, approvers: undefined }));
    expect(catalog.targets[0]?.approvers).toEqual({ users: [], userGroups: [], required: 1 });
  });

  it('finds accounts and targets by id', () => {
    const catalog = parse(buildCatalogData());
    const target = findTarget(catalog, 'prod-admin');
    expect(target?.kind).toBe('aws-iam-group');
    expect(findTarget(catalog, 'nope')).toBeUndefined();
    expect(findAccount(catalog, 'prod')?.accountId).toBe('111111111111');
    if (target?.kind !== 'aws-iam-group') return expect.fail('expected an AWS target');
    expect(accountFor(catalog, target).id).toBe('prod');
  });
});

describe('reading the file', () => {
  it('says how to fix a missing file', () => {
    const message = thrownMessage(() => loadCatalog('/nonexistent/jitbot.yaml', ENV));
    expect(message).toBe(
      "catalog file /nonexistent/jitbot.yaml not found: copy examples/jitbot.yaml to ./jitbot.yaml, or set JITBOT_CATALOG to the catalog's path",
    );
  });

  it('reads a catalog from disk', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jitbot-catalog-')), 'jitbot.yaml');
    writeFileSync(
      file,
      'settings: { adminChannel: C0EXAMPLE1 }\ntargets:\n  - { id: okta, kind: okta-group, groupId: 00gabc, durations: { default: 1h, max: 1h }, breakglass: true }\nokta: { orgUrl: "http://localhost:9999/", token: t }\n',
    );
    expect(loadCatalog(file, {}).okta?.orgUrl).toBe('http://localhost:9999');
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const text = 'settings:\n  adminChannel: C0EXAMPLE1\ntargets: [\n  - id: x\n';
    const message = thrownMessage(() => parseCatalog(text, 'broken.yaml', ENV));
    expect(message).toMatch(
      /^The catalog broken\.yaml is not valid YAML \(\d+ problems?\):\n {2}- line 4, column \d+: /,
    );
  });

  it.each([
    'okta:\n  token: hunter2-secret: oops\n',
    `okta: { orgUrl: https://example.okta.com, token: \${TOKEN}, hunter2: secret-part }\n`,
  ])('does not quote the offending text of a YAML syntax error, which could hold a secret: %j', (text) => {
    const message = thrownMessage(() => parseCatalog(text, 'broken.yaml', ENV));
    expect(message).toMatch(/line \d+, column \d+/);
    expect(message).not.toMatch(/hunter2|secret-part/);
  });

  it.each(['', '# nothing but a comment\n', '~\n'])('calls the file empty when it holds %j', (text) => {
    expect(thrownMessage(() => parseCatalog(text, 'jitbot.yaml', ENV))).toBe(
      'The catalog jitbot.yaml is empty: copy examples/jitbot.yaml and describe your accounts and targets in it',
    );
  });

  it.each([
    ['- settings\n', 'a list'],
    ['just text\n', 'a single value'],
  ])('refuses a top level that is not a mapping: %j', (text, what) => {
    expect(thrownMessage(() => parseCatalog(text, 'jitbot.yaml', ENV))).toBe(
      `The catalog jitbot.yaml must be a mapping with settings, accounts, okta and targets at the top level, but it is ${what}`,
    );
  });
});

describe('reporting problems', () => {
  it('lists every problem at once, in file order, with a count', () => {
    const data = buildCatalogData({
      accounts: [buildAccount({ externalId: `\${JITBOT_EXTERNAL_ID_UNSET}` })],
      targets: [
        buildAwsTarget({ account: 'prd' }),
        buildAwsTarget({ id: 'other', durations: { default: '1h', max: '4 hours' } }),
      ],
    });
    expect(problemsOf(data)).toBe(
      [
        'The catalog jitbot.yaml is not valid (3 problems):',
        '  - accounts[0].externalId: environment variable JITBOT_EXTERNAL_ID_UNSET is not set; set it in the environment or in .env',
        '  - targets[0].account: no account with id "prd"; the accounts are: prod',
        '  - targets[1].durations.max: "4 hours" is not a duration; write a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m',
      ].join('\n'),
    );
  });

  it('says "1 problem" for one', () => {
    expect(problemsOf(withTarget({ group: undefined }))).toMatch(
      /^The catalog jitbot\.yaml is not valid \(1 problem\):\n/,
    );
  });

  it('refuses an unknown key and suggests the known key it is closest to', () => {
    const data = withTarget({ approvers: undefined, aprovers: { users: ['U0EXAMPLE1'] } });
    expect(problemLines(data)).toContain('targets[0]: unknown key "aprovers"; did you mean "approvers"?');
  });

  it('lists the allowed keys when no known key is close', () => {
    expect(problemLines(buildCatalogData({ owner: 'me' }))).toEqual([
      'top level: unknown key "owner"; the keys allowed here are: settings, accounts, okta, identityCenter, targets',
    ]);
  });

  it('suggests a key whatever its case or underscores', () => {
    const data = buildCatalogData({ settings: { admin_channel: 'C0EXAMPLE1' } });
    expect(problemLines(data)).toContain(
      'settings: unknown key "admin_channel"; did you mean "adminChannel"?',
    );
  });

  it('reads YAML merge keys, so targets can share approver lists', () => {
    const text = `
settings: { adminChannel: C0EXAMPLE1 }
okta: { orgUrl: https://example.okta.com, token: t }
targets:
  - { id: a, kind: okta-group, groupId: 00gabc, durations: { default: 1h, max: 1h }, approvers: &sre { userGroups: [S0SRE] } }
  - { id: b, kind: okta-group, groupId: 00gdef, durations: { default: 1h, max: 1h }, approvers: { <<: *sre, required: 2 } }
`;
    expect(parse(text).targets[1]?.approvers).toEqual({ users: [], userGroups: ['S0SRE'], required: 2 });
  });
});
