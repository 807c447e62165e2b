import { describe, expect, it } from 'vitest';
import { iamUserNameOf } from '../../src/domain/iam-user-name.js';
import { buildAccount, buildCatalogData, parse, problemLines } from './catalog-builders.js';

describe('userMapping', () => {
  it('maps users explicitly, by email or Slack id, with an optional rule for everyone else', () => {
    const userMapping = { explicit: { 'Ann@Example.com': 'ann', U0BOT: 'robot' }, otherwise: 'email' };
    const catalog = parse(buildCatalogData({ accounts: [buildAccount({ userMapping })] }));
    expect(catalog.accounts[0]?.userMapping).toEqual({
      explicit: { 'ann@example.com': 'ann', U0BOT: 'robot' },
      otherwise: 'email',
    });
  });

  it('refuses an unknown user mapping and says which ones there are', () => {
    expect(problemLines(buildCatalogData({ accounts: [buildAccount({ userMapping: 'emial' })] }))).toEqual([
      'accounts[0].userMapping: "emial" must be email, email-local-part, or explicit: with "email or Slack user id": IAM user name pairs',
    ]);
  });

  it('refuses explicit mappings from something that is not a person, or to something not an IAM user name', () => {
    const userMapping = { explicit: { alice: 'alice', 'bob@example.com': 'bob smith' } };
    expect(problemLines(buildCatalogData({ accounts: [buildAccount({ userMapping })] }))).toEqual([
      'accounts[0].userMapping.explicit.alice: the key "alice" must be an email address or a Slack user id (U…)',
      'accounts[0].userMapping.explicit["bob@example.com"]: "bob smith" must be an IAM user name: 1-64 letters, digits or +=,.@_-',
    ]);
  });

  it('refuses one email written twice with different case', () => {
    const userMapping = { explicit: { 'ann@example.com': 'ann', 'Ann@example.com': 'ann2' } };
    expect(problemLines(buildCatalogData({ accounts: [buildAccount({ userMapping })] }))).toEqual([
      'accounts[0].userMapping.explicit: the key "Ann@example.com" is the same email as "ann@example.com" (case does not count); keep one',
    ]);
  });
});

describe('mapping Slack users to IAM users, with the mapping as the catalog loads it', () => {
  const explicit = { explicit: { U0EXAMPLE4: 'robot', 'Carol@Example.com': 'carol' }, otherwise: 'email' };
  const catalog = parse(buildCatalogData({ accounts: [buildAccount({ userMapping: explicit })] }));
  const mapping = catalog.accounts[0]?.userMapping ?? expect.fail('no account');
  const nameOf = (userMapping: typeof mapping, userId: string, email?: string) => {
    const outcome = iamUserNameOf({ userId, ...(email ? { email } : {}) }, userMapping, 'prod');
    return outcome.ok ? outcome.userName : undefined;
  };

  it('looks up the Slack user id first, then the email ignoring case, then the rule', () => {
    expect(nameOf(mapping, 'U0EXAMPLE4', 'x@example.com')).toBe('robot');
    expect(nameOf(mapping, 'U0OTHER', 'CAROL@example.com')).toBe('carol');
    expect(nameOf(mapping, 'U0OTHER', 'dan@example.com')).toBe('dan@example.com');
  });

  it('uses the part before the @ for email-local-part, and nothing without an email', () => {
    const localPart = { explicit: {}, otherwise: 'email-local-part' as const };
    expect(nameOf(localPart, 'U0X', 'erin@example.com')).toBe('erin');
    expect(nameOf(localPart, 'U0X')).toBeUndefined();
  });

  it('finds no IAM user for an unlisted person when there is no otherwise rule', () => {
    const only = { explicit: { U0EXAMPLE4: 'robot' } };
    expect(nameOf(only, 'U0OTHER', 'dan@example.com')).toBeUndefined();
  });

  it('never takes a built-in object property for a mapping', () => {
    const only = { explicit: { U0EXAMPLE4: 'robot' } };
    expect(nameOf(only, 'constructor', 'toString')).toBeUndefined();
  });
});
