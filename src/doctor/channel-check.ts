import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Catalog } from '../domain/catalog.js';
import { describeError, field } from '../errors.js';
import { type CheckLine, fail, pass, skip } from './report.js';

/** conversations.info needs both: channels:read for public channels, groups:read for private ones. */
export const CHANNEL_SCOPES = ['channels:read', 'groups:read'] as const;

const INVITE = 'invite jitbot to the channel (/invite @jitbot)';

/** Every channel jitbot posts to, with what the catalog uses it for. */
function channelsOf(catalog: Catalog): Map<string, string[]> {
  const uses = new Map<string, string[]>([[catalog.settings.adminChannel, ['adminChannel']]]);
  for (const target of catalog.targets) {
    if (target.approvalChannel === undefined) continue;
    const list = uses.get(target.approvalChannel) ?? [];
    list.push(`approvalChannel of ${target.id}`);
    uses.set(target.approvalChannel, list);
  }
  return uses;
}

function slackError(error: unknown): string | undefined {
  const code = field(field(error, 'data'), 'error');
  return field(error, 'code') === ErrorCode.PlatformError && typeof code === 'string' ? code : undefined;
}

async function channelLine(client: WebClient, channel: string, uses: string[]): Promise<CheckLine> {
  const name = `slack channel ${channel}`;
  const usedAs = uses.join(', ');
  try {
    const { channel: info } = await client.conversations.info({ channel });
    const shown = info?.name ? `#${info.name}` : channel;
    if (info?.is_archived)
      return fail(
        name,
        `${shown} (${usedAs}) is archived: nothing can be posted there`,
        'unarchive it, or put another channel in the catalog',
      );
    if (info?.is_member !== true)
      return fail(
        name,
        `jitbot is not a member of ${shown} (${usedAs}), so its messages there would fail (not_in_channel)`,
        `${INVITE} in ${shown}`,
      );
    return pass(name, `jitbot is a member of ${shown} (${usedAs})`);
  } catch (error) {
    const code = slackError(error);
    if (code === 'channel_not_found')
      return fail(
        name,
        `Slack shows jitbot no channel ${channel} (${usedAs}): a private channel jitbot is not in, or a wrong id`,
        `${INVITE}, or correct the id in the catalog (the channel's details > About shows it)`,
      );
    return fail(
      name,
      `Slack answered conversations.info about ${channel} (${usedAs}) with ${code ?? describeError(error)}`,
      code === 'missing_scope'
        ? `add ${CHANNEL_SCOPES.join(' and ')} under OAuth & Permissions and reinstall the app`
        : 'check the channel id in the catalog and run jitbot doctor again',
    );
  }
}

/**
 * conversations.info for the admin channel and every approval channel: jitbot must be a member
 * of each to post there (chat:write alone does not let it into a channel).
 */
export async function checkChannels(
  client: WebClient,
  catalog: Catalog,
  grantedScopes: readonly string[] | undefined,
): Promise<CheckLine[]> {
  const channels = [...channelsOf(catalog)];
  const lacking = CHANNEL_SCOPES.filter(
    (scope) => grantedScopes !== undefined && !grantedScopes.includes(scope),
  );
  if (lacking.length > 0)
    return channels.map(([channel]) =>
      skip(`slack channel ${channel}`, `not checked: the token lacks ${lacking.join(' and ')}`),
    );
  return Promise.all(channels.map(([channel, uses]) => channelLine(client, channel, uses)));
}
