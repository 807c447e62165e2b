/** Direct messages to the person who asked: the receipt they can cancel from, and decisions. */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { AccessRequest, RequestStatus } from '../../domain/request.js';
import { ACTIONS, slashCommand } from '../ids.js';
import { escapeMrkdwn, mention, mentionList, quote } from '../mrkdwn.js';
import { actions, button, context, message, section } from './elements.js';
import {
  approvalProgress,
  type OutcomeOptions,
  outcomeLine,
  plural,
  requestContextLine,
  requestIdCode,
  STATUS_WORDS,
} from './request-parts.js';
import type { RequestView, SlackMessage } from './types.js';

/** `Your request `REQ-…` for *Production admin* (2h)`. */
function yourRequest({ request, target }: RequestView): string {
  const duration = formatDuration(request.durationSeconds);
  return `Your request ${requestIdCode(request.id)} for *${escapeMrkdwn(target.name)}* (${duration})`;
}

/** The same without formatting, for notifications: `Your request REQ-… for Production admin (2h)`. */
function yourRequestText({ request, target }: RequestView): string {
  const duration = formatDuration(request.durationSeconds);
  return `Your request ${escapeMrkdwn(request.id)} for ${escapeMrkdwn(target.name)} (${duration})`;
}

/** `is waiting for approval from <@U1>, <!subteam^S1>; 2 approvals needed`. */
function waitingLine(view: RequestView): string {
  const approvers = mentionList(view.target.approverUsers, view.target.approverGroups);
  const from = approvers ? ` from ${approvers}` : '';
  return `${yourRequest(view)} is waiting for approval${from}; ${plural(view.request.approvalsRequired, 'approval')} needed.`;
}

function receiptBlocks(view: RequestView, options: OutcomeOptions): KnownBlock[] {
  const outcome = outcomeLine(view, options);
  if (outcome) return [section(`${yourRequest(view)}\n${outcome}`)];
  const progress = approvalProgress(view);
  const cancel = button({ text: 'Cancel request', actionId: ACTIONS.cancel, value: view.request.id });
  return [section(waitingLine(view)), ...(progress ? [context(progress)] : []), actions(cancel)];
}

/**
 * The requester's receipt, posted when they ask and updated in place after the decision: the
 * Cancel button exists only while cancelling can still mean something.
 */
export function requestReceipt(view: RequestView, options: OutcomeOptions = {}): SlackMessage {
  const { status } = view.request;
  const text = `${yourRequestText(view)}: ${STATUS_WORDS[status]}`;
  return message(text, [...receiptBlocks(view, options), context(requestContextLine(view))]);
}

export type DecisionOutcome = Exclude<RequestStatus, 'pending'>;

function decisionLine(view: RequestView, outcome: DecisionOutcome): string {
  const mine = yourRequest(view);
  const { decidedBy, decisionReason } = view.request;
  const reason = decisionReason ? `\n${quote(escapeMrkdwn(decisionReason))}` : '';
  switch (outcome) {
    case 'approved': {
      const by = view.approvedBy.length > 0 ? ` by ${mentionList(view.approvedBy)}` : '';
      return `:white_check_mark: ${mine} was approved${by}. Your access is being set up now.`;
    }
    case 'denied': {
      const by = decidedBy ? ` by ${mention(decidedBy)}` : '';
      return `:no_entry: ${mine} was denied${by}.${reason}`;
    }
    case 'expired':
      return `:hourglass: ${mine} expired: nobody decided in time. You can ask again with \`${slashCommand()}\`.`;
    case 'cancelled':
      return `:heavy_minus_sign: ${mine} was cancelled.`;
    case 'failed':
      return view.request.approvedVia
        ? `:warning: ${mine} was approved, but setting up your access failed. Ask your jitbot admins for help.${reason}`
        : `:warning: ${mine} could not be sent for approval.${reason}`;
  }
}

/** A new DM telling the requester what was decided (the receipt is updated too, but silently). */
export function decisionNotice(view: RequestView, outcome: DecisionOutcome): SlackMessage {
  const line = decisionLine(view, outcome);
  return message(`${yourRequestText(view)}: ${STATUS_WORDS[outcome]}`, [section(line)]);
}

/** Ephemeral reply when the person already has a pending request for the same target. */
export function duplicateRequestNotice(existing: AccessRequest, targetName: string): SlackMessage {
  const id = requestIdCode(existing.id);
  const what = `You already have a pending request ${id} for *${escapeMrkdwn(targetName)}*.`;
  const next = `Wait for a decision, or cancel it with \`${slashCommand()} cancel ${escapeMrkdwn(existing.id)}\`.`;
  return message(`You already have a pending request ${escapeMrkdwn(existing.id)}`, [
    section(`${what}\n${next}`),
  ]);
}
