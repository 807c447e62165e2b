/** Ephemeral replies to `/request-aws-access`: help, list, status and problems. */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import { slashCommand } from '../ids.js';
import { escapeMrkdwn, formatTime, mentionList, truncate } from '../mrkdwn.js';
import { context, message, section } from './elements.js';
import { approvalProgress, plural, requestIdCode, targetLabel } from './request-parts.js';
import type { RequestView, SlackMessage, TargetSummary } from './types.js';

/** `/request-aws-access <target-id>` in code, escaped: `<target-id>` would otherwise be read as a link. */
function usage(args = ''): string {
  return `\`${escapeMrkdwn(`${slashCommand()}${args ? ` ${args}` : ''}`)}\``;
}

export function helpReply(): SlackMessage {
  const lines = [
    '*Ask for just-in-time access*',
    `• ${usage()} opens the request form`,
    `• ${usage('<target-id> <duration> <justification…>')} asks without the form, e.g. ${usage('prod-admin 2h INC-1234 reading logs')}`,
    `• ${usage('list')} shows what you may request`,
    `• ${usage('status')} shows your pending requests and active access`,
    `• ${usage('cancel <request-id>')} cancels a pending request`,
    `• ${usage('help')} shows this`,
  ];
  return message(`How to use ${slashCommand()}`, [section(lines.join('\n'))]);
}

// One section per target; the cap keeps a long catalog under Slack's 50 blocks per message.
const LIST_MAX = 40;

function targetEntry(target: TargetSummary): string {
  const facts = [`up to ${formatDuration(target.maxSeconds)}`];
  const approvers = mentionList(target.approverUsers, target.approverGroups);
  if (approvers) facts.push(`${plural(target.approvalsRequired, 'approval')} from ${approvers}`);
  if (target.breakglass) facts.push(':rotating_light: breakglass');
  const description = target.description ? `\n${escapeMrkdwn(truncate(target.description, 300))}` : '';
  return `\`${escapeMrkdwn(target.id)}\` ${targetLabel(target)}${description}\n${facts.join(' · ')}`;
}

export function listReply(targets: readonly TargetSummary[]): SlackMessage {
  if (targets.length === 0) {
    const none =
      "There are no targets you may request. Ask your jitbot admins to add you to a target's requesters.";
    return message(none, [section(none)]);
  }
  const blocks: KnownBlock[] = [section(`*You may request ${plural(targets.length, 'target')}*`)];
  blocks.push(...targets.slice(0, LIST_MAX).map((target) => section(targetEntry(target))));
  if (targets.length > LIST_MAX) blocks.push(context(`…and ${targets.length - LIST_MAX} more not shown.`));
  blocks.push(context(`Ask with ${usage()} or ${usage('<target-id> <duration> <justification…>')}`));
  return message(`You may request ${plural(targets.length, 'target')}`, blocks);
}

export interface ActiveGrantSummary {
  readonly targetName: string;
  readonly expiresAt: Date;
  readonly requestId: string;
}

export interface StatusReplyInput {
  readonly pending: readonly RequestView[];
  readonly active: readonly ActiveGrantSummary[];
}

// Each list is one section; the cap keeps it well under the 3000 characters of a section.
const STATUS_MAX = 10;

/** `*Heading*` and a bullet per item, with a count of what did not fit. */
function bulletList(heading: string, items: readonly string[]): string {
  const shown = items.slice(0, STATUS_MAX).map((item) => `• ${item}`);
  if (items.length > STATUS_MAX) shown.push(`…and ${items.length - STATUS_MAX} more`);
  return [`*${heading}*`, ...shown].join('\n');
}

function pendingItem(view: RequestView): string {
  const { request, target } = view;
  const progress = approvalProgress(view);
  const line = `${requestIdCode(request.id)} ${targetLabel(target)} for ${formatDuration(request.durationSeconds)}`;
  return progress ? `${line} · ${progress}` : line;
}

function activeItem(grant: ActiveGrantSummary): string {
  return `*${escapeMrkdwn(grant.targetName)}* until ${formatTime(grant.expiresAt)} (${requestIdCode(grant.requestId)})`;
}

export function statusReply({ pending, active }: StatusReplyInput): SlackMessage {
  if (pending.length === 0 && active.length === 0) {
    const none = 'You have no pending requests and no active access.';
    return message(none, [section(none)]);
  }
  const blocks: KnownBlock[] = [];
  if (pending.length > 0) blocks.push(section(bulletList('Waiting for approval', pending.map(pendingItem))));
  if (active.length > 0) blocks.push(section(bulletList('Active access', active.map(activeItem))));
  return message(
    `${plural(pending.length, 'pending request')}, ${plural(active.length, 'active grant')}`,
    blocks,
  );
}

/**
 * Something went wrong or was refused. Both parts are escaped whole: they are sentences from the
 * errors-to-words module and may quote what the person typed.
 */
export function problemReply(problem: string, hint?: string): SlackMessage {
  const blocks: KnownBlock[] = [section(`:warning: ${escapeMrkdwn(problem)}`)];
  if (hint) blocks.push(context(escapeMrkdwn(hint)));
  return message(escapeMrkdwn(problem), blocks);
}

/** `a, b, c and 4 more`: long lists of valid choices would drown the message. */
export function choiceList(choices: readonly string[], max = 15): string {
  const shown = choices.slice(0, max).join(', ');
  return choices.length > max ? `${shown} and ${choices.length - max} more` : shown;
}

/** A target id that is not one this person may request, with the ones they may. */
export function unknownTargetReply(typed: string, validIds: readonly string[]): SlackMessage {
  const problem = `There is no target "${truncate(typed, 100)}" that you may request.`;
  const hint = validIds.length > 0 ? `Choose one of: ${choiceList(validIds)}` : `See ${slashCommand()} list`;
  return problemReply(problem, hint);
}
