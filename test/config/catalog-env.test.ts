import { describe, expect, it } from 'vitest';
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

describe(`\${VAR} substitution`, () => {
  it('applies to every string value, inside lists and mappings too', () => {
    const env = { ...ENV, SRE: 'S0SRE', TEAM: 'platform' };
    const catalog = parse(
      withTarget({ name: `\${TEAM} admin`, approvers: { userGroups: [`\${SRE}`] } }),
      env,
    );
    expect(catalog.targets[0]?.name).toBe('platform admin');
    expect(catalog.targets[0]?.approvers.userGroups).toEqual(['S0SRE']);
  });

  it('names the variable and the path when a variable is not set', () => {
    expect(problemLines(withTarget({ group: `\${PROD_GROUP}` }))).toEqual([
      'targets[0].group: environment variable PROD_GROUP is not set; set it in the environment or in .env',
    ]);
  });

  it('treats an empty variable as a mistake', () => {
    expect(problemLines(withTarget({ group: `\${PROD_GROUP}` }), { ...ENV, PROD_GROUP: '' })).toEqual([
      'targets[0].group: environment variable PROD_GROUP is empty; give it a value in the environment or in .env',
    ]);
  });

  it('reads $${ as a literal ${', () => {
    const catalog = parse(withTarget({ description: `costs $\${AMOUNT} a day, paid by \${TEAM}` }), {
      ...ENV,
      TEAM: 'ops',
    });
    expect(catalog.targets[0]?.description).toBe(`costs \${AMOUNT} a day, paid by ops`);
  });

  it('refuses a ${ that is not a variable reference', () => {
    expect(problemLines(withTarget({ description: `see \${not a name}` }))).toEqual([
      `targets[0].description: has a \${ that is not a variable reference; write \${NAME} (letters, digits, _) or $\${ for a literal \${`,
    ]);
  });

  it('never shows a substituted value in a problem, only the reference', () => {
    const env = { ...ENV, MAX: 'four-hours-value' };
    const message = problemsOf(withTarget({ durations: { default: '1h', max: `\${MAX}` } }), env);
    expect(message).toContain(`targets[0].durations.max: the value of \${MAX} is not a duration`);
    expect(message).not.toContain('four-hours-value');
  });

  it('describes a partly substituted value by what is written in the file', () => {
    const env = { ...ENV, OKTA_HOST: 'internal-host-name' };
    const message = problemsOf(
      buildCatalogData({ okta: { orgUrl: `ftp://\${OKTA_HOST}`, token: 't' } }),
      env,
    );
    expect(message).toContain(`okta.orgUrl: the value of "ftp://\${OKTA_HOST}" must be an http(s) URL`);
    expect(message).not.toContain('internal-host-name');
  });

  it('lists an account id from the environment by its reference in other problems', () => {
    const env = { ...ENV, ACCOUNT: 'hidden-id' };
    const data = buildCatalogData({
      accounts: [buildAccount({ id: `\${ACCOUNT}` })],
      targets: [buildAwsTarget()],
    });
    const message = problemsOf(data, env);
    expect(message).toContain(`targets[0].account: no account with id "prod"; the accounts are: \${ACCOUNT}`);
    expect(message).not.toContain('hidden-id');
  });

  it('hides both accounts in a role mismatch when either came from the environment', () => {
    const env = { ...ENV, ACCOUNT_ID: '333333333333' };
    const message = problemsOf(
      buildCatalogData({ accounts: [buildAccount({ accountId: `\${ACCOUNT_ID}` })] }),
      env,
    );
    expect(message).toContain("accounts[0].connectorRoleArn: the role's account is not accountId");
    expect(message).not.toContain('333333333333');
  });

  it('hides both accounts in a policy mismatch when either came from the environment', () => {
    const env = { ...ENV, POLICY_ARN: 'arn:aws:iam::999999999999:policy/jit/read-logs' };
    const target = buildAwsTarget({ kind: 'aws-iam-policy', group: undefined, policyArn: `\${POLICY_ARN}` });
    const message = problemsOf(buildCatalogData({ targets: [target] }), env);
    expect(message).toContain(
      "targets[0].policyArn: is a policy of another account than the target's accountId",
    );
    expect(message).not.toContain('999999999999');
  });
});

describe('secrets', () => {
  const secretPaths = [
    [
      'accounts[0].externalId',
      (secret: unknown) => buildCatalogData({ accounts: [buildAccount({ externalId: secret })] }),
    ],
    [
      'okta.token',
      (secret: unknown) => buildCatalogData({ okta: { orgUrl: 'https://example.okta.com', token: secret } }),
    ],
  ] as const;

  it.each(secretPaths)('never shows the value of %s when it has the wrong type', (path, build) => {
    for (const secret of [987_654_321_987, ['hunter2-in-a-list'], { value: 'hunter2-in-a-map' }]) {
      const message = problemsOf(build(secret));
      expect(message).toContain(`${path}: `);
      expect(message).not.toMatch(/987654321987|hunter2/);
    }
  });

  it('says a wrong-typed secret is secret instead of showing it', () => {
    expect(problemLines(buildCatalogData({ accounts: [buildAccount({ externalId: 123_456 })] }))).toEqual([
      'accounts[0].externalId: the secret value (not shown) must be text, not a number',
    ]);
  });

  it('never shows an external id written in the file with characters AWS refuses', () => {
    const message = problemsOf(
      buildCatalogData({ accounts: [buildAccount({ externalId: 'hunter2 with spaces' })] }),
    );
    expect(message).toContain(
      'accounts[0].externalId: the secret value (not shown) must be 2-1224 letters, digits or',
    );
    expect(message).not.toContain('hunter2');
  });

  it('never shows an external id from the environment that AWS would refuse', () => {
    const env = { ...ENV, JITBOT_EXTERNAL_ID_PROD: 'hunter2 with spaces' };
    const message = problemsOf(buildCatalogData(), env);
    expect(message).toContain(
      `accounts[0].externalId: the value of \${JITBOT_EXTERNAL_ID_PROD} must be 2-1224`,
    );
    expect(message).not.toContain('hunter2');
  });

  it('requires an external id for every account', () => {
    const data = buildCatalogData({
      accounts: [buildAccount(), buildAccount({ id: 'staging', externalId: undefined })],
    });
    expect(problemLines(data)).toEqual([
      `accounts[1].externalId: is required: write externalId: \${JITBOT_EXTERNAL_ID_<ACCOUNT>} and set that variable to the external id in the connector role's trust policy`,
    ]);
  });
});
