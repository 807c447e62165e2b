import { ErrorCode } from '@slack/web-api';
import { field } from '../errors.js';

/**
 * How long Slack asked jitbot to wait (a 429's Retry-After) for a call the client gave back
 * instead of waiting. The background client rejects rate-limited calls: waiting inside it would
 * pause every other message queued on it, and the durable job waits it out without holding anything.
 */
export function slackRetryAfterMs(error: unknown): number | undefined {
  if (field(error, 'code') !== ErrorCode.RateLimitedError) return undefined;
  const seconds = field(error, 'retryAfter');
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * Sends to every recipient even when one of them fails: one 429 or outage must not hold back the
 * others' messages. The first failure is thrown once all were tried, so the job is retried; the
 * delivery slots keep what was sent from being sent twice.
 */
export async function sendToEach<T>(items: Iterable<T>, send: (item: T) => Promise<void>): Promise<void> {
  let failure: { readonly error: unknown } | undefined;
  for (const item of items) {
    try {
      await send(item);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
