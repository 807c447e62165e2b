import { expect } from 'vitest';
import { stringify } from 'yaml';
import { parseCatalog } from '../../src/config/catalog.js';
import type { Catalog } from '../../src/domain/catalog.js';
import { isUserFacingError } from '../../src/errors.js';

/** Catalog data as the YAML would hold it; builders take overrides, `undefined` removes a key. */
type Data = Record<string, unknown>;

export const ENV = {
  JITBOT_EXTERNAL_ID_PROD: 'prod-external-id-1',
  JITBOT_EXTERNAL_ID_STAGING: 'staging-external-id-2',
  OKTA_API_TOKEN: 'okta-api-token-3',
  JITBOT_EXTERNAL_ID_IDENTITY: 'identity-external-id-4',
};

export function buildAccount(overrides: Data = {}): Data {
  return {
    id: 'prod',
    accountId: '111111111111',
    region: 'us-east-1',
    connectorRoleArn: 'arn:aws:iam::111111111111:role/jitbot-connector',
    externalId: `\${JITBOT_EXTERNAL_ID_PROD}`,
    userMapping: 'email-local-part',
    ...overrides,
  };
}

export function buildAwsTarget(overrides: Data = {}): Data {
  return {
    id: 'prod-admin',
    kind: 'aws-iam-group',
    account: 'prod',
    group: 'jit-prod-admin',
    durations: { default: '1h', max: '4h' },
    approvers: { users: ['U0EXAMPLE1'] },
    ...overrides,
  };
}

export function buildOktaTarget(overrides: Data = {}): Data {
  return {
    id: 'okta-support',
    kind: 'okta-group',
    groupId: '00g1example2ABCD3efg',
    durations: { default: '1h', max: '4h' },
    approvers: { users: ['U0EXAMPLE1'] },
    ...overrides,
  };
}

export const INSTANCE_ARN = 'arn:aws:sso:::instance/ssoins-1234567890abcdef';

/** An identityCenter section called through the account `prod` of buildAccount. */
export function buildIdentityCenter(overrides: Data = {}): Data {
  return { account: 'prod', instanceArn: INSTANCE_ARN, identityStoreId: 'd-1234567890', ...overrides };
}

export function buildSsoPermissionSetTarget(overrides: Data = {}): Data {
  return {
    id: 'prod-admin-sso',
    kind: 'aws-sso-permission-set',
    permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef',
    accountId: '222222222222',
    durations: { default: '1h', max: '4h' },
    approvers: { users: ['U0EXAMPLE1'] },
    ...overrides,
  };
}

export function buildSsoGroupTarget(overrides: Data = {}): Data {
  return {
    id: 'oncall-sso-group',
    kind: 'aws-sso-group',
    groupId: '9a67a5c2-0000-0000-0000-000000000000',
    durations: { default: '2h', max: '12h' },
    approvers: { users: ['U0EXAMPLE1'] },
    ...overrides,
  };
}

export function buildCatalogData(overrides: Data = {}): Data {
  return {
    settings: { adminChannel: 'C0EXAMPLE1' },
    accounts: [buildAccount()],
    okta: { orgUrl: 'https://example.okta.com', token: `\${OKTA_API_TOKEN}` },
    targets: [buildAwsTarget()],
    ...overrides,
  };
}

/** A catalog with one target; the target overrides are the point of most tests. */
export function withTarget(overrides: Data = {}): Data {
  return buildCatalogData({ targets: [buildAwsTarget(overrides)] });
}

export function parse(data: Data | string, env: Readonly<Record<string, string>> = ENV): Catalog {
  return parseCatalog(typeof data === 'string' ? data : stringify(data), 'jitbot.yaml', env);
}

/** The message an operator would read when the catalog is refused. */
export function problemsOf(data: Data | string, env: Readonly<Record<string, string>> = ENV): string {
  try {
    parse(data, env);
  } catch (error) {
    if (isUserFacingError(error) && error.code === 'catalog_invalid') return error.message;
    throw error;
  }
  expect.fail('the catalog was accepted');
}

/** The problem lines alone, without the heading. */
export function problemLines(data: Data | string, env?: Readonly<Record<string, string>>): string[] {
  return problemsOf(data, env)
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4));
}
