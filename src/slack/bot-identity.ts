import type { AuthorizeResult } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

export interface BotIdentity {
  /** Bolt's authorize hook: answers from memory, so no request waits on auth.test. */
  authorize(): Promise<AuthorizeResult>;
  /** The workspace auth.test named; undefined until it answered (or when it refused the token). */
  teamId(): string | undefined;
  /** Calls auth.test until it answers, then remembers who the bot is. Never throws. */
  verify(): Promise<void>;
  stop(): void;
}

const FIRST_RETRY_MS = 2000;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * Learns the bot's own ids in the background. A wrong token is logged loudly with the fix;
 * Slack being unreachable is retried with backoff. Requests are served meanwhile.
 */
export function createBotIdentity(client: WebClient, botToken: string, logger: Logger): BotIdentity {
  let known: { botId?: string; botUserId?: string; teamId?: string } = {};
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function attempt(): Promise<'done' | 'retry'> {
    try {
      const result = await client.auth.test();
      known = { botId: result.bot_id, botUserId: result.user_id, teamId: result.team_id };
      logger.info({ team: result.team, botUserId: result.user_id }, 'connected to Slack');
      return 'done';
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (
        code === 'invalid_auth' ||
        code === 'not_authed' ||
        code === 'account_inactive' ||
        code === 'token_revoked'
      ) {
        logger.error(
          `Slack rejected SLACK_BOT_TOKEN (${code}): jitbot cannot answer anyone until it is fixed. ` +
            'Copy the Bot User OAuth Token from your Slack app (OAuth & Permissions) and restart.',
        );
        return 'done';
      }
      logger.warn(`could not reach Slack to check the bot token (${describeError(error)}); retrying`);
      return 'retry';
    }
  }

  return {
    async authorize() {
      return { botToken, ...known };
    },
    teamId() {
      return known.teamId;
    },
    async verify() {
      let delay = FIRST_RETRY_MS;
      while (!stopped && (await attempt()) === 'retry') {
        await new Promise((resolve) => {
          timer = setTimeout(resolve, delay);
        });
        delay = Math.min(MAX_RETRY_MS, delay * 2);
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
