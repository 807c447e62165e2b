/**
 * What the requester hears about their access once it exists: granted (or extended, or already
 * theirs), the warning before it ends, and the notice that it ended. Admin alerts live here too:
 * they are about the same grants.
 */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { AdminAlert, GrantNotice } from '../../workflow/job-kinds.js';
import { ACTIONS, slashCommand } from '../ids.js';
import { escapeMrkdwn, formatTime, mention, quote, readableTime } from '../mrkdwn.js';
import { actions, button, context, header, message, section } from './elements.js';
import { endedBy, requestContextLine, targetLabel } from './request-parts.js';
import type { GrantSummary, RequestView, SlackMessage, TargetSummary } from './types.js';

export function revokeButton(grant: Pick<GrantSummary, 'id'>) {
  return button({ text: 'Revoke now', actionId: ACTIONS.revokeNow, value: grant.id, style: 'danger' });
}

/** Extend asks again; a generated policy's names the grant, so the new request keeps exactly its permissions. */
export function extendButton(target: TargetSummary, grant: Pick<GrantSummary, 'id'>) {
  return button({
    text: 'Extend',
    ...(target.permissionBounds
      ? { actionId: ACTIONS.extendGrant, value: grant.id }
      : { actionId: ACTIONS.extend, value: target.id }),
    style: 'primary',
  });
}

function accessLine(view: RequestView, grant: GrantSummary, notice: GrantNotice): string {
  const what = targetLabel(view.target);
  const until = formatTime(grant.expiresAt);
  switch (notice) {
    case 'granted':
      return `:unlock: You now have ${what} until *${until}*. Changes can take a minute or two to take effect.`;
    case 'extended':
      return `:arrows_clockwise: Your access to ${what} now lasts until *${until}*.`;
    case 'pre-existing':
      return (
        `:information_source: You already had ${what} outside jitbot, so jitbot changed nothing ` +
        `and will leave it in place when this grant ends at ${until}.`
      );
    default:
      return `:unlock: Your access to ${what} lasts until *${until}*.`;
  }
}

/** The DM that access is in place; a grant jitbot applied can be ended from it. */
export function accessNotice(view: RequestView, grant: GrantSummary, notice: GrantNotice): SlackMessage {
  const blocks: KnownBlock[] = [section(accessLine(view, grant, notice))];
  const { signIn, sessions } = view.target;
  if (notice === 'granted' && (signIn || sessions))
    blocks.push(
      context(
        [signIn, sessions]
          .filter(Boolean)
          .map((line) => escapeMrkdwn(String(line)))
          .join('\n'),
      ),
    );
  if (!grant.preExisting && grant.status === 'active') blocks.push(actions(revokeButton(grant)));
  blocks.push(context(requestContextLine(view)));
  const text = `Access to ${escapeMrkdwn(view.target.name)} until ${readableTime(grant.expiresAt)}`;
  return message(text, blocks);
}

/**
 * The warning before expiry. Its buttons exist only while the grant is active: after it ends the
 * message is updated in place and says so.
 */
export function expiryWarning(view: RequestView, grant: GrantSummary, now: Date = new Date()): SlackMessage {
  const what = targetLabel(view.target);
  const text = `Your access to ${escapeMrkdwn(view.target.name)} ends at ${readableTime(grant.expiresAt)}`;
  if (grant.status !== 'active') {
    return message(text, [section(`:lock: Your access to ${what} has ended (${endedBy(grant)}).`)]);
  }
  const left = Math.max(60, Math.round((grant.expiresAt.getTime() - now.getTime()) / 1000));
  const ends = section(
    `:hourglass_flowing_sand: Your access to ${what} ends at *${formatTime(grant.expiresAt)}* (in about ${formatDuration(Math.round(left / 60) * 60)}).`,
  );
  const extend = extendButton(view.target, grant);
  return message(text, [
    ends,
    context('*Extend* asks for more time: a new request that the approvers decide.'),
    actions(extend, revokeButton(grant)),
    context(requestContextLine(view)),
  ]);
}

/** The DM that access ended. For pre-existing access, that jitbot left it in place. */
export function revokedNotice(view: RequestView, grant: GrantSummary): SlackMessage {
  const what = targetLabel(view.target);
  const line = grant.preExisting
    ? `:information_source: jitbot's grant of ${what} ended. You keep the access you had before; jitbot did not touch it.`
    : `:lock: Your access to ${what} has ended (${endedBy(grant)}). Ask again with \`${slashCommand()}\` if you need it.`;
  return message(`Your access to ${escapeMrkdwn(view.target.name)} has ended`, [
    section(line),
    context(requestContextLine(view)),
  ]);
}

const ALERT_HEADLINES: Record<AdminAlert, string> = {
  'grant-failed': 'A grant failed',
  'revoke-failing': 'A revocation keeps failing: jitbot keeps retrying',
  'target-missing': 'A revocation cannot run: its target left the catalog',
  'target-changed': 'A revocation cannot run: its target moved to another account or org',
};

const ALERT_HINTS: Record<AdminAlert, string> = {
  'grant-failed':
    'The requester and the approvers were told. Fix the cause, then the requester can ask again.',
  'revoke-failing':
    'The access is still in place. jitbot retries until it succeeds; fix the cause (often the connector role) or take the access away by hand.',
  'target-missing':
    'The access is still in place. Put the target back in the catalog, or take the access away by hand.',
  'target-changed':
    'The access is still in place. Put the target back in its account until the grant has ended, then move it; or take the access away by hand.',
};

/** An operational alert for the admin channel: what happened, to whom, and what to do. */
export function adminAlert(view: RequestView, alert: AdminAlert, error: string): SlackMessage {
  const who = mention(view.request.requesterId);
  const headline = ALERT_HEADLINES[alert];
  return message(`:rotating_light: ${headline}: ${escapeMrkdwn(view.target.name)} for ${who}`, [
    header(`:rotating_light: ${headline}`),
    section(`${targetLabel(view.target)} for ${who}\n${quote(escapeMrkdwn(error))}`),
    context(ALERT_HINTS[alert]),
    context(requestContextLine(view)),
  ]);
}
