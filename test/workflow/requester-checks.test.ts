import { describe, expect, it } from 'vitest';
import { checkRequester, emailDomainOf, isAllowedEmail } from '../../src/workflow/requester-checks.js';

describe('the allowed email domains', () => {
  it.each([
    ['alice@example.com', true],
    ['Alice@EXAMPLE.com', true],
    [' alice@example.com ', true],
    ['alice@example.com.evil.io', false],
    ['alice@evilexample.com', false],
    ['alice@sub.example.com', false],
    ['alice@example.com.', false],
    ['alice@example.com@evil.io', false],
    ['alice@evil.io@example.com', false],
    ['@example.com', false],
    ['example.com', false],
    ['', false],
  ])('%s -> %s', (email, allowed) => {
    expect(isAllowedEmail(email, ['example.com'])).toBe(allowed);
  });

  it('reads the domain of an email with exactly one @', () => {
    expect(emailDomainOf('a@Example.COM')).toBe('example.com');
    expect(emailDomainOf('a@b@example.com')).toBeUndefined();
  });
});

describe('checkRequester', () => {
  const member = { email: 'alice@example.com', inactive: false } as const;

  it('lets a member with an allowed email through, and anyone when no domains are set', () => {
    expect(checkRequester(member, ['example.com'])).toBeUndefined();
    expect(checkRequester({ ...member, email: 'alice@evil.example' }, undefined)).toBeUndefined();
  });

  it('refuses an email outside the domains, in words that name both', () => {
    expect(
      checkRequester({ ...member, email: 'alice@evil.example' }, ['example.com', 'example.org']),
    ).toEqual({
      check: 'email-domain',
      words:
        'Your Slack email alice@evil.example is not in an allowed domain (example.com, example.org); ask a Slack admin to change it to your work email, or a jitbot admin to add its domain to settings.allowedEmailDomains if your company owns it.',
    });
  });

  it('refuses a profile without an email when domains are set: it cannot be checked', () => {
    expect(checkRequester({ inactive: false }, ['example.com'])).toMatchObject({
      check: 'email-domain',
      words: expect.stringContaining('cannot see an email address on your Slack profile'),
    });
  });

  it("puts Slack's own refusal first, before the email is looked at", () => {
    expect(checkRequester({ ...member, refusal: 'guest' }, ['example.com'])).toMatchObject({
      check: 'guest',
    });
    expect(checkRequester({ ...member, inactive: true }, ['example.com'])).toMatchObject({
      check: 'deactivated',
    });
  });
});
