import { WebClient } from '@slack/web-api';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABANDONED_RESERVATION_SECONDS, reserveMessage } from '../../src/db/slack-messages-repository.js';
import { createLogger } from '../../src/log/logger.js';
import {
  createMessageSender,
  type Delivery,
  MessageInFlightError,
  messageRetryAfterMs,
  slotOf,
} from '../../src/slack/message-delivery.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let database: TestDatabase;
let slack: FakeSlack;
beforeAll(async () => {
  [database, slack] = await Promise.all([createTestDatabase({ migrated: true }), startFakeSlack()]);
});
afterAll(async () => {
  await Promise.all([database.drop(), slack.close()]);
});

function client(): WebClient {
  return new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
}

/** The pool, but the next `times` statements that `match` fail as a cut connection does. */
function cutting(match: RegExp, times: number): pg.Pool {
  let left = times;
  return new Proxy(database.pool, {
    get(pool, key) {
      if (key !== 'query') return Reflect.get(pool, key);
      return (text: unknown, ...rest: unknown[]) => {
        if (left > 0 && typeof text === 'string' && match.test(text)) {
          left -= 1;
          return Promise.reject(new Error('terminating connection due to administrator command'));
        }
        return (pool.query as (...args: unknown[]) => unknown)(text, ...rest);
      };
    },
  });
}

/** A cancelled request, for its decision notice. */
async function cancelledRequest(requestId: string): Promise<string> {
  await database.pool.query(
    `INSERT INTO requests (id, target_id, requester_id, duration_seconds, justification, status, decided_at)
     VALUES ($1, 'prod-admin', 'UDELIVER1', 3600, 'fix the outage', 'cancelled', now())`,
    [requestId],
  );
  return requestId;
}

function delivery(requestId: string): Delivery {
  return {
    requestId,
    purpose: 'decision',
    recipient: 'UDELIVER1',
    slot: 'cancelled',
    message: { text: `Your request ${requestId}: cancelled`, blocks: [] },
  };
}

const postsOf = (requestId: string) =>
  slack.callsTo('chat.postMessage').filter((call) => String(call.args.text).includes(requestId));

describe('posting a message once', () => {
  it('a message Slack took while the database connection was cut is recorded, and the retried job does not post it again', async () => {
    const logger = createLogger('silent');
    const sender = createMessageSender(cutting(/UPDATE slack_messages SET channel/, 2), client(), logger);
    await sender.post(delivery(await cancelledRequest('REQ-CUTPOST1')));
    // The job is retried as a whole (say, another step of it failed): the message is not sent again.
    await createMessageSender(database.pool, client(), logger).post(delivery('REQ-CUTPOST1'));
    expect(postsOf('REQ-CUTPOST1')).toHaveLength(1);
    const { rows } = await database.pool.query(
      "SELECT ts FROM slack_messages WHERE request_id = 'REQ-CUTPOST1' AND purpose = 'decision'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].ts).not.toBe('');
  });

  it('a message Slack did not take (a 500) is given back and posted by the retry, once', async () => {
    const logger = createLogger('silent');
    const sender = createMessageSender(database.pool, client(), logger);
    slack.fail('chat.postMessage', (args) => String(args.text).includes('REQ-FAILPOST'), {
      status: 500,
      error: 'internal_error',
    });
    await cancelledRequest('REQ-FAILPOST');
    await expect(sender.post(delivery('REQ-FAILPOST'))).rejects.toThrow();
    await sender.post(delivery('REQ-FAILPOST'));
    await sender.post(delivery('REQ-FAILPOST'));
    const accepted = postsOf('REQ-FAILPOST');
    expect(accepted).toHaveLength(2);
  });

  it('a slot a killed worker left reserved is not taken for sent: the job waits, then posts the message once the reservation is abandoned', async () => {
    const logger = createLogger('silent');
    const sender = createMessageSender(database.pool, client(), logger);
    const requestId = await cancelledRequest('REQ-DEADPOST');
    // The killed worker reserved the slot and died before posting.
    expect(await reserveMessage(database.pool, requestId, 'decision', slotOf('UDELIVER1', 'cancelled'))).toBe(
      'reserved',
    );
    const refused = await sender.post(delivery(requestId)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MessageInFlightError);
    // Retried soon, without using up a try.
    expect(messageRetryAfterMs(refused)).toBeGreaterThan(0);
    expect(postsOf(requestId)).toHaveLength(0);
    await database.pool.query(
      'UPDATE slack_messages SET reserved_at = now() - make_interval(secs => $2) WHERE request_id = $1',
      [requestId, ABANDONED_RESERVATION_SECONDS + 1],
    );
    await sender.post(delivery(requestId));
    await sender.post(delivery(requestId));
    expect(postsOf(requestId)).toHaveLength(1);
  });
});
