import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTEXT, type OktaHarness, startOktaHarness, TOKEN } from './okta-harness.js';

let h: OktaHarness;
afterEach(async () => {
  await h.stop();
});

describe('resolvePrincipal by login', () => {
  beforeEach(async () => {
    h = await startOktaHarness({ userMatch: 'login' });
  });

  it('finds the Okta user whose login is the Slack email and answers with its id', async () => {
    const ada = h.okta.addUser({ login: 'ada@example.com' });
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U1', email: 'Ada@Example.com' },
      CONTEXT,
    );
    expect(outcome).toEqual({ ok: true, principal: ada.id });
    expect(h.okta.callsTo('getUser')[0]?.path).toBe('/api/v1/users/Ada@Example.com');
  });

  it('says plainly when no Okta user has that login', async () => {
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U1', email: 'nobody@example.com' },
      CONTEXT,
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.reason).toMatch(
      /No Okta user in 127\.0\.0\.1:\d+ has the login nobody@example\.com/,
    );
  });

  it('refuses a deactivated user and says why, before anyone is asked to approve', async () => {
    h.okta.addUser({ login: 'gone@example.com', status: 'DEPROVISIONED' });
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U1', email: 'gone@example.com' },
      CONTEXT,
    );
    expect(outcome).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /Okta account \(gone@example\.com\) .* is deactivated, so it cannot receive group access/,
      ),
    });
  });

  it.each([
    ['SUSPENDED', false],
    ['STAGED', false],
    ['PROVISIONED', false],
    ['LOCKED_OUT', false],
    ['PASSWORD_EXPIRED', true],
    ['RECOVERY', true],
  ] as const)('a user with status %s can receive access: %s', async (status, allowed) => {
    h.okta.addUser({ login: 'x@example.com', status });
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U1', email: 'x@example.com' },
      CONTEXT,
    );
    expect(outcome.ok).toBe(allowed);
  });

  it('asks for the Slack email scope when the Slack profile has no email, without calling Okta', async () => {
    const outcome = await h.provider.resolvePrincipal(h.target, { userId: 'U1' }, CONTEXT);
    expect(outcome.ok === false && outcome.reason).toMatch(/users:read\.email/);
    expect(h.okta.calls).toHaveLength(0);
  });
});

describe('resolvePrincipal by email', () => {
  beforeEach(async () => {
    h = await startOktaHarness({ userMatch: 'email' });
  });

  it('searches users by profile.email and answers with the id', async () => {
    const grace = h.okta.addUser({ login: 'ghopper', email: 'grace@example.com' });
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U2', email: 'grace@example.com' },
      CONTEXT,
    );
    expect(outcome).toEqual({ ok: true, principal: grace.id });
    expect(h.okta.callsTo('listUsers')[0]?.query.search).toBe('profile.email eq "grace@example.com"');
  });

  it('picks the active account when an old deactivated one shares the email', async () => {
    h.okta.addUser({ login: 'grace.old', email: 'grace@example.com', status: 'DEPROVISIONED' });
    const current = h.okta.addUser({ login: 'grace', email: 'grace@example.com' });
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U2', email: 'grace@example.com' },
      CONTEXT,
    );
    expect(outcome).toEqual({ ok: true, principal: current.id });
  });

  it('refuses when two active accounts share the email, rather than guess', async () => {
    h.okta.addUser({ login: 'a', email: 'shared@example.com' });
    h.okta.addUser({ login: 'b', email: 'shared@example.com' });
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U2', email: 'shared@example.com' },
      CONTEXT,
    );
    expect(outcome.ok === false && outcome.reason).toMatch(
      /2 active Okta users .* cannot tell which one is you/,
    );
  });

  it('says plainly when no Okta user has that email', async () => {
    const outcome = await h.provider.resolvePrincipal(
      h.target,
      { userId: 'U2', email: 'nobody@example.com' },
      CONTEXT,
    );
    expect(outcome.ok === false && outcome.reason).toMatch(/has the email nobody@example\.com/);
  });
});

describe('membership', () => {
  beforeEach(async () => {
    h = await startOktaHarness();
  });

  it('grant adds the user to the group, isMember then sees it, and revoke removes it', async () => {
    const ada = h.okta.addUser({ login: 'ada@example.com' });
    expect(await h.provider.isMember(h.target, ada.id, CONTEXT)).toBe(false);
    await h.provider.grant(h.target, ada.id, CONTEXT);
    expect(h.okta.isMember(h.target.groupId, ada.id)).toBe(true);
    expect(await h.provider.isMember(h.target, ada.id, CONTEXT)).toBe(true);
    expect(await h.provider.revoke(h.target, ada.id, CONTEXT)).toBe('removed');
    expect(h.okta.isMember(h.target.groupId, ada.id)).toBe(false);
    expect(h.okta.callsTo('assignUserToGroup')[0]).toMatchObject({
      method: 'PUT',
      path: `/api/v1/groups/${h.target.groupId}/users/${ada.id}`,
    });
    expect(h.okta.callsTo('unassignUserFromGroup')[0]?.method).toBe('DELETE');
  });

  it('granting twice is fine', async () => {
    const ada = h.okta.addUser({ login: 'ada@example.com' });
    await h.provider.grant(h.target, ada.id, CONTEXT);
    await h.provider.grant(h.target, ada.id, CONTEXT);
    expect(h.okta.isMember(h.target.groupId, ada.id)).toBe(true);
  });

  it('sees a membership that existed before jitbot, even on a later page of the user groups', async () => {
    const ada = h.okta.addUser({ login: 'ada@example.com' });
    h.okta.pageSize = 2;
    for (const name of ['a', 'b', 'c', 'd', 'e']) h.okta.addGroup({ name }).members.add(ada.id);
    h.okta.addGroup({ name: 'late' });
    const lastGroup = h.okta.addGroup({ name: 'pre-existing' });
    lastGroup.members.add(ada.id);
    const target = { ...h.target, groupId: lastGroup.id };
    expect(await h.provider.isMember(target, ada.id, CONTEXT)).toBe(true);
    expect(h.okta.callsTo('listUserGroups').length).toBe(3);
  });

  it('revoking from someone who is not a member is already-gone and removes nothing', async () => {
    const ada = h.okta.addUser({ login: 'ada@example.com' });
    expect(await h.provider.revoke(h.target, ada.id, CONTEXT)).toBe('already-gone');
    expect(h.okta.callsTo('unassignUserFromGroup')).toHaveLength(0);
  });

  it('revoking from a user deleted in Okta is already-gone', async () => {
    expect(await h.provider.revoke(h.target, '00uDELETED', CONTEXT)).toBe('already-gone');
  });

  it('a group missing from Okta is named in a final error', async () => {
    const ada = h.okta.addUser({ login: 'ada@example.com' });
    const target = { ...h.target, groupId: '00gMISSING' };
    const error = await h.provider.grant(target, ada.id, CONTEXT).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'okta_not_found',
      retryable: false,
      message: expect.stringMatching(/^Okta has no group 00gMISSING in 127\.0\.0\.1:\d+: check the groupId/),
    });
  });

  it('audits each of several concurrent calls with the Okta request id of its own request', async () => {
    const people = ['ada', 'bob', 'cy', 'dee'].map((name) =>
      h.okta.addUser({ login: `${name}@example.com` }),
    );
    await Promise.all(people.map((person) => h.provider.grant(h.target, person.id, CONTEXT)));
    for (const person of people) {
      const sent = h.okta
        .callsTo('assignUserToGroup')
        .find((call) => call.path.endsWith(`/users/${person.id}`));
      const audited = h.recorded.find(
        (row) => row.action === 'okta.assignUserToGroup' && row.principal === person.id,
      );
      expect(audited?.providerRequestId).toBe(sent?.requestId);
      expect(sent?.requestId).toBeDefined();
    }
  });

  it('records every Okta call with its context, org, group, principal and outcome', async () => {
    const ada = h.okta.addUser({ login: 'ada@example.com' });
    await h.provider.resolvePrincipal(h.target, { userId: 'U1', email: 'ada@example.com' }, CONTEXT);
    await h.provider.grant(h.target, ada.id, CONTEXT);
    await h.provider.revoke(h.target, ada.id, CONTEXT);
    await h.provider.grant({ ...h.target, groupId: '00gMISSING' }, ada.id, CONTEXT).catch(() => undefined);
    expect(h.recorded.map((c) => [c.action, c.outcome])).toEqual([
      ['okta.getUser', 'ok'],
      ['okta.assignUserToGroup', 'ok'],
      ['okta.listUserGroups', 'ok'],
      ['okta.unassignUserFromGroup', 'ok'],
      ['okta.assignUserToGroup', 'error'],
    ]);
    expect(h.recorded[1]).toEqual({
      action: 'okta.assignUserToGroup',
      outcome: 'ok',
      context: CONTEXT,
      targetId: 'okta-admins',
      account: h.settings.orgUrl,
      resource: h.target.groupId,
      principal: ada.id,
      // Okta's id of that very request, to find it in Okta's System Log.
      providerRequestId: h.okta.callsTo('assignUserToGroup')[0]?.requestId,
    });
    expect(h.recorded[1]?.providerRequestId).toMatch(/^fake-/);
    const failed = h.okta.callsTo('assignUserToGroup')[1];
    expect(h.recorded[4]).toMatchObject({
      errorCode: 'okta_not_found',
      error: expect.stringContaining('00gMISSING'),
      providerRequestId: failed?.requestId,
      resource: '00gMISSING',
    });
    expect(JSON.stringify(h.recorded)).not.toContain(TOKEN);
  });

  it('describes the target and names the resource by org host and group id', () => {
    const host = new URL(h.settings.orgUrl).host;
    expect(h.provider.resourceOf(h.target)).toBe(`okta:${host}:group/${h.target.groupId}`);
    // The group id and the org, not the catalog's display name: what an approver must check.
    expect(h.provider.describe(h.target)).toBe(`Okta group ${h.target.groupId} in ${host}`);
    expect(h.provider.location(h.target)).toBe('Okta');
    expect(
      h.provider.asGranted({ ...h.target, groupId: '00gOTHER' }, `okta:${host}:group/${h.target.groupId}`),
    ).toEqual(h.target);
    expect(
      h.provider.asGranted(h.target, `okta:other.example.com:group/${h.target.groupId}`),
    ).toBeUndefined();
    expect(h.provider.backstop).toBeUndefined();
  });
});
