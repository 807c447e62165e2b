import type { Target } from '../../domain/catalog.js';
import { formatDuration } from '../../domain/duration.js';
import type { CancelOutcome } from '../../workflow/cancel-request.js';
import type { DecideOutcome } from '../../workflow/decide-request.js';
import type { SubmitOutcome } from '../../workflow/submit-request.js';
import { problemReply, unknownTargetReply } from '../blocks/command-replies.js';
import { message, section } from '../blocks/elements.js';
import { refusalReply } from '../blocks/refusal-replies.js';
import { duplicateRequestNotice } from '../blocks/requester-messages.js';
import type { SlackMessage } from '../blocks/types.js';
import { slashCommand } from '../ids.js';
import { escapeMrkdwn } from '../mrkdwn.js';

/** The one place outcomes become words for Slack. */
export function submitReply(
  outcome: SubmitOutcome,
  typedTarget: string,
  validIds: readonly string[],
): SlackMessage {
  switch (outcome.type) {
    case 'submitted':
      return confirmation(
        `Request ${outcome.request.id} for *${escapeMrkdwn(outcome.target.name)}* (${formatDuration(outcome.request.durationSeconds)}) is waiting for approval. I'll DM you when it is decided.`,
      );
    case 'approved':
      return confirmation(
        outcome.via === 'breakglass'
          ? `Breakglass: ${outcome.request.id} for *${escapeMrkdwn(outcome.target.name)}* is approved at once, and the admins have been told. Access is being set up.`
          : `${outcome.request.id} for *${escapeMrkdwn(outcome.target.name)}* is approved automatically. Access is being set up.`,
      );
    case 'duplicate':
      return duplicateRequestNotice(outcome.existing, outcome.target.name);
    case 'has-access':
    case 'rate-limited':
    case 'too-many-pending':
      return refusalReply(outcome);
    case 'unknown-target':
      return unknownTargetReply(typedTarget, validIds);
    case 'not-allowed':
      return notAllowedReply(outcome.target);
    case 'not-extendable':
      return problemReply(outcome.reason);
    case 'invalid':
      return problemReply(
        Object.values(outcome.problems).join('. '),
        `${slashCommand()} list shows each target's longest duration.`,
      );
  }
}

export function notAllowedReply(target: Target): SlackMessage {
  return problemReply(
    `You are not among the people who may request ${target.name}.`,
    `Ask your jitbot admins to add you to its requesters; ${slashCommand()} list shows what you may request.`,
  );
}

function confirmation(text: string): SlackMessage {
  return message(text.replace(/\*/g, ''), [section(`:hourglass_flowing_sand: ${text}`)]);
}

const REFUSALS = {
  'not-an-approver': 'You are not an approver for this target, so your click changed nothing.',
  'own-request': 'You cannot decide your own request: another approver has to.',
  'already-voted': 'You have already approved this request; it needs another approver.',
} as const;

/** Words for a decision that did not go through; undefined when there is nothing to say. */
export function decisionProblem(outcome: DecideOutcome): string | undefined {
  switch (outcome.type) {
    case 'refused':
      return REFUSALS[outcome.reason];
    case 'already-decided':
      return `${outcome.request.id} was already ${outcome.request.status}; nothing changed.`;
    case 'not-found':
      return 'That request does not exist any more.';
    case 'target-gone':
      return `${outcome.request.targetId} is no longer in the catalog, so its requests cannot be decided.`;
    default:
      return undefined;
  }
}

export function cancelReply(outcome: CancelOutcome, requestId: string): SlackMessage {
  switch (outcome.type) {
    case 'cancelled':
      return confirmation(`${requestId} is cancelled.`);
    case 'already-decided':
      return problemReply(`${requestId} was already ${outcome.request.status}, so it cannot be cancelled.`);
    case 'not-yours':
      return problemReply(`${requestId} is someone else's request: only the requester can cancel it.`);
    case 'not-found':
      return problemReply(`There is no request ${requestId}.`, `${slashCommand()} status lists yours.`);
  }
}
