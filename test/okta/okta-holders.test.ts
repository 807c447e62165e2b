import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/ports/access-provider.js';
import { CONTEXT, type OktaHarness, startOktaHarness, TOKEN } from './okta-harness.js';

/** Who is in an Okta group now, read back for drift through the real client: id and login. */

let h: OktaHarness;
beforeEach(async () => {
  h = await startOktaHarness();
});
afterEach(async () => {
  await h.stop();
});

describe("an Okta group's holders", () => {
  it('are every member, by user id and login, following Link rel="next" pages', async () => {
    const members = ['ada', 'bea', 'cy', 'dee', 'eve'].map((name) =>
      h.okta.addUser({ login: `${name}@example.com` }),
    );
    for (const user of members) h.okta.addMember(h.target.groupId, user.id);
    h.okta.addMember(
      h.okta.addGroup({ name: 'other' }).id,
      h.okta.addUser({ login: 'mallory@example.com' }).id,
    );
    h.okta.pageSize = 2;

    const holders = await h.provider.listHolders?.(h.target, CONTEXT);

    expect(holders).toEqual(members.map((user) => ({ principal: user.id, name: user.login })));
    const pages = h.okta.callsTo('listGroupUsers');
    expect(pages.map((call) => call.query.after)).toEqual([undefined, members[1]?.id, members[3]?.id]);
    expect(pages.every((call) => call.path === `/api/v1/groups/${h.target.groupId}/users`)).toBe(true);
    // One listing, one audit row, as every other Okta call of the provider.
    expect(h.recorded).toEqual([
      {
        action: 'okta.listGroupUsers',
        outcome: 'ok',
        context: CONTEXT,
        targetId: 'okta-admins',
        account: h.settings.orgUrl,
        resource: h.target.groupId,
        providerRequestId: expect.stringMatching(/^fake-/),
      },
    ]);
  });

  it('are none for an empty group', async () => {
    await expect(h.provider.listHolders?.(h.target, CONTEXT)).resolves.toEqual([]);
  });

  it('cannot be read without the right admin role: the error names the call and the org', async () => {
    h.okta.failNext('listGroupUsers', { status: 403 });

    const error = await h.provider.listHolders?.(h.target, CONTEXT).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'okta_forbidden', kind: 'denied' });
    const message = (error as ProviderError).message;
    expect(message).toMatch(
      /^Okta refused jitbot's API token \(403\) for listGroupUsers in 127\.0\.0\.1:\d+/,
    );
    expect(message).not.toContain(TOKEN);
    expect(h.recorded).toEqual([
      expect.objectContaining({
        action: 'okta.listGroupUsers',
        outcome: 'error',
        errorCode: 'okta_forbidden',
      }),
    ]);
  });

  it('fail as a whole when a later page fails: a partial list would read as members removed', async () => {
    for (const name of ['ada', 'bea', 'cy'])
      h.okta.addMember(h.target.groupId, h.okta.addUser({ login: `${name}@example.com` }).id);
    h.okta.pageSize = 1;
    h.okta.failNext('listGroupUsers', { status: 503, after: 1 });

    await expect(h.provider.listHolders?.(h.target, CONTEXT)).rejects.toMatchObject({
      code: 'okta_unavailable',
      retryable: true,
    });
    expect(h.okta.callsTo('listGroupUsers').map((call) => call.status)).toEqual([200, 503]);
  });

  it('say plainly when the group the catalog names does not exist', async () => {
    const target = { ...h.target, groupId: '00gmissing0000000000' };
    await expect(h.provider.listHolders?.(target, CONTEXT)).rejects.toMatchObject({
      code: 'okta_not_found',
      message: expect.stringContaining('Okta has no group 00gmissing0000000000'),
    });
  });
});
