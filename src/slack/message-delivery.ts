import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import { appendAudit } from '../db/audit-repository.js';
import { persistently } from '../db/persistently.js';
import {
  completeMessage,
  type MessagePurpose,
  type PostedMessage,
  releaseMessage,
  reserveMessage,
} from '../db/slack-messages-repository.js';
import type { Logger } from '../log/logger.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import type { SlackMessage } from './blocks/types.js';
import { slackRetryAfterMs } from './rate-limits.js';

/** Slack's own hiccups are worth retrying; anything else it says "no" to will say "no" again. */
const RETRYABLE_SLACK_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

function slackErrorCode(error: unknown): string | undefined {
  const { code, data } = error as { code?: string; data?: { error?: string } };
  return code === 'slack_webapi_platform_error' ? data?.error : undefined;
}

/** True for a refusal that a retry cannot fix (channel_not_found, not_in_channel, ...). */
function isPermanentSlackError(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code !== undefined && !RETRYABLE_SLACK_ERRORS.has(code);
}

export interface Delivery {
  readonly requestId: string;
  readonly purpose: MessagePurpose;
  /** A user id (DM) or channel id. */
  readonly recipient: string;
  readonly message: SlackMessage;
  /** Tells apart several messages of one purpose to one recipient (e.g. two different alerts). */
  readonly slot?: string;
  /** Posts as a reply in the thread of this message, where its buttons are. */
  readonly thread?: { readonly channel: string; readonly ts: string };
}

/** How a message with a slot is recorded: one recipient may get one message per slot. */
export function slotOf(recipient: string, slot: string | undefined): string {
  return slot ? `${recipient}#${slot}` : recipient;
}

/**
 * Another worker holds the message's slot and has not posted it: the job is tried again shortly,
 * not counted as a try, so a slot left by a replica that died mid-post is taken over in the end
 * instead of the message being taken for sent.
 */
export class MessageInFlightError extends Error {
  /** How long the job waits before it looks again. */
  readonly retryAfterMs = IN_FLIGHT_RETRY_MS;
  constructor(requestId: string, purpose: MessagePurpose, recipient: string) {
    super(`the ${purpose} message for ${requestId} to ${recipient} is being posted by another worker`);
    this.name = 'MessageInFlightError';
  }
}

const IN_FLIGHT_RETRY_MS = 5_000;

/**
 * How long a job that sends messages was asked to wait: by Slack (a 429), or by a message another
 * worker is posting. Neither is the job's fault, so neither counts as a try.
 */
export function messageRetryAfterMs(error: unknown): number | undefined {
  return error instanceof MessageInFlightError ? error.retryAfterMs : slackRetryAfterMs(error);
}

export interface MessageSender {
  /** Posts once per (request, purpose, recipient); a permanent refusal is logged and audited. */
  post(delivery: Delivery): Promise<void>;
  update(posted: PostedMessage, message: SlackMessage): Promise<void>;
}

export function createMessageSender(pool: pg.Pool, client: WebClient, logger: Logger): MessageSender {
  async function reportPermanent(delivery: Delivery, action: string, error: unknown): Promise<void> {
    const code = slackErrorCode(error);
    logger.error(
      { requestId: delivery.requestId, recipient: delivery.recipient, slackError: code },
      `Slack refused to deliver the ${delivery.purpose} message for ${delivery.requestId} to ${delivery.recipient} (${code}); ` +
        'check that the channel exists and jitbot is in it, or that the user is active',
    );
    await appendAudit(pool, {
      actor: SERVICE_ACTOR,
      action,
      outcome: 'error',
      requestId: delivery.requestId,
      details: { purpose: delivery.purpose, recipient: delivery.recipient, slackError: code },
    });
  }

  return {
    async post(delivery) {
      const { requestId, purpose, message } = delivery;
      const recipient = slotOf(delivery.recipient, delivery.slot);
      const slot = await reserveMessage(pool, requestId, purpose, recipient);
      if (slot === 'posted') return;
      if (slot === 'in-flight') throw new MessageInFlightError(requestId, purpose, recipient);
      let result: Awaited<ReturnType<WebClient['chat']['postMessage']>>;
      try {
        result = await client.chat.postMessage({
          channel: delivery.thread?.channel ?? delivery.recipient,
          text: message.text,
          blocks: message.blocks,
          ...(delivery.thread ? { thread_ts: delivery.thread.ts } : {}),
        });
      } catch (error) {
        if (isPermanentSlackError(error)) return reportPermanent(delivery, 'slack.chat.postMessage', error);
        await releaseMessage(pool, requestId, purpose, recipient);
        throw error;
      }
      // Slack has it: from here the slot stays taken, even if the database is away for a moment,
      // or the retried job would post the message a second time.
      const posted = {
        requestId,
        purpose,
        recipient,
        channel: String(result.channel),
        ts: String(result.ts),
      };
      await persistently(() => completeMessage(pool, posted));
    },
    async update(posted, message) {
      try {
        await client.chat.update({
          channel: posted.channel,
          ts: posted.ts,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (error) {
        if (!isPermanentSlackError(error)) throw error;
        await reportPermanent({ ...posted, message }, 'slack.chat.update', error);
      }
    },
  };
}
