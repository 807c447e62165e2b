import { type FetchFunction, WebClient } from '@slack/web-api';
import type { Env } from '../config/env.js';
import { outboundProxy } from '../http/outbound-proxy.js';
import type { Logger } from '../log/logger.js';
import { boltLogger } from './bolt-logger.js';

/** WebClient's `fetch` through the outbound proxy; none (the global fetch) when there is no proxy. */
export function proxiedFetch(): { fetch?: FetchFunction } {
  const { fetch } = outboundProxy();
  return fetch ? { fetch } : {};
}

/**
 * A Web API client for work done outside a request (notifications, lookups). It retries little by
 * itself: the durable job retries with backoff. A 429 is given back at once with its Retry-After
 * (rate-limits.ts) instead of pausing every call queued on the client; the job waits it out.
 */
export function createBackgroundClient(env: Env, logger: Logger): WebClient {
  return new WebClient(env.SLACK_BOT_TOKEN, {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    ...proxiedFetch(),
    rejectRateLimitedCalls: true,
    // Bounded, so a message slot is never held longer than ABANDONED_RESERVATION_SECONDS by a live post.
    timeout: 10_000,
    retryConfig: { retries: 1, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    logger: boltLogger(logger),
  });
}

/** For the start-up token check: one quick try at a time; bot-identity retries with backoff. */
export function createIdentityClient(env: Env, logger: Logger): WebClient {
  return new WebClient(env.SLACK_BOT_TOKEN, {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    ...proxiedFetch(),
    retryConfig: { retries: 0 },
    logger: boltLogger(logger),
  });
}
