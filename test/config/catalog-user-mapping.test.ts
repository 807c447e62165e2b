import { describe, expect, it } from 'vitest';
import { iamUserNameFor } from '../../src/config/catalog.js';
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

describe('mapping Slack users to IAM users', () => {
  const explicit = { explicit: { U0EXAMPLE4: 'robot', 'Carol@Example.com': 'carol' }, otherwise: 'email' };
  const catalog = parse(buildCatalogData({ accounts: [buildAccount({ userMapping: explicit })] }));
  const mapping = catalog.accounts[0]?.userMapping ?? expect.fail('no account');

  it('looks up the Slack user id first, then the email ignoring case, then the rule', () => {
    expect(iamUserNameFor(mapping, { slackUserId: 'U0EXAMPLE4', email: 'x@example.com' })).toBe('robot');
    expect(iamUserNameFor(mapping, { slackUserId: 'U0OTHER', email: 'CAROL@example.com' })).toBe('carol');
    expect(iamUserNameFor(mapping, { slackUserId: 'U0OTHER', email: 'dan@example.com' })).toBe(
      'dan@example.com',
    );
  });

  it('uses the part before the @ for email-local-part, and nothing without an email', () => {
    const localPart = { explicit: {}, otherwise: 'email-local-part' as const };
    expect(iamUserNameFor(localPart, { slackUserId: 'U0X', email: 'erin@example.com' })).toBe('erin');
    expect(iamUserNameFor(localPart, { slackUserId: 'U0X' })).toBeUndefined();
  });

  it('finds no IAM user for an unlisted person when there is no otherwise rule', () => {
    const only = { explicit: { U0EXAMPLE4: 'robot' } };
    expect(iamUserNameFor(only, { slackUserId: 'U0OTHER', email: 'dan@example.com' })).toBeUndefined();
  });

  it('never takes a built-in object property for a mapping', () => {
    const only = { explicit: { U0EXAMPLE4: 'robot' } };
    expect(iamUserNameFor(only, { slackUserId: 'constructor', email: 'toString' })).toBeUndefined();
  });
});
