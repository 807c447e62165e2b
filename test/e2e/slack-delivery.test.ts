/**
 * What a signed request must be before jitbot acts on it, sent as an attacker would: replayed,
 * timestamped ahead, from another workspace. Through the running app and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { OTHER_WORKSPACE } from '../../src/slack/delivery-guard.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { SIGNING_SECRET } from '../support/service-process.js';
import { postSignedForm, signedHeaders } from '../support/slack-requests.js';
import { PEOPLE, TEST_CATALOG_DATA } from '../support/test-catalog.js';
import { useJitbot } from '../support/use-jitbot.js';

const jitbot = useJitbot(TEST_CATALOG_DATA);
let sequence = 0;

function commandFields(userId: string, text: string, team = 'TFAKE') {
  sequence += 1;
  return {
    command: '/request-aws-access',
    text,
    user_id: userId,
    team_id: team,
    channel_id: 'CGENERAL',
    trigger_id: `trigger.delivery.${sequence}`,
    response_url: `${jitbot.slack.url}response/delivery-${sequence}`,
    api_app_id: 'AJITBOT',
  };
}

async function requestsBy(userId: string): Promise<number> {
  const { rows } = await jitbot.database.pool.query(
    'SELECT count(*)::int AS n FROM requests WHERE requester_id = $1',
    [userId],
  );
  return rows[0].n;
}

/** Waits until the request the first delivery made exists, so a second one could only add. */
async function untilRequests(userId: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await requestsBy(userId)) < count) {
    if (Date.now() > deadline) throw new Error(`${userId} never made ${count} request(s)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('signed requests', () => {
  it('acts on a signed command once: a second and third delivery of the same bytes change nothing', async () => {
    const user = 'UREPLAY1';
    const body = new URLSearchParams(commandFields(user, 'prod-admin 1h replaying INC-1')).toString();
    const headers = signedHeaders(body, 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET });
    const send = () => fetch(`${jitbot.baseUrl}/slack/events`, { method: 'POST', headers, body });
    expect((await send()).status).toBe(200);
    await untilRequests(user, 1);
    // A command's ack goes out before the check (Slack's 3 s); the work behind it does not run.
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const submitted = await jitbot.database.pool.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE actor = $1 AND action = 'request.submitted'",
      [user],
    );
    expect(await requestsBy(user)).toBe(1);
    expect(submitted.rows[0].n).toBe(1);
  });

  it('refuses a replayed click with 409 before it is acted on', async () => {
    const payload = JSON.stringify({
      type: 'block_actions',
      user: { id: PEOPLE.stranger },
      team: { id: 'TFAKE' },
      actions: [{ action_id: ACTIONS.approve, value: 'REQ-00000000' }],
    });
    const body = new URLSearchParams({ payload }).toString();
    const headers = signedHeaders(body, 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET });
    const send = () => fetch(`${jitbot.baseUrl}/slack/events`, { method: 'POST', headers, body });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(409);
  });

  it('refuses a correctly signed request timestamped more than five minutes ahead', async () => {
    const user = 'UFUTURE1';
    const ahead = Math.floor(Date.now() / 1000) + 10 * 60;
    const response = await postSignedForm(
      jitbot.baseUrl,
      commandFields(user, 'prod-admin 1h from the future'),
      {
        secret: SIGNING_SECRET,
        timestamp: ahead,
      },
    );
    expect(response.status).toBe(401);
    const justInside = Math.floor(Date.now() / 1000) + 4 * 60;
    const accepted = await postSignedForm(jitbot.baseUrl, commandFields(user, 'help'), {
      secret: SIGNING_SECRET,
      timestamp: justInside,
    });
    expect(accepted.status).toBe(200);
    expect(await requestsBy(user)).toBe(0);
  });

  it('tells a person of another workspace that jitbot does not serve it, and creates nothing', async () => {
    const user = 'UCONNECT1';
    const response = await postSignedForm(
      jitbot.baseUrl,
      commandFields(user, 'prod-admin 1h other team', 'TOTHER'),
      {
        secret: SIGNING_SECRET,
      },
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(OTHER_WORKSPACE);
    const click = await postSignedForm(
      jitbot.baseUrl,
      {
        payload: JSON.stringify({
          type: 'block_actions',
          user: { id: PEOPLE.approver1 },
          team: { id: 'TOTHER' },
          actions: [{ action_id: 'approve', value: 'REQ-00000000' }],
        }),
      },
      { secret: SIGNING_SECRET },
    );
    expect(click.status).toBe(200);
    expect(await requestsBy(user)).toBe(0);
  });
});
