import { describe, expect, it } from 'vitest';
import type { UserMapping } from '../../src/domain/catalog.js';
import { iamUserNameOf } from '../../src/domain/iam-user-name.js';

const ACCOUNT = 'Production (111111111111)';
const byEmail: UserMapping = { explicit: {}, otherwise: 'email' };
const byLocalPart: UserMapping = { explicit: {}, otherwise: 'email-local-part' };

describe('which IAM user a Slack person is', () => {
  it('derives the name from the whole email, or the part before the @', () => {
    const person = { userId: 'U1', email: 'dan@example.com' };
    expect(iamUserNameOf(person, byEmail, ACCOUNT)).toEqual({ ok: true, userName: 'dan@example.com' });
    expect(iamUserNameOf(person, byLocalPart, ACCOUNT)).toEqual({ ok: true, userName: 'dan' });
  });

  it('prefers the explicit list: the Slack user id first, then the email in any case', () => {
    const mapping: UserMapping = {
      explicit: { U1: 'robot', 'carol@example.com': 'carol' },
      otherwise: 'email',
    };
    expect(iamUserNameOf({ userId: 'U1', email: 'carol@example.com' }, mapping, ACCOUNT)).toEqual({
      ok: true,
      userName: 'robot',
    });
    expect(iamUserNameOf({ userId: 'U2', email: 'Carol@Example.COM' }, mapping, ACCOUNT)).toEqual({
      ok: true,
      userName: 'carol',
    });
  });

  it('never resolves through an inherited property name', () => {
    const outcome = iamUserNameOf({ userId: 'constructor' }, { explicit: {} }, ACCOUNT);
    expect(outcome.ok).toBe(false);
  });

  it('says there is no mapping for an unlisted person when the account has no rule', () => {
    expect(
      iamUserNameOf({ userId: 'U2', email: 'dan@example.com' }, { explicit: { U1: 'robot' } }, ACCOUNT),
    ).toEqual({
      ok: false,
      reason:
        "There is no IAM user for you in Production (111111111111): the catalog maps only listed people there. Ask a jitbot admin to add you to the account's userMapping.",
    });
  });

  it('says the Slack profile has no email when the rule needs one', () => {
    expect(iamUserNameOf({ userId: 'U2' }, byLocalPart, ACCOUNT)).toEqual({
      ok: false,
      reason:
        'jitbot cannot find your IAM user in Production (111111111111) because your Slack profile shows no email address. Add one to your Slack profile, or ask a jitbot admin to map your Slack user id in the catalog.',
    });
  });

  it('refuses a derived name IAM would not accept', () => {
    const tooLong = `${'a'.repeat(65)}@example.com`;
    expect(iamUserNameOf({ userId: 'U2', email: tooLong }, byLocalPart, ACCOUNT)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is not a valid IAM user name'),
    });
    expect(iamUserNameOf({ userId: 'U2', email: "o'brien@example.com" }, byLocalPart, ACCOUNT)).toMatchObject(
      {
        ok: false,
      },
    );
  });
});
