/**
 * The admin-channel notice for breakglass access: granted without approval, so it is loud, and it
 * keeps its Reviewed button until an admin has looked at it.
 */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import { ACTIONS } from '../ids.js';
import { escapeMrkdwn, mention } from '../mrkdwn.js';
import { actions, button, context, header, message, section } from './elements.js';
import {
  accessBlocks,
  outcomeLine,
  principalPhrase,
  reasonSections,
  requestContextLine,
  targetLabel,
} from './request-parts.js';
import type { RequestView, SlackMessage } from './types.js';

function reviewBlocks(view: RequestView, reviewedBy: string | undefined): KnownBlock[] {
  if (reviewedBy) return [section(`:white_check_mark: Reviewed by ${mention(reviewedBy)}`)];
  const reviewed = button({ text: 'Reviewed', actionId: ACTIONS.breakglassReviewed, value: view.request.id });
  return [actions(reviewed)];
}

export function breakglassNotice(view: RequestView, reviewedBy?: string): SlackMessage {
  const { request, target } = view;
  const duration = formatDuration(request.durationSeconds);
  const who = mention(request.requesterId);
  // Only a failed grant changes the story; an approved breakglass request is the normal case.
  const failed = request.status === 'failed' ? outcomeLine(view) : undefined;
  const blocks: KnownBlock[] = [
    header(':rotating_light: Breakglass access'),
    section(
      `${who} used breakglass for ${targetLabel(target)} for *${duration}*${principalPhrase(request, true)}, without approval.`,
    ),
    ...accessBlocks(target),
    ...reasonSections(view),
    ...(failed ? [section(failed)] : []),
    ...reviewBlocks(view, reviewedBy),
    context(requestContextLine(view)),
  ];
  const text = `:rotating_light: Breakglass: ${who} used breakglass for ${escapeMrkdwn(target.name)} for ${duration}${principalPhrase(request)}`;
  return message(text, blocks);
}
