/**
 * A valid request that was not created (submit-checks), in words: as an ephemeral reply to the
 * slash command, and as plain text for the request form's field error. Only the requester sees
 * either; nobody else is told.
 */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { SubmitRefusal } from '../../workflow/submit-request.js';
import { ACTIONS, slashCommand } from '../ids.js';
import { escapeMrkdwn, formatTime, readableTime } from '../mrkdwn.js';
import { actions, button, context, message, section } from './elements.js';
import { plural } from './request-parts.js';
import type { SlackMessage } from './types.js';

export type LimitRefusal = Exclude<SubmitRefusal, { type: 'duplicate' }>;

/** How a time is written: a Slack date token in mrkdwn, UTC in plain text (no tokens render there). */
type TimeWriter = (date: Date) => string;

/** The sentence, with the target's name and the time written for where it goes. */
function sentence(refusal: LimitRefusal, time: TimeWriter, name: string): string {
  switch (refusal.type) {
    case 'has-access':
      return refusal.extendable
        ? `You already have ${name} until ${time(refusal.until)}; ask for more time with Extend, which needs an approver.`
        : `You already have ${name} until ${time(refusal.until)}. Nobody approves it, so it cannot be extended: ask again once it has ended.`;
    case 'rate-limited':
      return `You made ${plural(refusal.requests, 'request')} in the last ${formatDuration(refusal.perSeconds)}; try again after ${time(refusal.retryAt)}.`;
    case 'too-many-pending': {
      // Request ids and the command hold no mrkdwn characters: the same words serve both forms.
      const waiting = plural(refusal.pendingIds.length, 'request');
      const example = `${slashCommand()} cancel ${refusal.pendingIds[0] ?? 'REQ-…'}`;
      return `You have ${waiting} waiting for approval; cancel one with \`${example}\` or wait.`;
    }
  }
}

/** The ephemeral reply to the slash command; has-access offers Extend right there when it can help. */
export function refusalReply(refusal: LimitRefusal): SlackMessage {
  const name = `*${escapeMrkdwn(refusal.target.name)}*`;
  const blocks: KnownBlock[] = [section(`:warning: ${sentence(refusal, formatTime, name)}`)];
  if (refusal.type === 'has-access' && refusal.extendable) {
    const extend = button({
      text: 'Extend',
      actionId: ACTIONS.extend,
      value: refusal.target.id,
      style: 'primary',
    });
    blocks.push(actions(extend));
  }
  if (refusal.type === 'too-many-pending')
    blocks.push(context(`\`${escapeMrkdwn(`${slashCommand()} status`)}\` lists them.`));
  return message(refusalText(refusal), blocks);
}

/** Plain words, for notifications. */
export function refusalText(refusal: LimitRefusal): string {
  return sentence(refusal, readableTime, 'this access');
}

/** Plain words for the request form, which has no Extend button: where to find one. */
export function refusalFieldError(refusal: LimitRefusal): string {
  const text = refusalText(refusal);
  if (refusal.type !== 'has-access' || !refusal.extendable) return text;
  const ask = `${slashCommand()} ${refusal.target.id} <duration> <why>`;
  return `${text} Extend is on jitbot's expiry warning, and in the answer to ${ask}.`;
}
