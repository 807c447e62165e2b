/**
 * Okta group targets end to end, next to an AWS target in the same catalog: signed Slack requests
 * into the real Bolt app, the real Okta SDK against a fake Okta management API over HTTP (and the
 * real AWS SDK against a fake AWS), real PostgreSQL. Due times are moved in the database instead
 * of waiting for them; everything else runs as in production. Okta has no EventBridge backstop:
 * jitbot alone removes the access.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import { iamGroupTarget, oktaGroupTarget, opsAccount } from '../support/e2e-catalog.js';
import type { FakeAwsAccount } from '../support/fake-aws.js';
import type { FakeOkta, OktaRequest } from '../support/fake-okta.js';
import { grantSteps } from '../support/grant-steps.js';
import { emailOf, FAKE_OKTA_URL } from '../support/jitbot-harness.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '333333333333';
const APPROVER = 'UOAPPROVER1';
const ADMIN_CHANNEL = 'COADMIN1';
const TOKEN = '00OktaE2eTokenThatMustNeverLeak-9c4e1f7a2b';
const ADMINS_GROUP = '00gE2eAdmins0000001';
const READERS_GROUP = '00gE2eReaders000001';
const DEPROVISIONED = 'UOGONE1';
const NO_OKTA_USER = 'UONOBODY1';

const CATALOG = {
  settings: { adminChannel: ADMIN_CHANNEL, approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [opsAccount({ accountId: ACCOUNT, externalId: 'okta-e2e-external-id-5d2c', scheduler: true })],
  okta: { orgUrl: FAKE_OKTA_URL, token: TOKEN },
  targets: [
    iamGroupTarget('ops-admin', {
      name: 'Ops admin',
      account: 'ops',
      group: 'jit-ops-admin',
      approvers: [APPROVER],
    }),
    oktaGroupTarget('okta-admins', { name: 'Okta Admins', groupId: ADMINS_GROUP, approvers: [APPROVER] }),
    // The same Okta group under another name: overlap is decided on the group, not the target.
    oktaGroupTarget('okta-admins-alias', {
      name: 'Okta Admins (alias)',
      groupId: ADMINS_GROUP,
      durations: { default: '1h', max: '8h' },
      approvers: [APPROVER],
    }),
    oktaGroupTarget('okta-readers', {
      name: 'Okta Readers',
      groupId: READERS_GROUP,
      approvers: [APPROVER],
      autoApprove: { maxDuration: '4h' },
    }),
  ],
};

const AUTO_APPROVED = new Set(['okta-readers']);

const jitbot = useJitbot(CATALOG, {
  oktaUserStatus: { [DEPROVISIONED]: 'DEPROVISIONED' },
  withoutOktaUser: [NO_OKTA_USER],
});
let okta: FakeOkta;
let iam: FakeAwsAccount;
const newUser = userIds('UOKTA');
const {
  grantOf,
  requestStatus,
  ask,
  approvalPostsAbout,
  approve,
  untilJoined,
  untilActive,
  grantFor,
  dmsTo,
  expireNow,
  whileStopped,
  expiredTenMinutesAgo,
  untilEnded,
} = grantSteps(() => jitbot, {
  approver: APPROVER,
  autoApproved: AUTO_APPROVED,
  justification: 'checking the SSO rollout',
});

beforeAll(() => {
  if (!jitbot.okta) throw new Error('the harness started no fake Okta for a catalog with okta:');
  okta = jitbot.okta;
  iam = jitbot.aws.account(ACCOUNT);
});

/** Membership changes Okta received for one user: PUT (assign) and DELETE (unassign). */
function membershipCalls(
  oktaUserId: string,
  method: 'PUT' | 'DELETE',
  groupId = ADMINS_GROUP,
): OktaRequest[] {
  return okta.calls.filter(
    (call) => call.method === method && call.path === `/api/v1/groups/${groupId}/users/${oktaUserId}`,
  );
}

/** AWS calls that mention a grant or a principal: Okta grants must cause none (no backstop). */
function awsCallsAbout(...needles: string[]) {
  return jitbot.aws.calls.filter((call) => needles.some((needle) => JSON.stringify(call).includes(needle)));
}

/** The fake Okta's URL, as the harness wrote it into the catalog. */
function orgUrl(): string | undefined {
  return jitbot.service.catalog.okta?.orgUrl;
}

interface AuditRow {
  action: string;
  outcome: string;
  details: Record<string, unknown>;
}

async function oktaAudit(grantId: string): Promise<AuditRow[]> {
  const { rows } = await jitbot.database.pool.query<AuditRow>(
    "SELECT action, outcome, details FROM audit_events WHERE grant_id = $1 AND action LIKE 'okta.%' ORDER BY id",
    [grantId],
  );
  return rows;
}

describe('an Okta group target, from request to revocation', () => {
  it('approve assigns the Okta user to the group, expiry unassigns them once, and both are told', async () => {
    const requester = newUser();
    const grant = await grantFor('okta-admins', requester);
    const user = jitbot.oktaUser(requester);
    expect(user.login).toBe(emailOf(requester));
    expect(grant.principal).toBe(user.id);
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(true);
    expect(membershipCalls(user.id, 'PUT').map((call) => call.status)).toEqual([204]);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You now have *Okta Admins* (Okta)'));

    // No backstop for Okta: nothing about this grant goes to AWS.
    expect(grant.backstop_at).toBeNull();
    expect(awsCallsAbout(grant.id, user.id, requester.toLowerCase())).toEqual([]);

    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(false);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('has ended (expired)'));
    expect(membershipCalls(user.id, 'DELETE').map((call) => call.status)).toEqual([204]);
    expect(awsCallsAbout(grant.id, user.id, requester.toLowerCase())).toEqual([]);

    const audited = await oktaAudit(grant.id);
    expect(audited.map((row) => `${row.action}:${row.outcome}`)).toEqual(
      expect.arrayContaining([
        'okta.listUserGroups:ok',
        'okta.assignUserToGroup:ok',
        'okta.unassignUserFromGroup:ok',
      ]),
    );
    for (const row of audited) {
      expect(row.details).toMatchObject({ account: orgUrl(), resource: ADMINS_GROUP, principal: user.id });
    }
  });

  it('leaves a membership the person already had in Okta in place at expiry, and says so', async () => {
    const requester = newUser();
    const user = jitbot.oktaUser(requester);
    jitbot.oktaGroup(ADMINS_GROUP).members.add(user.id);
    const grant = await grantFor('okta-admins', requester);
    expect(grant.pre_existing).toBe(true);
    expect(membershipCalls(user.id, 'PUT')).toEqual([]);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You already had *Okta Admins*'));

    await expireNow(grant.id);
    await untilEnded(grant.id);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You keep the access you had before'));
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(true);
    expect(membershipCalls(user.id, 'DELETE')).toEqual([]);
  });

  it('two overlapping grants of one Okta group are one membership that ends once, at the later expiry', async () => {
    const requester = newUser();
    const first = await grantFor('okta-admins', requester, '1h');
    const second = await ask('okta-admins-alias', requester, '3h');
    await approve(second);
    const joined = await untilJoined(second, first.id);
    expect(joined.expires_at.getTime()).toBeGreaterThan(first.expires_at.getTime() + 90 * 60_000);
    expect(joined.backstop_at).toBeNull();
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('now lasts until'));
    const user = jitbot.oktaUser(requester);
    const { rows } = await jitbot.database.pool.query(
      "SELECT count(*)::int AS n FROM grants WHERE principal = $1 AND status = 'active'",
      [user.id],
    );
    expect(rows[0]?.n).toBe(1);
    expect(membershipCalls(user.id, 'PUT')).toHaveLength(1);

    await expireNow(first.id);
    await untilEnded(first.id);
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(false);
    expect(membershipCalls(user.id, 'DELETE')).toHaveLength(1);
    expect(awsCallsAbout(first.id, user.id)).toEqual([]);
  });

  it('Revoke now by the holder unassigns at once and says who ended it', async () => {
    const requester = newUser();
    const grant = await grantFor('okta-admins', requester);
    const user = jitbot.oktaUser(requester);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain(ACTIONS.revokeNow));

    await jitbot.click(ACTIONS.revokeNow, grant.id, requester);
    await untilEnded(grant.id);
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(false);
    expect(membershipCalls(user.id, 'DELETE')).toHaveLength(1);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain(`ended early by <@${requester}>`));
    const { rows } = await jitbot.database.pool.query(
      "SELECT actor FROM audit_events WHERE grant_id = $1 AND action = 'okta.unassignUserFromGroup'",
      [grant.id],
    );
    expect(rows.map((row) => row.actor)).toEqual([requester]);
  });

  it('an auto-approved Okta target is granted without anyone approving', async () => {
    const requester = newUser();
    const id = await ask('okta-readers', requester);
    const grant = await untilActive(id);
    const user = jitbot.oktaUser(requester);
    expect(okta.isMember(READERS_GROUP, user.id)).toBe(true);
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(false);
    // Approvers hear about it, but there is nothing for them to approve.
    const told = () => approvalPostsAbout(id).map((call) => JSON.stringify(call.args));
    await vi.waitFor(() => expect(told().join()).toContain('Approved automatically'));
    expect(told().join()).not.toContain(ACTIONS.approve);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You now have *Okta Readers*'));
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(okta.isMember(READERS_GROUP, user.id)).toBe(false);
  });
});

describe('Okta failures', () => {
  it('a 429 on the assign call is waited out until X-Rate-Limit-Reset, then the grant goes through', async () => {
    const requester = newUser();
    okta.failNext('assignUserToGroup', { status: 429, rateLimitResetInMs: 300 });
    const grant = await grantFor('okta-readers', requester);
    const user = jitbot.oktaUser(requester);
    expect(okta.isMember(READERS_GROUP, user.id)).toBe(true);
    const tries = membershipCalls(user.id, 'PUT', READERS_GROUP);
    expect(tries.map((call) => call.status)).toEqual([429, 204]);
    const [limited, retried] = tries;
    expect(retried?.at).toBeGreaterThanOrEqual((limited?.rateLimitReset ?? Number.POSITIVE_INFINITY) * 1000);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You now have *Okta Readers*'));
    const audited = await oktaAudit(grant.id);
    const assigns = audited.filter((row) => row.action === 'okta.assignUserToGroup');
    expect(assigns.map((row) => row.outcome)).toEqual(['ok']);
  });

  it('rate-limited past the in-process retries: the grant job retries after the reset, and the 429 is audited with its Okta request id', async () => {
    const requester = newUser();
    okta.failNext('assignUserToGroup', { status: 429, rateLimitResetInMs: 200, times: 3 });
    const grant = await grantFor('okta-readers', requester);
    const user = jitbot.oktaUser(requester);
    expect(okta.isMember(READERS_GROUP, user.id)).toBe(true);
    const tries = membershipCalls(user.id, 'PUT', READERS_GROUP);
    expect(tries.map((call) => call.status)).toEqual([429, 429, 429, 204]);
    const audited = (await oktaAudit(grant.id)).filter((row) => row.action === 'okta.assignUserToGroup');
    expect(audited.map((row) => row.outcome)).toEqual(['error', 'ok']);
    expect(audited[0]?.details).toMatchObject({
      errorCode: 'okta_rate_limited',
      providerRequestId: tries[2]?.requestId,
    });
  });

  it('a deactivated Okta user is refused at request time in plain words, and no approver is asked', async () => {
    const id = await ask('okta-admins', DEPROVISIONED);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 10_000 });
    await vi.waitFor(() => expect(dmsTo(DEPROVISIONED).join()).toContain('could not be sent for approval'));
    const dm = dmsTo(DEPROVISIONED).join();
    expect(dm).toContain(`Your Okta account (${emailOf(DEPROVISIONED)})`);
    expect(dm).toContain('is deactivated');
    expect(dm).toContain('Ask an Okta admin');
    expect(approvalPostsAbout(id)).toEqual([]);
    expect(okta.calls.filter((call) => call.method !== 'GET')).not.toContainEqual(
      expect.objectContaining({ path: expect.stringContaining(jitbot.oktaUser(DEPROVISIONED).id) }),
    );
  });

  it('a suspended Okta user asking for an auto-approved target gets nothing, and is told why', async () => {
    const requester = newUser();
    const user = jitbot.oktaUser(requester);
    user.status = 'SUSPENDED';
    const id = await ask('okta-readers', requester);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 10_000 });
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('is suspended'));
    expect(okta.isMember(READERS_GROUP, user.id)).toBe(false);
    expect(membershipCalls(user.id, 'PUT', READERS_GROUP)).toEqual([]);
    expect(await grantOf(id)).toBeUndefined();
  });

  it('someone with no Okta user is told before anyone is asked to approve', async () => {
    const id = await ask('okta-admins', NO_OKTA_USER);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 10_000 });
    await vi.waitFor(() => expect(dmsTo(NO_OKTA_USER).join()).toContain('No Okta user'));
    expect(dmsTo(NO_OKTA_USER).join()).toContain(emailOf(NO_OKTA_USER));
    expect(approvalPostsAbout(id)).toEqual([]);
  });
});

describe('Okta revocation when things go wrong', () => {
  it('someone removed from the Okta group by hand before expiry: nothing to unassign, the grant still ends', async () => {
    const requester = newUser();
    const grant = await grantFor('okta-readers', requester);
    const user = jitbot.oktaUser(requester);
    jitbot.oktaGroup(READERS_GROUP).members.delete(user.id);
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(membershipCalls(user.id, 'DELETE', READERS_GROUP)).toEqual([]);
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE grant_id = $1 AND action = 'grant.revoked'",
      [grant.id],
    );
    expect(rows[0]?.details).toMatchObject({ removal: 'already-gone' });
  });

  it('Okta refusing the unassign alerts the admin channel once, naming the role, and jitbot retries until it works', async () => {
    const requester = newUser();
    const grant = await grantFor('okta-readers', requester);
    const user = jitbot.oktaUser(requester);
    okta.failNext('unassignUserFromGroup', { status: 403, times: 2 });
    await expireNow(grant.id);
    await vi.waitFor(() => expect(dmsTo(ADMIN_CHANNEL).join()).toContain('keeps failing'));
    await untilEnded(grant.id);
    expect(okta.isMember(READERS_GROUP, user.id)).toBe(false);
    expect(membershipCalls(user.id, 'DELETE', READERS_GROUP).map((call) => call.status)).toEqual([
      403, 403, 204,
    ]);
    const alerts = dmsTo(ADMIN_CHANNEL).filter(
      (text) => text.includes('keeps failing') && text.includes(requester),
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('Group Membership Administrator');
    expect(alerts[0]).not.toContain(TOKEN);
  });

  it('an Okta grant that expired while jitbot was stopped is unassigned at start-up', async () => {
    const requester = newUser();
    const grant = await grantFor('okta-readers', requester);
    const user = jitbot.oktaUser(requester);
    await whileStopped(() => expiredTenMinutesAgo(grant.id));
    await untilEnded(grant.id);
    expect(okta.isMember(READERS_GROUP, user.id)).toBe(false);
    expect(membershipCalls(user.id, 'DELETE', READERS_GROUP)).toHaveLength(1);
  });
});

describe('AWS and Okta targets in one catalog', () => {
  it('one person holds an IAM group and an Okta group at once; each ends on its own, the Okta one without a backstop', async () => {
    const requester = newUser();
    const [aws, oktaGrant] = await Promise.all([
      grantFor('ops-admin', requester),
      grantFor('okta-admins', requester),
    ]);
    const user = jitbot.oktaUser(requester);
    expect(iam.isMember('jit-ops-admin', requester.toLowerCase())).toBe(true);
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(true);
    expect(aws.backstop_at).not.toBeNull();
    expect(iam.schedule('jitbot', `jitbot-${aws.id}`)).toBeDefined();
    expect(oktaGrant.backstop_at).toBeNull();
    expect(awsCallsAbout(oktaGrant.id, user.id)).toEqual([]);

    await expireNow(oktaGrant.id);
    await untilEnded(oktaGrant.id);
    expect(okta.isMember(ADMINS_GROUP, user.id)).toBe(false);
    expect(iam.isMember('jit-ops-admin', requester.toLowerCase())).toBe(true);

    await expireNow(aws.id);
    await untilEnded(aws.id);
    expect(iam.isMember('jit-ops-admin', requester.toLowerCase())).toBe(false);
    expect(iam.schedule('jitbot', `jitbot-${aws.id}`)).toBeUndefined();
    expect(awsCallsAbout(oktaGrant.id, user.id)).toEqual([]);
  });
});

describe('secrets', () => {
  // Runs last: it looks at everything the tests above caused.
  it('the Okta token went only to Okta: never into Slack or the audit log', async () => {
    expect(okta.calls.length).toBeGreaterThan(0);
    for (const call of okta.calls) expect(call.authorization).toBe(`SSWS ${TOKEN}`);
    expect(JSON.stringify(jitbot.slack.calls)).not.toContain(TOKEN);
    const { rows } = await jitbot.database.pool.query('SELECT details::text AS d FROM audit_events');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.d).join()).not.toContain(TOKEN);
  });
});
