/**
 * Grant and revoke end to end: signed Slack requests into the real Bolt app, the real AWS SDK
 * against a fake STS/IAM/Scheduler over HTTP, real PostgreSQL. Due times are moved in the
 * database instead of waiting for them; everything else runs as in production.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { iamGroupTarget, opsAccount } from '../support/e2e-catalog.js';
import type { FakeAwsAccount } from '../support/fake-aws.js';
import { grantSteps } from '../support/grant-steps.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '222222222222';
const CONNECTOR = `arn:aws:iam::${ACCOUNT}:role/jitbot-connector`;
const SCHEDULER = `arn:aws:iam::${ACCOUNT}:role/jitbot-scheduler`;
const EXTERNAL_ID = 'e2e-external-id-7f3a';
const APPROVER = 'UGAPPROVER1';
const ADMIN_CHANNEL = 'CGADMIN1';
const NO_IAM_USER = 'UGNOBODY1';

const CATALOG = {
  settings: { adminChannel: ADMIN_CHANNEL, approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [opsAccount({ accountId: ACCOUNT, externalId: EXTERNAL_ID, scheduler: true })],
  targets: [
    iamGroupTarget('ops-admin', {
      name: 'Ops admin',
      account: 'ops',
      group: 'jit-ops-admin',
      approvers: [APPROVER],
    }),
    // The same IAM group under another name: overlap is decided on the group, not the target.
    iamGroupTarget('ops-admin-alias', {
      name: 'Ops admin (alias)',
      account: 'ops',
      group: 'jit-ops-admin',
      durations: { default: '1h', max: '8h' },
      approvers: [APPROVER],
    }),
    iamGroupTarget('ops-read', {
      name: 'Ops read-only',
      account: 'ops',
      group: 'jit-ops-read',
      approvers: [APPROVER],
      autoApprove: { maxDuration: '4h' },
    }),
  ],
};

const jitbot = useJitbot(CATALOG, { withoutIamUser: [NO_IAM_USER] });
let iam: FakeAwsAccount;
const newUser = userIds('UGRANT');
const {
  grantOf,
  requestStatus,
  ask,
  approvalPostsAbout,
  approve,
  untilJoined,
  grantFor,
  dmsTo,
  expireNow,
  whileStopped,
  expiredTenMinutesAgo,
  fireBackstops,
  untilEnded,
} = grantSteps(() => jitbot, { approver: APPROVER, autoApproved: new Set(['ops-read']) });

beforeAll(() => {
  iam = jitbot.aws.account(ACCOUNT);
});

const iamName = (userId: string) => userId.toLowerCase();

/** AWS calls about one grant or user, in the order the fake received them. */
function awsCallsFor(userName: string, grantId?: string): string[] {
  return jitbot.aws.calls
    .filter((call) => {
      const params = JSON.stringify(call.params);
      return params.includes(`"${userName}"`) || (grantId !== undefined && params.includes(grantId));
    })
    .map((call) => call.action);
}

describe('granting and revoking an IAM group', () => {
  it('goes from the approval click to AddUserToGroup, a backstop schedule, and RemoveUserFromGroup at expiry', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester);
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(true);

    const schedule = iam.schedule('jitbot', `jitbot-${grant.id}`);
    expect(schedule?.definition).toMatchObject({
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      ScheduleExpressionTimezone: 'UTC',
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup',
        RoleArn: SCHEDULER,
        Input: JSON.stringify({ GroupName: 'jit-ops-admin', UserName: iamName(requester) }),
      },
    });
    const fires = new Date(grant.expires_at.getTime() + 5 * 60_000);
    expect(String(schedule?.definition.ScheduleExpression)).toBe(
      `at(${new Date(Math.ceil(fires.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`,
    );
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You now have'));

    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(false);
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)).toBeUndefined();
    // The membership goes first; the backstop only once its removal is confirmed (invariant 5).
    const order = awsCallsFor(iamName(requester), grant.id);
    expect(order.indexOf('RemoveUserFromGroup')).toBeLessThan(order.indexOf('DeleteSchedule'));
    expect(order.filter((action) => action === 'RemoveUserFromGroup')).toHaveLength(1);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('has ended (expired)'));
  });

  it('signs every IAM change as the connector role, in a session named after the request, and audits it', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester);
    const add = jitbot.aws
      .callsTo('AddUserToGroup')
      .find((call) => call.params.UserName === iamName(requester));
    expect(add?.session).toMatchObject({ roleArn: CONNECTOR, externalId: EXTERNAL_ID });
    const { rows: requests } = await jitbot.database.pool.query(
      'SELECT request_id FROM grants WHERE id = $1',
      [grant.id],
    );
    expect(add?.session?.sessionName).toBe(`jitbot-${requests[0]?.request_id}`);

    const { rows } = await jitbot.database.pool.query(
      "SELECT action, outcome, details FROM audit_events WHERE grant_id = $1 AND action LIKE 'aws.%' ORDER BY id",
      [grant.id],
    );
    const actions = rows.map((row) => row.action);
    expect(actions).toEqual(
      expect.arrayContaining(['aws.iam.AddUserToGroup', 'aws.scheduler.CreateSchedule']),
    );
    const audited = rows.find((row) => row.action === 'aws.iam.AddUserToGroup');
    expect(audited?.details).toMatchObject({ account: ACCOUNT, providerRequestId: add?.requestId });
    // The external id is a secret: it is in no audit row and no Slack message.
    const { rows: all } = await jitbot.database.pool.query('SELECT details::text AS d FROM audit_events');
    expect(all.map((row) => row.d).join()).not.toContain(EXTERNAL_ID);
    expect(JSON.stringify(jitbot.slack.calls)).not.toContain(EXTERNAL_ID);
  });

  it('revokes grants that end apart in one connector session, and the audit lists the grants it served', async () => {
    const [first, second] = [newUser(), newUser()];
    const firstGrant = await grantFor('ops-admin', first);
    const secondGrant = await grantFor('ops-admin', second);
    await expireNow(firstGrant.id);
    await untilEnded(firstGrant.id);
    await expireNow(secondGrant.id);
    await untilEnded(secondGrant.id);

    const removals = jitbot.aws
      .callsTo('RemoveUserFromGroup')
      .filter((call) => [iamName(first), iamName(second)].includes(String(call.params.UserName)));
    const sessions = new Set(removals.map((call) => call.session?.sessionName));
    expect(removals).toHaveLength(2);
    expect(sessions.size).toBe(1);
    const [session] = [...sessions];
    expect(session).toMatch(/^jitbot-revoke-/);
    expect(
      jitbot.aws.callsTo('AssumeRole').filter((call) => call.params.RoleSessionName === session),
    ).toHaveLength(1);
    const { rows } = await jitbot.database.pool.query(
      "SELECT DISTINCT grant_id FROM audit_events WHERE details->>'session' = $1",
      [session],
    );
    // Other grants this replica revoked in the same minutes are listed too.
    expect(rows.map((row) => row.grant_id)).toEqual(expect.arrayContaining([firstGrant.id, secondGrant.id]));
  });

  it('leaves a membership the person already had in place, and says so', async () => {
    const requester = newUser();
    iam.addUser(iamName(requester), ['jit-ops-admin']);
    const grant = await grantFor('ops-admin', requester);
    expect(grant.pre_existing).toBe(true);
    expect(
      jitbot.aws.callsTo('AddUserToGroup').some((call) => call.params.UserName === iamName(requester)),
    ).toBe(false);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You already had'));
    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(true);
    expect(awsCallsFor(iamName(requester))).not.toContain('RemoveUserFromGroup');
  });

  it('two overlapping grants of one group are one membership that ends once, at the later expiry', async () => {
    const requester = newUser();
    const first = await grantFor('ops-admin', requester, '1h');
    const secondRequest = await ask('ops-admin-alias', requester, '3h');
    await approve(secondRequest);
    const joined = await untilJoined(secondRequest, first.id);
    expect(joined.expires_at.getTime()).toBeGreaterThan(first.expires_at.getTime() + 90 * 60_000);
    expect(joined.backstop_at?.getTime()).toBe(joined.expires_at.getTime() + 5 * 60_000);
    expect(
      jitbot.aws.callsTo('UpdateSchedule').some((call) => JSON.stringify(call.params).includes(first.id)),
    ).toBe(true);
    const { rows } = await jitbot.database.pool.query(
      "SELECT count(*)::int AS n FROM grants WHERE principal = $1 AND status = 'active'",
      [iamName(requester)],
    );
    expect(rows[0]?.n).toBe(1);

    await expireNow(first.id);
    await untilEnded(first.id);
    expect(awsCallsFor(iamName(requester)).filter((action) => action === 'RemoveUserFromGroup')).toHaveLength(
      1,
    );
  });

  it('warns before expiry with Extend and Revoke now; Extend asks again and moves the schedule', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester, '1h');
    await jitbot.database.pool.query('UPDATE grants SET warn_at = now() WHERE id = $1', [grant.id]);
    await jitbot.wake();
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain(ACTIONS.extend));
    expect(dmsTo(requester).join()).toContain(ACTIONS.revokeNow);

    const opened = jitbot.slack.callsTo('views.open').length;
    await jitbot.click(ACTIONS.extend, 'ops-admin', requester);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBe(opened + 1));
    expect(JSON.stringify(jitbot.slack.callsTo('views.open').at(-1)?.args)).toContain('"initial_option"');
    const response = await jitbot.submitView(
      VIEWS.request,
      {
        [BLOCKS.target]: { [ACTIONS.pickTarget]: { selected_option: { value: 'ops-admin' } } },
        [BLOCKS.duration]: { [ACTIONS.pickDuration]: { selected_option: { value: String(3 * 3600) } } },
        [BLOCKS.justification]: { [ACTIONS.justification]: { value: 'the migration is taking longer' } },
        [BLOCKS.ticket]: { [ACTIONS.ticket]: { value: '' } },
      },
      requester,
    );
    expect(response.status).toBe(200);
    let extension = '';
    await vi.waitFor(async () => {
      const { rows } = await jitbot.database.pool.query(
        "SELECT id FROM requests WHERE requester_id = $1 AND status = 'pending'",
        [requester],
      );
      extension = rows[0]?.id ?? '';
      expect(approvalPostsAbout(extension).length).toBeGreaterThan(0);
    });
    expect(JSON.stringify(approvalPostsAbout(extension))).toContain('approving extends it');
    await jitbot.click(ACTIONS.approve, extension, APPROVER);
    const extended = await untilJoined(extension, grant.id);
    expect(extended.expires_at.getTime()).toBeGreaterThan(grant.expires_at.getTime() + 90 * 60_000);
    const schedule = iam.schedule('jitbot', `jitbot-${grant.id}`);
    const fires = new Date(Math.ceil((extended.expires_at.getTime() + 5 * 60_000) / 1000) * 1000);
    expect(schedule?.definition.ScheduleExpression).toBe(`at(${fires.toISOString().slice(0, 19)})`);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('now lasts until'));
  });

  it('Revoke now by the holder removes access, then deletes the schedule, and updates the warning', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester);
    await jitbot.database.pool.query('UPDATE grants SET warn_at = now() WHERE id = $1', [grant.id]);
    await jitbot.wake();
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain(ACTIONS.revokeNow));

    const stranger = newUser();
    const refused = await jitbot.click(ACTIONS.revokeNow, grant.id, stranger);
    await vi.waitFor(() =>
      expect(JSON.stringify(jitbot.responses(refused.responseUrl))).toContain('Only the person'),
    );
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(true);

    await jitbot.click(ACTIONS.revokeNow, grant.id, requester);
    await untilEnded(grant.id);
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(false);
    const order = awsCallsFor(iamName(requester), grant.id);
    expect(order.indexOf('RemoveUserFromGroup')).toBeLessThan(order.indexOf('DeleteSchedule'));
    await vi.waitFor(() => {
      const updates = jitbot.slack.callsTo('chat.update').filter((call) => call.args.channel === requester);
      const warning = updates
        .map((call) => JSON.stringify(call.args))
        .find((text) => text.includes('has ended'));
      expect(warning).toContain(`ended early by <@${requester}>`);
      expect(warning).not.toContain(ACTIONS.revokeNow);
    });
  });

  it('someone removed by hand before expiry: NoSuchEntity on revoke counts as done', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester);
    iam.removeMember('jit-ops-admin', iamName(requester));
    await expireNow(grant.id);
    await untilEnded(grant.id);
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE grant_id = $1 AND action = 'grant.revoked'",
      [grant.id],
    );
    expect(rows[0]?.details).toMatchObject({ removal: 'already-gone' });
  });
});

describe('failures', () => {
  it('throttled three times, then AWS answers: the grant goes through', async () => {
    const requester = newUser();
    jitbot.aws.failNext('AddUserToGroup', { code: 'Throttling', status: 400, times: 3 });
    const grant = await grantFor('ops-read', requester);
    expect(iam.isMember('jit-ops-read', iamName(requester))).toBe(true);
    const tries = jitbot.aws
      .callsTo('AddUserToGroup')
      .filter((call) => call.params.UserName === iamName(requester));
    expect(tries.map((call) => call.status)).toEqual([400, 400, 400, 200]);
    const { rows } = await jitbot.database.pool.query(
      "SELECT outcome FROM audit_events WHERE grant_id = $1 AND action = 'aws.iam.AddUserToGroup' ORDER BY id",
      [grant.id],
    );
    expect(rows.map((row) => row.outcome)).toContain('ok');
  });

  it('AddUserToGroup refused after approval: the requester is told again, approvers see why, admins are alerted', async () => {
    const requester = newUser();
    jitbot.aws.failNext('AddUserToGroup', { code: 'AccessDenied', status: 403, times: 1 });
    const id = await ask('ops-admin', requester);
    await approve(id);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 10_000 });
    await vi.waitFor(() => {
      const dms = dmsTo(requester).join();
      expect(dms).toContain('Your access is being set up now.');
      expect(dms).toContain('setting up your access failed');
    });
    await vi.waitFor(() => {
      const updates = jitbot.slack
        .callsTo('chat.update')
        .filter((call) => call.args.channel === APPROVER && JSON.stringify(call.args).includes(id));
      expect(JSON.stringify(updates.at(-1)?.args)).toContain('Approved, but the grant failed');
    });
    await vi.waitFor(() => expect(dmsTo(ADMIN_CHANNEL).join()).toContain('A grant failed'));
    expect(iam.isMember('jit-ops-admin', iamName(requester))).toBe(false);
    // The backstop made before the add was taken away again.
    const grant = await grantOf(id);
    await untilEnded(grant?.id ?? '', 'failed');
    expect(iam.schedule('jitbot', `jitbot-${grant?.id}`)).toBeUndefined();
  });

  it('a person with no IAM user is told before anyone is asked to approve', async () => {
    const id = await ask('ops-admin', NO_IAM_USER);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 10_000 });
    await vi.waitFor(() => expect(dmsTo(NO_IAM_USER).join()).toContain('could not be sent for approval'));
    expect(dmsTo(NO_IAM_USER).join()).toContain(iamName(NO_IAM_USER));
    expect(approvalPostsAbout(id)).toHaveLength(0);
  });

  it('AssumeRole refused: the request fails in plain words, the admin channel is alerted, no external id shown', async () => {
    jitbot.aws.addRole(CONNECTOR, 'a-different-external-id');
    try {
      const requester = newUser();
      const id = await ask('ops-admin', requester);
      await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'));
      await vi.waitFor(() => expect(dmsTo(requester).join()).toContain(`could not assume ${CONNECTOR}`));
      expect(dmsTo(requester).join()).toContain("check the role's trust policy and external ID");
      await vi.waitFor(() => expect(dmsTo(ADMIN_CHANNEL).join()).toContain(id));
      expect(JSON.stringify(jitbot.slack.calls)).not.toContain(EXTERNAL_ID);
    } finally {
      jitbot.aws.addRole(CONNECTOR, EXTERNAL_ID);
    }
  });

  it('a revocation that keeps failing alerts the admin channel once and keeps retrying until it works', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-read', requester);
    jitbot.aws.failNext('RemoveUserFromGroup', { code: 'AccessDenied', status: 403, times: 2 });
    await expireNow(grant.id);
    await vi.waitFor(() => expect(dmsTo(ADMIN_CHANNEL).join()).toContain('keeps failing'));
    await untilEnded(grant.id);
    expect(iam.isMember('jit-ops-read', iamName(requester))).toBe(false);
    const alerts = dmsTo(ADMIN_CHANNEL).filter(
      (text) => text.includes('keeps failing') && text.includes(requester),
    );
    expect(alerts).toHaveLength(1);
  });
});

describe('restarts and replicas', () => {
  it('a grant that expired while jitbot was stopped is revoked at start-up', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-read', requester);
    await whileStopped(() => expiredTenMinutesAgo(grant.id));
    await untilEnded(grant.id);
    expect(iam.isMember('jit-ops-read', iamName(requester))).toBe(false);
  });

  it('the backstop removed the access while jitbot was down: jitbot finishes the grant without error', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-read', requester);
    await whileStopped(async () => {
      expect(fireBackstops()).toContain(`jitbot-${grant.id}`);
      expect(iam.isMember('jit-ops-read', iamName(requester))).toBe(false);
      await expiredTenMinutesAgo(grant.id);
    });
    await untilEnded(grant.id);
  });

  it('two instances on one database revoke each grant exactly once', async () => {
    await jitbot.startReplica();
    const people = Array.from({ length: 8 }, () => newUser());
    const grants = await Promise.all(people.map((person) => grantFor('ops-read', person)));
    await jitbot.database.pool.query('UPDATE grants SET expires_at = now() WHERE id = ANY($1)', [
      grants.map((grant) => grant.id),
    ]);
    await jitbot.wake();
    for (const grant of grants) await untilEnded(grant.id);
    for (const person of people) {
      const removals = jitbot.aws
        .callsTo('RemoveUserFromGroup')
        .filter((call) => call.params.UserName === iamName(person));
      expect(removals).toHaveLength(1);
    }
  });
});
