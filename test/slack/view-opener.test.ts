import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModalView } from '@slack/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createViewOpener, SlackViewError, type ViewOpener } from '../../src/slack/view-opener.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

const TOKEN = 'xoxb-view-opener-secret';
const VIEW: ModalView = {
  type: 'modal',
  callback_id: 'jitbot_test',
  title: { type: 'plain_text', text: 'Test' },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Ünïcode & <escaped>' } }],
};

let slack: FakeSlack;
const opened: ViewOpener[] = [];
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(() => slack.close());
afterEach(() => {
  for (const opener of opened.splice(0)) opener.close();
});

function openerFor(url: string, windowMs?: number): ViewOpener {
  const opener = createViewOpener({
    env: { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: url },
    ...(windowMs === undefined ? {} : { windowMs }),
  });
  opened.push(opener);
  return opener;
}

async function failureOf(opening: Promise<void>): Promise<SlackViewError> {
  const error = await opening.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SlackViewError);
  // The token must never reach a log line through an error.
  expect(String((error as Error).message)).not.toContain(TOKEN);
  return error as SlackViewError;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
}

describe('the view opener', () => {
  it('opens the view with the trigger id, as the bot, over one kept-alive connection', async () => {
    const opener = openerFor(slack.url);
    await opener.open('trigger.1', VIEW);
    await opener.open('trigger.2', VIEW);
    const calls = slack.callsTo('views.open').slice(-2);
    expect(calls.map((call) => call.args.trigger_id)).toEqual(['trigger.1', 'trigger.2']);
    expect(calls[0]?.args.view).toEqual(VIEW);
    expect(calls[0]?.token).toBe(TOKEN);
  });

  it("passes on Slack's refusal with its code and the block problems Slack named", async () => {
    slack.fail('views.open', () => true, { status: 200, error: 'expired_trigger_id' });
    const expired = await failureOf(openerFor(slack.url).open('trigger.late', VIEW));
    expect(expired.code).toBe('expired_trigger_id');

    slack.on('views.open', () => ({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: {
        messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
      },
    }));
    const invalid = await failureOf(openerFor(slack.url).open('trigger.bad', VIEW));
    slack.on('views.open', () => ({}));
    expect(invalid.code).toBe('invalid_arguments');
    expect(invalid.message).toContain('/view/title/text');
  });

  it('gives up at once when rate-limited: the trigger would expire before Retry-After', async () => {
    const before = slack.callsTo('views.open').length;
    slack.rateLimit('views.open', 1, 30);
    const error = await failureOf(openerFor(slack.url).open('trigger.limited', VIEW));
    expect(error.code).toBe('ratelimited');
    expect(error.message).toContain('30');
    expect(slack.callsTo('views.open').length).toBe(before + 1);
  });

  it('stops waiting when the trigger window has passed', async () => {
    const silent = createServer(() => {});
    const url = await listen(silent);
    try {
      const error = await failureOf(openerFor(url, 150).open('trigger.slow', VIEW));
      expect(error.code).toBe('timeout');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('says Slack could not be reached when nothing listens', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const error = await failureOf(openerFor(url).open('trigger.nowhere', VIEW));
    expect(error.code).toBe('unreachable');
  });

  it('tries once more on a new connection when a kept-alive one was closed by Slack', async () => {
    const perSocket = new WeakMap<object, number>();
    let answered = 0;
    // Answers the first request on each connection and drops the connection on the second, as
    // a server that timed out an idle connection while the request was on its way.
    const flaky = createServer((request, response) => {
      const count = (perSocket.get(request.socket) ?? 0) + 1;
      perSocket.set(request.socket, count);
      if (count > 1) {
        request.socket.destroy();
        return;
      }
      request.resume();
      request.on('end', () => {
        answered += 1;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ok":true}');
      });
    });
    const url = await listen(flaky);
    try {
      const opener = openerFor(url);
      await opener.open('trigger.first', VIEW);
      await opener.open('trigger.second', VIEW);
      expect(answered).toBe(2);
    } finally {
      flaky.closeAllConnections();
      flaky.close();
    }
  });
});
