/**
 * The guard in front of every listener, with a real Bolt App behind jitbot's receiver and HTTP
 * server, and delivery keys in a real PostgreSQL: nothing runs before jitbot knows its workspace,
 * and an event Slack delivers again (re-signed, with X-Slack-Retry-Num) runs once.
 */
import { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordFirstDelivery } from '../../src/db/slack-deliveries-repository.js';
import { createHttpServer, type HttpServer } from '../../src/http/http-server.js';
import { registerDeliveryGuard, STARTING_UP } from '../../src/slack/delivery-guard.js';
import { SlackHttpReceiver } from '../../src/slack/http-receiver.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';
import { SIGNING_SECRET } from '../support/service-process.js';
import { postSignedForm, postSignedJson, signedHeaders } from '../support/slack-requests.js';

let database: TestDatabase;
let server: HttpServer;
let baseUrl: string;
let team: string | undefined;
const handled = { events: 0, commands: 0, views: 0 };
/** What the guard decided for each delivery key, in order: events are acked before it decides. */
const decisions: { key: string; first: boolean }[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  const firstDelivery = async (key: string) => {
    const first = await recordFirstDelivery(database.pool, key);
    decisions.push({ key, first });
    return first;
  };
  const receiver = new SlackHttpReceiver({
    signingSecret: SIGNING_SECRET,
    logger: silentLogger,
    firstDelivery,
  });
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-test', botId: 'B1', botUserId: 'U1' }),
  });
  registerDeliveryGuard(app, { teamId: () => team, firstDelivery, logger: silentLogger });
  app.event('app_home_opened', async () => {
    handled.events += 1;
  });
  app.command('/request-aws-access', async ({ ack }) => {
    handled.commands += 1;
    await ack();
  });
  app.view('request_access', async ({ ack }) => {
    handled.views += 1;
    await ack();
  });
  server = createHttpServer({
    routes: [{ path: '/slack/events', methods: ['POST'], handle: (req, res) => receiver.handle(req, res) }],
    logger: silentLogger,
    portInUse: (port) => `port ${port} is busy`,
  });
  await server.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${server.port()}`;
});
afterAll(async () => {
  await server?.close(0);
  await database?.drop();
});

const command = {
  command: '/request-aws-access',
  text: 'x',
  user_id: 'UGUARD1',
  team_id: 'TGUARD',
  channel_id: 'C1',
};
const view = {
  type: 'view_submission',
  user: { id: 'UGUARD1' },
  team: { id: 'TGUARD' },
  view: { id: 'V1', callback_id: 'request_access', state: { values: {} } },
};

describe('before auth.test has named the workspace', () => {
  it('tells a command and a form to try again in a moment, and runs no listener', async () => {
    team = undefined;
    const answer = await postSignedForm(baseUrl, command, { secret: SIGNING_SECRET });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ response_type: 'ephemeral', text: STARTING_UP });
    const form = await postSignedForm(baseUrl, { payload: JSON.stringify(view) }, { secret: SIGNING_SECRET });
    // Pushed over the submitted form, which keeps what the person typed for a second try.
    expect(await form.json()).toMatchObject({ response_action: 'push', view: { type: 'modal' } });
    expect(JSON.stringify(handled)).toBe(JSON.stringify({ events: 0, commands: 0, views: 0 }));
  });
});

describe('once the workspace is known', () => {
  it('serves its own workspace', async () => {
    team = 'TGUARD';
    // Tried again as a person would: a new command, so new bytes (the same bytes are a replay).
    const again = { ...command, text: 'again' };
    expect((await postSignedForm(baseUrl, again, { secret: SIGNING_SECRET })).status).toBe(200);
    expect(handled.commands).toBe(1);
  });

  it('runs an event once when Slack delivers it again, re-signed, as a retry', async () => {
    team = 'TGUARD';
    const event = {
      type: 'event_callback',
      team_id: 'TGUARD',
      event_id: 'Ev0GUARD1',
      event: { type: 'app_home_opened', user: 'UGUARD1', channel: 'D1', tab: 'home' },
    };
    expect((await postSignedJson(baseUrl, event, { secret: SIGNING_SECRET })).status).toBe(200);
    const body = JSON.stringify(event);
    // A retry is signed anew: a later timestamp, so a different signature.
    const later = Math.floor(Date.now() / 1000) + 1;
    const retry = await fetch(`${baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        ...signedHeaders(body, 'application/json', { secret: SIGNING_SECRET, timestamp: later }),
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      },
      body,
    });
    expect(retry.status).toBe(200);
    // Both deliveries race to the database: whichever lands first runs, the other is refused.
    await vi.waitFor(() =>
      expect(
        decisions
          .filter((decision) => decision.key === 'event:Ev0GUARD1')
          .map((decision) => decision.first)
          .sort(),
      ).toEqual([false, true]),
    );
    await vi.waitFor(() => expect(handled.events).toBe(1));
  });

  it('answers a payload no listener takes with 404 at once, not after Slack has given up', async () => {
    team = 'TGUARD';
    const started = Date.now();
    const other = { ...command, command: '/something-else' };
    expect((await postSignedForm(baseUrl, other, { secret: SIGNING_SECRET })).status).toBe(404);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
