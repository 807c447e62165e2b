/**
 * Socket Mode end to end: the same service, with SLACK_APP_TOKEN set, connects through
 * apps.connections.open to a fake Slack WebSocket and receives commands, clicks and form
 * submissions as envelopes; its acks go back over the socket. The rest is as in the HTTP tests.
 */
import { describe, expect, it, vi } from 'vitest';
import { VIEWS } from '../../src/slack/ids.js';
import { grantSteps } from '../support/grant-steps.js';
import { APP_TOKEN } from '../support/jitbot-harness.js';
import { formValues } from '../support/request-form.js';
import { PEOPLE, TEST_CATALOG_DATA } from '../support/test-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const jitbot = useJitbot(TEST_CATALOG_DATA, { socketMode: true });
const newUser = userIds('USOCKET');
const { ask, approvalPostsAbout, grantFor, dmsTo } = grantSteps(() => jitbot, { approver: PEOPLE.approver1 });

describe('Socket Mode', () => {
  it('connects with the app token, and the bare command opens the form', async () => {
    const { status, body } = await jitbot.command('', newUser());
    expect(status).toBe(200);
    expect(body).toBe('');
    expect(jitbot.slack.callsTo('apps.connections.open')[0]?.token).toBe(APP_TOKEN);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBe(1));
    const view = jitbot.slack.callsTo('views.open')[0]?.args.view as { callback_id: string };
    expect(view.callback_id).toBe(VIEWS.request);
  });

  it('answers help in the ack, over the socket', async () => {
    const { body } = await jitbot.command('help', newUser());
    expect(JSON.parse(body)).toMatchObject({ response_type: 'ephemeral' });
    expect(body).toContain('/request-aws-access');
  });

  it('puts form problems on the fields in the ack, and a valid form creates the request', async () => {
    const user = newUser();
    const refused = await jitbot.submitView(VIEWS.request, formValues('prod-admin', '3600', 'short'), user);
    expect(await refused.json()).toMatchObject({ response_action: 'errors' });

    const accepted = await jitbot.submitView(
      VIEWS.request,
      formValues('prod-admin', '3600', 'investigating the checkout outage'),
      user,
    );
    expect(await accepted.text()).toBe('');
    await vi.waitFor(
      () => expect(dmsTo(user).some((text) => /REQ-[0-9A-Z]{8}/.test(text))).toBe(true),
      5_000,
    );
  });

  it('an approval click over the socket grants the access in AWS', async () => {
    const requester = newUser();
    const grant = await grantFor('prod-admin', requester);
    expect(jitbot.aws.account('111111111111').isMember('jit-prod-admin', requester.toLowerCase())).toBe(true);
    expect(grant.status).toBe('active');
  });

  it('a restarted service connects again and keeps answering', async () => {
    const before = jitbot.slack.callsTo('apps.connections.open').length;
    await jitbot.stopService();
    await jitbot.startService();
    const id = await ask('prod-admin', newUser());
    expect(jitbot.slack.callsTo('apps.connections.open').length).toBeGreaterThan(before);
    // The first request of a restarted service looks its people up again: give it a moment.
    await vi.waitFor(() => expect(approvalPostsAbout(id).length).toBeGreaterThan(0), 5_000);
  });

  it('a service stopped while it is still connecting closes the socket that opens after', async () => {
    const socket = jitbot.socket;
    if (!socket) throw new Error('no Socket Mode fake');
    let answer = () => {};
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    jitbot.slack.on('apps.connections.open', async () => {
      await held;
      return { url: socket.url };
    });
    await jitbot.stopService();
    await vi.waitFor(() => expect(socket.open).toBe(0));
    const asked = jitbot.slack.callsTo('apps.connections.open').length;
    const connections = socket.connections;
    // Not ready until connected, and the connection is held back: do not wait for /readyz.
    await jitbot.startService({ ready: false });
    await vi.waitFor(() => expect(jitbot.slack.callsTo('apps.connections.open').length).toBe(asked + 1));
    await jitbot.stopService();
    answer();
    // The socket Slack's late answer pointed at opens, and is closed again at once.
    await vi.waitFor(() => expect(socket.connections).toBe(connections + 1));
    await vi.waitFor(() => expect(socket.open).toBe(0));
    await jitbot.startService();
  });

  it('reports not ready on /readyz while the WebSocket is down, and ready again once reconnected', async () => {
    const socket = jitbot.socket;
    if (!socket) throw new Error('no Socket Mode fake');
    const readyz = async () => {
      const response = await fetch(`${jitbot.baseUrl}/readyz`);
      return { status: response.status, body: await response.text() };
    };
    expect((await readyz()).status).toBe(200);
    let answer = () => {};
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    jitbot.slack.on('apps.connections.open', async () => {
      await held;
      return { url: socket.url };
    });
    socket.dropConnections();
    await vi.waitFor(async () => {
      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.body).toContain('Socket Mode connection to Slack is down');
    });
    answer();
    await vi.waitFor(async () => expect((await readyz()).status).toBe(200), 10_000);
    const { status } = await jitbot.command('help', newUser());
    expect(status).toBe(200);
  });
});
