import { ErrorCode, WebClient } from '@slack/web-api';
import type { Env } from '../config/env.js';
import type { Catalog } from '../domain/catalog.js';
import { describeError, field } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { boltLogger } from '../slack/bolt-logger.js';
import { proxiedFetch } from '../slack/clients.js';
import { compareScopes, REQUIRED_BOT_SCOPES } from '../slack/scopes.js';
import { checkChannels } from './channel-check.js';
import { type CheckLine, fail, pass, skip, warn } from './report.js';

const TOKEN = 'slack token';
const SCOPES = 'slack scopes';
const REJECTED = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);

/** The innermost reason of a request error: the WebClient wraps fetch's error, which wraps the socket's. */
function rootReason(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const next = field(current, 'original') ?? field(current, 'cause');
    if (next === undefined) break;
    current = next;
  }
  // AbortSignal.timeout from the WebClient's `timeout` option.
  if (field(current, 'name') === 'TimeoutError') return 'no answer in time';
  const code = field(current, 'code');
  if (typeof code === 'string') return code;
  return describeError(current);
}

function list(scopes: readonly string[]): string {
  return scopes.join(', ');
}

function authFailure(error: unknown, env: Env): CheckLine {
  const slackError = field(field(error, 'data'), 'error');
  if (field(error, 'code') === ErrorCode.PlatformError && typeof slackError === 'string') {
    if (REJECTED.has(slackError)) {
      return fail(
        TOKEN,
        `Slack rejected SLACK_BOT_TOKEN (${slackError})`,
        'copy the Bot User OAuth Token from your Slack app (OAuth & Permissions) into SLACK_BOT_TOKEN',
      );
    }
    return fail(TOKEN, `Slack answered auth.test with ${slackError}`, 'check SLACK_BOT_TOKEN and the app');
  }
  const where = env.SLACK_API_URL ?? 'https://slack.com/api/';
  const reason = rootReason(error);
  return fail(
    TOKEN,
    `could not reach Slack at ${where}: ${reason}`,
    `check that this machine can reach it over HTTPS (proxy, firewall, DNS)${env.SLACK_API_URL ? ', and SLACK_API_URL' : ''}`,
  );
}

/** Slack sends the token's scopes in the x-oauth-scopes header; the WebClient puts them here. */
export function scopeLines(granted: readonly string[] | undefined): CheckLine[] {
  if (granted === undefined) {
    return [
      warn(
        SCOPES,
        'Slack did not say which scopes the token has',
        `check under OAuth & Permissions that the bot has ${list(REQUIRED_BOT_SCOPES)}`,
      ),
    ];
  }
  const { missing, extra } = compareScopes(granted);
  const lines: CheckLine[] = [];
  if (missing.length > 0) {
    lines.push(
      fail(
        SCOPES,
        `the token lacks ${list(missing)}`,
        `add ${list(missing)} under OAuth & Permissions > Bot Token Scopes (or paste slack/manifest.yaml again under App Manifest), ` +
          'then reinstall the app after adding it under OAuth & Permissions ("Reinstall to Workspace"); if the token changes, update SLACK_BOT_TOKEN',
      ),
    );
  } else {
    lines.push(pass(SCOPES, `all ${REQUIRED_BOT_SCOPES.length} present`));
  }
  if (extra.length > 0) {
    lines.push(
      warn(
        'slack extra scopes',
        `the token also has ${list(extra)}, which jitbot does not use`,
        'remove them under OAuth & Permissions and reinstall the app, so a leaked token can do less',
      ),
    );
  }
  return lines;
}

/** The command people type, as this installation answers it: the app's manifest must declare the same. */
function commandWords(env: Env): string {
  const source = env.SLACK_COMMAND === '/request-aws-access' ? 'the default' : 'SLACK_COMMAND';
  return `answers ${env.SLACK_COMMAND} (${source}), which the app's manifest must declare (jitbot manifest prints one that does)`;
}

/**
 * auth.test proves the token, and its response headers carry the token's scopes; then
 * conversations.info shows whether jitbot is in every channel the catalog names.
 */
export async function checkSlack(
  env: Env,
  catalog: Catalog,
  logger: Logger,
  timeoutMs: number,
): Promise<CheckLine[]> {
  const client = new WebClient(env.SLACK_BOT_TOKEN, {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    ...proxiedFetch(),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logger: boltLogger(logger),
  });
  let result: Awaited<ReturnType<typeof client.auth.test>>;
  try {
    result = await client.auth.test();
  } catch (error) {
    return [
      authFailure(error, env),
      skip(SCOPES, 'not checked: needs a working token'),
      skip('slack channels', 'not checked: needs a working token'),
    ];
  }
  const who = `works: bot ${result.user ?? result.user_id ?? '?'} in ${result.team ?? result.team_id ?? '?'}; ${commandWords(env)}`;
  const scopes = result.response_metadata?.scopes;
  return [pass(TOKEN, who), ...scopeLines(scopes), ...(await checkChannels(client, catalog, scopes))];
}
