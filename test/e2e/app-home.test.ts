import { describe, expect, it, vi } from 'vitest';
import { ACTIONS, SHORTCUTS, VIEWS } from '../../src/slack/ids.js';
import { PEOPLE, TEST_CATALOG_DATA } from '../support/test-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ADMIN = 'UHOMEADMIN1';
const jitbot = useJitbot({
  ...TEST_CATALOG_DATA,
  settings: { ...TEST_CATALOG_DATA.settings, admins: { users: [ADMIN] } },
});
const newUser = userIds('UHOME');
const iam = () => jitbot.aws.account('111111111111');

/** Asks with the text shortcut; returns the request id once the approvers were messaged. */
async function requestAccess(target: string, requester: string, duration = '1h'): Promise<string> {
  const { responseUrl } = await jitbot.command(`${target} ${duration} checking the INC-9 alarms`, requester);
  let id = '';
  await vi.waitFor(() => {
    id = /REQ-[0-9A-Z]{8}/.exec(JSON.stringify(jitbot.responses(responseUrl)))?.[0] ?? '';
    expect(id).not.toBe('');
  }, 5_000);
  await vi.waitFor(
    () =>
      expect(
        jitbot.slack
          .callsTo('chat.postMessage')
          .some((call) => call.args.channel === requester && JSON.stringify(call.args).includes(id)),
      ).toBe(true),
    5_000,
  );
  return id;
}

async function grantOf(requestId: string): Promise<{ id: string; status: string }> {
  let grant: { id: string; status: string } | undefined;
  await vi.waitFor(async () => {
    const { rows } = await jitbot.database.pool.query(
      'SELECT g.id, g.status FROM grants g JOIN requests r ON r.grant_id = g.id WHERE r.id = $1',
      [requestId],
    );
    grant = rows[0];
    expect(grant?.status).toBe('active');
  }, 5_000);
  return grant as { id: string; status: string };
}

async function statusOf(requestId: string): Promise<string> {
  const { rows } = await jitbot.database.pool.query('SELECT status FROM requests WHERE id = $1', [requestId]);
  return rows[0]?.status;
}

/**
 * A failing revocation tried again now rather than after its backoff. Only when no attempt is in
 * flight (one holds a lease in revoke_leased_until): two attempts at once would prove nothing.
 */
async function retryRevocationNow(grantId: string): Promise<void> {
  await jitbot.database.pool.query(
    `UPDATE grants SET next_attempt_at = now()
      WHERE id = $1 AND status = 'revoking' AND revoke_leased_until IS NULL`,
    [grantId],
  );
  await jitbot.wake();
}

/** The button with this action id and value in a Home's blocks, if any. */
function hasButton(home: string, actionId: string, value: string): boolean {
  return home.includes(`"action_id":"${actionId}","value":"${value}"`);
}

describe('App Home for a requester', () => {
  it('shows the live grant with Extend and Revoke now, the pending request with Cancel, and the Request access button', async () => {
    const requester = newUser();
    const readonly = await requestAccess('prod-readonly', requester);
    const grant = await grantOf(readonly);
    const pending = await requestAccess('prod-admin', requester);

    expect(await jitbot.openHome(requester)).toBe(200);
    const home = await jitbot.homeUntil(
      requester,
      (text) => text.includes(pending) && text.includes(grant.id),
    );
    expect(home).toContain('Your access');
    expect(home).toContain('Production read-only');
    // The principal the access went to, and the expiry as a Slack date.
    expect(home).toContain(`as IAM user ${requester.toLowerCase()}`);
    expect(home).toMatch(/<!date\^\d+\^/);
    expect(hasButton(home, ACTIONS.revokeNow, grant.id)).toBe(true);
    expect(hasButton(home, ACTIONS.extend, 'prod-readonly')).toBe(true);
    expect(home).toContain('Your requests waiting for approval');
    expect(hasButton(home, ACTIONS.cancel, pending)).toBe(true);
    expect(home).toContain(ACTIONS.homeRequest);
    // Not an approver of anything: no Waiting section, and no admin view.
    expect(home).not.toContain('Waiting for you');
    expect(home).not.toContain('Admin:');
  });

  it('Cancel on the Home cancels the request, and the Home shows it ended', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-admin', requester);
    await jitbot.openHome(requester);
    await jitbot.homeUntil(requester, (text) => hasButton(text, ACTIONS.cancel, id));

    expect(await jitbot.clickInHome(ACTIONS.cancel, id, requester)).toBe(200);
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('cancelled'));
    const home = await jitbot.homeUntil(requester, (text) => text.includes('Recently ended'));
    expect(hasButton(home, ACTIONS.cancel, id)).toBe(false);
    expect(home).toContain('Cancelled by the requester');
  });

  it('Revoke now on the Home ends the access in IAM', async () => {
    const requester = newUser();
    const grant = await grantOf(await requestAccess('prod-readonly', requester));
    expect(iam().isMember('jit-prod-ro', requester.toLowerCase())).toBe(true);

    await jitbot.clickInHome(ACTIONS.revokeNow, grant.id, requester);
    await vi.waitFor(() => expect(iam().isMember('jit-prod-ro', requester.toLowerCase())).toBe(false));
    const home = await jitbot.homeUntil(requester, (text) =>
      text.includes('You hold no access through jitbot'),
    );
    expect(hasButton(home, ACTIONS.revokeNow, grant.id)).toBe(false);
  });
});

describe('App Home for an approver', () => {
  it('shows what waits for them with the approval facts; Approve there grants, and the DMs lose their buttons', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-admin', requester);
    await jitbot.openHome(PEOPLE.approver1);
    const home = await jitbot.homeUntil(PEOPLE.approver1, (text) => text.includes(id));
    expect(home).toContain('Waiting for you');
    expect(home).toContain('checking the INC-9 alarms');
    expect(home).toContain('Grants IAM group jit-prod-admin in Production (111111111111)');
    expect(hasButton(home, ACTIONS.approve, id)).toBe(true);
    expect(hasButton(home, ACTIONS.deny, id)).toBe(true);

    expect(await jitbot.clickInHome(ACTIONS.approve, id, PEOPLE.approver1)).toBe(200);
    await vi.waitFor(() => expect(iam().isMember('jit-prod-admin', requester.toLowerCase())).toBe(true));
    // Every approval message (DMs and the channel) is updated without buttons.
    await vi.waitFor(() => {
      const updates = jitbot.slack
        .callsTo('chat.update')
        .filter((call) => JSON.stringify(call.args).includes(id));
      expect(updates.length).toBeGreaterThanOrEqual(4);
      for (const update of updates) expect(JSON.stringify(update.args)).not.toContain(ACTIONS.approve);
    });
    const after = await jitbot.homeUntil(PEOPLE.approver1, (text) => !hasButton(text, ACTIONS.approve, id));
    expect(after).not.toContain(id);
  });

  it("shows no buttons for the approver's own request", async () => {
    // PEOPLE.requester approves prod-admin too, but may not decide their own request.
    const own = await requestAccess('prod-admin', PEOPLE.requester);
    const other = await requestAccess('prod-admin', newUser());
    await jitbot.openHome(PEOPLE.requester);
    const home = await jitbot.homeUntil(
      PEOPLE.requester,
      (text) => text.includes(other) && text.includes(own),
    );
    expect(hasButton(home, ACTIONS.approve, other)).toBe(true);
    expect(hasButton(home, ACTIONS.approve, own)).toBe(false);
    expect(hasButton(home, ACTIONS.cancel, own)).toBe(true);
  });

  it('a forged Approve from the Home on their own request is refused in a modal, and nothing changes', async () => {
    const own = await requestAccess('prod-admin', PEOPLE.requester, '2h');
    const opened = jitbot.slack.callsTo('views.open').length;
    await jitbot.clickInHome(ACTIONS.approve, own, PEOPLE.requester);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBeGreaterThan(opened));
    const modal = JSON.stringify(jitbot.slack.callsTo('views.open').at(-1)?.args);
    expect(modal).toContain('You cannot decide your own request');
    expect(await statusOf(own)).toBe('pending');
  });

  it('a decision taken in a DM updates the Home of another approver', async () => {
    const id = await requestAccess('prod-admin', newUser());
    await jitbot.openHome(PEOPLE.approver2);
    await jitbot.homeUntil(PEOPLE.approver2, (text) => hasButton(text, ACTIONS.approve, id));

    await jitbot.click(ACTIONS.approve, id, PEOPLE.approver1);
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('approved'));
    // Nobody opened the Home again: the change itself republished it.
    await jitbot.homeUntil(PEOPLE.approver2, (text) => !text.includes(id));
  });

  it('a 2-of-N request stays waiting for the others after one approval, and leaves the Home of whoever approved', async () => {
    const id = await requestAccess('prod-two-person', newUser());
    await jitbot.openHome(PEOPLE.approver3);
    await jitbot.homeUntil(PEOPLE.approver3, (text) => hasButton(text, ACTIONS.approve, id));
    await jitbot.clickInHome(ACTIONS.approve, id, PEOPLE.approver1);
    const home = await jitbot.homeUntil(PEOPLE.approver3, (text) => text.includes('1 of 2 approvals'));
    expect(hasButton(home, ACTIONS.approve, id)).toBe(true);
    await jitbot.openHome(PEOPLE.approver1);
    await jitbot.homeUntil(PEOPLE.approver1, (text) => !text.includes(id));
    expect(await statusOf(id)).toBe('pending');
  });
});

describe('App Home for an admin', () => {
  it('shows a revocation that keeps failing, with its last error, and all live access', async () => {
    const requester = newUser();
    const grant = await grantOf(await requestAccess('prod-readonly', requester));
    jitbot.aws.failNext('RemoveUserFromGroup', {
      code: 'AccessDenied',
      status: 403,
      message: 'not authorized to perform iam:RemoveUserFromGroup',
      times: 1000,
    });
    try {
      await jitbot.clickInHome(ACTIONS.revokeNow, grant.id, requester);
      // Retry at once until the admins were alerted (the third failure).
      await vi.waitFor(
        async () => {
          await retryRevocationNow(grant.id);
          const { rows } = await jitbot.database.pool.query('SELECT alerted_at FROM grants WHERE id = $1', [
            grant.id,
          ]);
          expect(rows[0]?.alerted_at).not.toBeNull();
        },
        { timeout: 20_000, interval: 200 },
      );
      await jitbot.openHome(ADMIN);
      const home = await jitbot.homeUntil(ADMIN, (text) => text.includes('removal keeps failing'));
      expect(home).toContain('Admin: needs a person');
      expect(home).toContain('is not allowed to iam:RemoveUserFromGroup on group jit-prod-ro');
      expect(home).toContain(`<@${requester}>`);
      expect(home).toMatch(/Admin: all live access \(\d+\)/);
    } finally {
      jitbot.aws.clearFailures('RemoveUserFromGroup');
    }
    await vi.waitFor(
      async () => {
        await retryRevocationNow(grant.id);
        expect(iam().isMember('jit-prod-ro', requester.toLowerCase())).toBe(false);
      },
      { timeout: 15_000, interval: 200 },
    );
    await jitbot.homeUntil(ADMIN, (text) => !text.includes('removal keeps failing'));
  });

  it('lists breakglass grants not yet reviewed, and Reviewed there marks them reviewed', async () => {
    const id = await requestAccess('prod-breakglass', newUser());
    await jitbot.openHome(ADMIN);
    await jitbot.homeUntil(ADMIN, (text) => hasButton(text, ACTIONS.breakglassReviewed, id));
    await jitbot.clickInHome(ACTIONS.breakglassReviewed, id, ADMIN);
    await vi.waitFor(async () => {
      const { rows } = await jitbot.database.pool.query('SELECT reviewed_by FROM requests WHERE id = $1', [
        id,
      ]);
      expect(rows[0]?.reviewed_by).toBe(ADMIN);
    });
    await jitbot.homeUntil(ADMIN, (text) => !hasButton(text, ACTIONS.breakglassReviewed, id));
  });

  it('a person who is not an admin sees no admin view', async () => {
    await jitbot.openHome(PEOPLE.approver2);
    const home = await jitbot.homeUntil(PEOPLE.approver2, (text) => text.includes('Waiting for you'));
    expect(home).not.toContain('Admin:');
  });
});

describe('opening the request form', () => {
  it('the global shortcut opens the request form', async () => {
    const user = newUser();
    expect(await jitbot.shortcut(SHORTCUTS.requestAccess, user)).toBe(200);
    await vi.waitFor(() => {
      const forms = jitbot.slack
        .callsTo('views.open')
        .filter((call) => JSON.stringify(call.args).includes(`"callback_id":"${VIEWS.request}"`));
      expect(forms.length).toBeGreaterThan(0);
    });
  });

  it('Request access on the Home opens the request form', async () => {
    const user = newUser();
    const before = jitbot.slack.callsTo('views.open').length;
    await jitbot.clickInHome(ACTIONS.homeRequest, 'home', user);
    await vi.waitFor(() => {
      const opened = jitbot.slack.callsTo('views.open').slice(before);
      expect(JSON.stringify(opened)).toContain(`"callback_id":"${VIEWS.request}"`);
    });
  });
});
