import { describe, expect, it } from 'vitest';
import { emailDomainWarning } from '../../src/config/catalog-checks.js';
import { buildAccount, buildCatalogData, parse, problemLines } from './catalog-builders.js';

const settings = (allowedEmailDomains: unknown) => ({ adminChannel: 'C0EXAMPLE1', allowedEmailDomains });

describe('settings.allowedEmailDomains', () => {
  it('is read in lower case, and absent when not written', () => {
    expect(
      parse(buildCatalogData({ settings: settings(['Example.COM', 'corp.example.org']) })).settings,
    ).toMatchObject({
      allowedEmailDomains: ['example.com', 'corp.example.org'],
    });
    expect(parse(buildCatalogData()).settings.allowedEmailDomains).toBeUndefined();
  });

  it.each([
    ['@example.com', 'an @'],
    ['*.example.com', 'a wildcard'],
    ['https://example.com', 'a scheme'],
    ['example', 'no dot'],
    ['example..com', 'an empty label'],
    ['-example.com', 'a label starting with -'],
    ['example.com.', 'a trailing dot'],
    ['alice@example.com', 'an email'],
  ])('refuses %s (%s) with words', (domain) => {
    expect(problemLines(buildCatalogData({ settings: settings([domain]) }))).toEqual([
      `settings.allowedEmailDomains[0]: "${domain}" must be a domain name like example.com, without @ or *: only emails in exactly this domain are accepted`,
    ]);
  });

  it('refuses an empty list: it would refuse everyone, and leaving the key out accepts any domain', () => {
    expect(problemLines(buildCatalogData({ settings: settings([]) }))).toEqual([
      'settings.allowedEmailDomains: must list at least one domain, e.g. [example.com]; remove the key to accept any',
    ]);
  });

  it('refuses a single domain written without a list', () => {
    expect(problemLines(buildCatalogData({ settings: settings('example.com') }))).toEqual([
      'settings.allowedEmailDomains: "example.com" must be a list, not text',
    ]);
  });
});

describe('the warning when emails are trusted from any domain', () => {
  it('names every account and the Okta org that find people by their Slack email', () => {
    const catalog = parse(
      buildCatalogData({
        accounts: [
          buildAccount(),
          buildAccount({
            id: 'staging',
            accountId: '222222222222',
            connectorRoleArn: 'arn:aws:iam::222222222222:role/jitbot-connector',
            userMapping: 'email',
          }),
        ],
      }),
    );
    expect(emailDomainWarning(catalog)).toEqual({
      problem:
        "settings.allowedEmailDomains is not set, but account prod (userMapping email-local-part), account staging (userMapping email), okta (userMatch login) find people's accounts from their Slack email, which people may be able to change: an email in any domain is accepted",
      fix: 'set settings.allowedEmailDomains to the email domains your company controls, e.g. allowedEmailDomains: [example.com]',
    });
  });

  it('counts explicit mappings keyed by email, and not those keyed by Slack user id only', () => {
    const byEmail = buildAccount({ userMapping: { explicit: { 'alice@example.com': 'alice' } } });
    const byId = buildAccount({ userMapping: { explicit: { U0ALICE1: 'alice' } } });
    expect(
      emailDomainWarning(parse(buildCatalogData({ accounts: [byEmail], okta: undefined })))?.problem,
    ).toContain('account prod (userMapping explicit emails)');
    expect(
      emailDomainWarning(parse(buildCatalogData({ accounts: [byId], okta: undefined }))),
    ).toBeUndefined();
  });

  it('is quiet once the domains are set', () => {
    expect(
      emailDomainWarning(parse(buildCatalogData({ settings: settings(['example.com']) }))),
    ).toBeUndefined();
  });
});
