/**
 * The message approvers act on, in their DMs and in a target's approval channel. It is posted
 * while the request is pending and updated in place after each decision, so the buttons vanish
 * for everyone at once and nobody clicks a request that is already decided.
 */
import type { KnownBlock } from '@slack/types';
import { ACTIONS } from '../ids.js';
import { formatTime } from '../mrkdwn.js';
import { actions, button, context, header, message, section } from './elements.js';
import { policyBlocks } from './policy-blocks.js';
import {
  accessBlocks,
  approvalProgress,
  askLine,
  askSummary,
  type OutcomeOptions,
  outcomeLine,
  reasonSections,
  requestContextLine,
  STATUS_WORDS,
} from './request-parts.js';
import type { RequestView, SlackMessage } from './types.js';

export type ApprovalMessageOptions = OutcomeOptions;

function decisionBlocks(view: RequestView, options: ApprovalMessageOptions): KnownBlock[] {
  const outcome = outcomeLine(view, options);
  if (outcome) return [section(outcome)];
  const progress = approvalProgress(view);
  const id = view.request.id;
  // No confirm dialog on Deny: it opens the deny-reason modal, which is its own chance to back out.
  const buttons = actions(
    button({ text: 'Approve', actionId: ACTIONS.approve, value: id, style: 'primary' }),
    button({ text: 'Deny', actionId: ACTIONS.deny, value: id, style: 'danger' }),
  );
  return progress ? [context(progress), buttons] : [buttons];
}

function fallbackText(view: RequestView): string {
  const summary = askSummary(view);
  const { status } = view.request;
  return status === 'pending' ? summary : `${summary}: ${STATUS_WORDS[status]}`;
}

export function approvalMessage(view: RequestView, options: ApprovalMessageOptions = {}): SlackMessage {
  return message(fallbackText(view), [header('Access request'), ...approvalBody(view, options)]);
}

/**
 * What an approver reads and clicks, below the heading: the same in the DM, the approval channel
 * and the approver's App Home, so a decision is taken on the same facts wherever it is taken.
 */
export function approvalBody(view: RequestView, options: ApprovalMessageOptions = {}): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (view.request.breakglass) blocks.push(context(':rotating_light: *Breakglass request*'));
  blocks.push(section(askLine(view)), ...accessBlocks(view.target));
  const { permissions } = view.request;
  if (permissions) blocks.push(...policyBlocks(view.request.id, permissions, view.request.durationSeconds));
  if (view.hasAccessUntil && view.request.status === 'pending') {
    blocks.push(
      context(
        `:information_source: Already has this access until ${formatTime(view.hasAccessUntil)}: approving extends it.`,
      ),
    );
  }
  blocks.push(...reasonSections(view), ...decisionBlocks(view, options), context(requestContextLine(view)));
  return blocks;
}

/**
 * The reminder in the thread of an approver's message, whose buttons still work: short, because
 * the message it answers says everything else.
 */
export function approvalReminder(view: RequestView): SlackMessage {
  const expires = view.request.decideBy
    ? ` It expires ${formatTime(view.request.decideBy)} if nobody decides.`
    : '';
  const text = `:hourglass_flowing_sand: Still waiting for a decision: ${askSummary(view)}.${expires}`;
  return message(text, [section(text), context(requestContextLine(view))]);
}
