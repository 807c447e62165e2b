import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ModalView } from '@slack/types';
import type { Env } from '../config/env.js';
import { describeError } from '../errors.js';
import { outboundProxy } from '../http/outbound-proxy.js';

/** Slack lets a trigger id open a view for 3 seconds; an answer after that is worth nothing. */
const TRIGGER_WINDOW_MS = 3000;

const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Why Slack did not open a view: Slack's own error code where it gave one, and plain words. */
export class SlackViewError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'SlackViewError';
    this.code = code;
  }
}

/** The failures after which the trigger is spent: the person must click or type again. */
const TRIGGER_SPENT = new Set(['expired_trigger_id', 'exchanged_trigger_id', 'timeout']);

/** Whether `error` means the form can no longer open from this trigger (too late, or used). */
export function isTriggerSpent(error: unknown): boolean {
  return error instanceof SlackViewError && TRIGGER_SPENT.has(error.code);
}

export interface ViewOpener {
  /** Opens `view` for the person whose click or command carried `triggerId`. */
  open(triggerId: string, view: ModalView): Promise<void>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export interface ViewOpenerOptions {
  readonly env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL'>;
  /** How long one open may take in all; default the trigger window. */
  readonly windowMs?: number;
}

interface Reply {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly text: string;
}

/** Slack's envelope; `messages` says which block was wrong on `invalid_arguments`. */
interface SlackAnswer {
  readonly ok?: boolean;
  readonly error?: string;
  readonly response_metadata?: { readonly messages?: readonly string[] };
}

/**
 * views.open, the one Web API call made on the interactive path of a command or click, sent
 * directly rather than through WebClient, for two reasons:
 * - A trigger id dies after 3 seconds, so the call gets one deadline and no queue or retries
 *   (WebClient would retry an expired trigger for minutes).
 * - WebClient stringifies and redacts every request and answer for its debug log whatever the
 *   log level, and goes through fetch: that doubled the CPU a command costs and so the ack
 *   latency of everyone else under load (bench/ack-latency.ts). This is one JSON POST over a
 *   kept-alive connection.
 */
export function createViewOpener({ env, windowMs = TRIGGER_WINDOW_MS }: ViewOpenerOptions): ViewOpener {
  const url = new URL('views.open', env.SLACK_API_URL ?? DEFAULT_SLACK_API_URL);
  const secure = url.protocol === 'https:';
  // Kept alive, through the outbound proxy when there is one.
  const agents = outboundProxy().nodeAgents();
  const agent = secure ? agents.httpsAgent : agents.httpAgent;
  const send = secure ? httpsRequest : httpRequest;
  const authorization = `Bearer ${env.SLACK_BOT_TOKEN}`;

  function post(body: string, deadline: number): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        authorization,
      };
      const sent = send(url, { method: 'POST', agent, headers }, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      const timer = setTimeout(
        () =>
          sent.destroy(
            new SlackViewError('timeout', `Slack did not answer views.open within ${windowMs} ms`),
          ),
        Math.max(0, deadline - Date.now()),
      );
      sent.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(Object.assign(error, { onReusedSocket: sent.reusedSocket }));
      });
      sent.end(body);
    });
  }

  async function postWithinWindow(body: string): Promise<Reply> {
    const deadline = Date.now() + windowMs;
    try {
      return await post(body, deadline);
    } catch (error) {
      // A kept-alive connection Slack closed while idle fails on first use. That try almost
      // always never reached Slack; if it did, the second answers that the trigger was used,
      // which reads as "too late" to the person, not as a second form.
      const failure = error as NodeJS.ErrnoException & { onReusedSocket?: boolean };
      const stale = failure.onReusedSocket && (failure.code === 'ECONNRESET' || failure.code === 'EPIPE');
      if (stale && Date.now() < deadline) return post(body, deadline);
      throw error;
    }
  }

  return {
    async open(triggerId, view) {
      let reply: Reply;
      try {
        reply = await postWithinWindow(JSON.stringify({ trigger_id: triggerId, view }));
      } catch (error) {
        if (error instanceof SlackViewError) throw error;
        throw new SlackViewError(
          'unreachable',
          `could not reach Slack for views.open: ${describeError(error)}`,
        );
      }
      throwUnlessOpened(reply);
    },
    close: () => {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    },
  };
}

function throwUnlessOpened(reply: Reply): void {
  if (reply.status === 429) {
    throw new SlackViewError(
      'ratelimited',
      `Slack rate-limited views.open (Retry-After ${reply.retryAfter ?? 'not given'} s)`,
    );
  }
  if (reply.status !== 200) {
    throw new SlackViewError(`http_${reply.status}`, `Slack answered views.open with HTTP ${reply.status}`);
  }
  let answer: SlackAnswer;
  try {
    answer = JSON.parse(reply.text) as SlackAnswer;
  } catch {
    throw new SlackViewError('invalid_response', 'Slack answered views.open with something other than JSON');
  }
  if (answer.ok === true) return;
  const code = answer.error ?? 'unknown_error';
  const details = answer.response_metadata?.messages?.join('; ');
  throw new SlackViewError(code, `Slack refused views.open: ${code}${details ? ` (${details})` : ''}`);
}
