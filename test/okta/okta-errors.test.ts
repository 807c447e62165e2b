import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProviderError, type ProviderError } from '../../src/ports/access-provider.js';
import { CONTEXT, type OktaHarness, startOktaHarness, TOKEN } from './okta-harness.js';

let h: OktaHarness;
let userId: string;
beforeEach(async () => {
  h = await startOktaHarness();
  userId = h.okta.addUser({ login: 'ada@example.com' }).id;
});
afterEach(async () => {
  await h.stop();
});

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe('rate limits', () => {
  it('waits out X-Rate-Limit-Reset after a 429 and then succeeds', async () => {
    h.okta.failNext('assignUserToGroup', { status: 429, rateLimitResetInMs: 100 });
    await h.provider.grant(h.target, userId, CONTEXT);
    const [limited, retried] = h.okta.callsTo('assignUserToGroup');
    expect(limited?.status).toBe(429);
    expect(retried?.status).toBe(204);
    // Not before the window Okta named had reset.
    expect(retried?.at).toBeGreaterThanOrEqual((limited?.rateLimitReset ?? Number.POSITIVE_INFINITY) * 1000);
    expect(h.okta.isMember(h.target.groupId, userId)).toBe(true);
    expect(h.recorded.map((c) => [c.action, c.outcome])).toEqual([['okta.assignUserToGroup', 'ok']]);
  });

  it('after a few 429s gives up with a retryable error that says when to try again', async () => {
    h.okta.failNext('assignUserToGroup', { status: 429, times: 10, rateLimitResetInMs: 50 });
    const error = await failure(h.provider.grant(h.target, userId, CONTEXT));
    expect(h.okta.callsTo('assignUserToGroup')).toHaveLength(3);
    expect(error).toMatchObject({ code: 'okta_rate_limited', retryable: true });
    expect(error.message).toMatch(/^Okta is rate-limiting jitbot \(assignUserToGroup in 127\.0\.0\.1:\d+\)/);
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(1_300);
    expect(error.providerRequestId).toBe(h.okta.callsTo('assignUserToGroup')[2]?.requestId);
  });

  it('does not sit on a reset further away than it is willing to wait: fails at once, retryable', async () => {
    h.okta.failNext('listUserGroups', { status: 429, rateLimitResetInMs: 120_000 });
    const error = await failure(h.provider.isMember(h.target, userId, CONTEXT));
    expect(h.okta.callsTo('listUserGroups')).toHaveLength(1);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(110_000);
  });
});

describe('refusals and outages', () => {
  it('a rejected token (401) is a final error in plain words that never contains the token', async () => {
    const bad = await startOktaHarness({ token: `${TOKEN}-revoked` });
    try {
      const error = await failure(bad.provider.grant(bad.target, userId, CONTEXT));
      expect(error).toMatchObject({ code: 'okta_token_rejected', retryable: false });
      expect(error.message).toMatch(
        /^Okta refused jitbot's API token \(401\) for 127\.0\.0\.1:\d+: the token is invalid, expired or revoked/,
      );
      expect(error.message).not.toContain(TOKEN);
      expect(JSON.stringify(bad.recorded)).not.toContain(TOKEN);
      expect(bad.okta.calls[0]?.authorization).toBe(`SSWS ${TOKEN}-revoked`);
    } finally {
      await bad.stop();
    }
  });

  it('a 403 on a membership change names the role the token admin needs for that group', async () => {
    h.okta.failNext('assignUserToGroup', { status: 403 });
    const error = await failure(h.provider.grant(h.target, userId, CONTEXT));
    expect(error).toMatchObject({ code: 'okta_forbidden', retryable: false });
    expect(error.message).toBe(
      `Okta refused jitbot's API token (403) for assignUserToGroup in ${new URL(h.settings.orgUrl).host}: the token's admin needs the Group Membership Administrator (or Group Administrator) role for group ${h.target.groupId}`,
    );
    expect(error.message).not.toContain(TOKEN);
  });

  it('a 403 while reading users says the token cannot read users', async () => {
    h.okta.failNext('getUser', { status: 403 });
    const error = await failure(
      h.provider.resolvePrincipal(h.target, { userId: 'U1', email: 'ada@example.com' }, CONTEXT),
    );
    expect(error.message).toMatch(/needs an admin role that can read users/);
  });

  it('a 500 is retryable and keeps the X-Okta-Request-Id', async () => {
    h.okta.failNext('unassignUserFromGroup', { status: 500 });
    await h.provider.grant(h.target, userId, CONTEXT);
    const error = await failure(h.provider.revoke(h.target, userId, CONTEXT));
    expect(error).toMatchObject({ code: 'okta_unavailable', retryable: true });
    expect(error.providerRequestId).toBe(h.okta.callsTo('unassignUserFromGroup')[0]?.requestId);
    expect(h.recorded.at(-1)).toMatchObject({
      action: 'okta.unassignUserFromGroup',
      outcome: 'error',
      errorCode: 'okta_unavailable',
      providerRequestId: error.providerRequestId,
    });
  });

  it('a dropped connection is retryable', async () => {
    h.okta.failNext('getUser', { status: 'disconnect' });
    const error = await failure(
      h.provider.resolvePrincipal(h.target, { userId: 'U1', email: 'ada@example.com' }, CONTEXT),
    );
    expect(error).toMatchObject({ code: 'okta_unreachable', retryable: true });
  });

  it('a call Okta never answers times out, retryable', async () => {
    const slow = await startOktaHarness({ client: { requestTimeoutMs: 200 } });
    try {
      const id = slow.okta.addUser({ login: 'ada@example.com' }).id;
      slow.okta.failNext('listUserGroups', { status: 'hang' });
      const error = await failure(slow.provider.isMember(slow.target, id, CONTEXT));
      expect(error).toMatchObject({ code: 'okta_timeout', retryable: true });
      expect(error.message).toMatch(/^Okta did not answer listUserGroups in 127\.0\.0\.1:\d+ in time/);
    } finally {
      await slow.stop();
    }
  });

  it('an org that does not answer at all is retryable', async () => {
    await h.okta.stop();
    const error = await failure(h.provider.isMember(h.target, userId, CONTEXT));
    expect(error).toMatchObject({ code: 'okta_unreachable', retryable: true });
    expect(error.message).toContain(h.settings.orgUrl);
  });

  it('a 404 for the user on a membership change names the user', async () => {
    const error = await failure(h.provider.grant(h.target, '00uNOSUCHUSER', CONTEXT));
    expect(error.message).toMatch(/^Okta has no user 00uNOSUCHUSER in 127\.0\.0\.1:\d+/);
  });
});
