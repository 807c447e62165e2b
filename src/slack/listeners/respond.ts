import type { RespondFn } from '@slack/bolt';
import type { Logger } from '../../log/logger.js';
import { problemReply } from '../blocks/command-replies.js';
import { message, section } from '../blocks/elements.js';
import type { SlackMessage } from '../blocks/types.js';
import { isUserGroupUnavailable } from '../user-groups.js';
import { isTriggerSpent } from '../view-opener.js';

export const UNREADABLE_CLICK =
  'jitbot could not read that click, so nothing changed. Try again, or use /request-aws-access status.';

/** An ephemeral reply that never replaces the message the person clicked on. */
export async function replyEphemeral(respond: RespondFn, body: SlackMessage): Promise<void> {
  await respond({
    response_type: 'ephemeral',
    replace_original: false,
    text: body.text,
    blocks: body.blocks,
  });
}

export function tellProblem(respond: RespondFn, problem: string): Promise<void> {
  return replyEphemeral(respond, problemReply(problem));
}

const TRY_AGAIN = 'jitbot could not do that just now, and nothing was changed. Try again in a minute.';
const FORM_TOO_LATE =
  'Slack gives a form 3 seconds to open and jitbot was too slow this time, so nothing was changed. ' +
  'Run the command (or click the button) again.';

/** What to tell the person when the work behind their click or command threw. */
function failureReply(error: unknown): SlackMessage {
  // The words name the group as a mention, so they are built here rather than escaped by problemReply.
  if (isUserGroupUnavailable(error)) return message(error.words, [section(`:warning: ${error.words}`)]);
  return problemReply(isTriggerSpent(error) ? FORM_TOO_LATE : TRY_AGAIN);
}

/** Lets the acks of requests already read go out first; see answerSafely. */
function afterPendingAcks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs the work behind a click or command after its ack. An unexpected failure is logged and the
 * person is told that nothing changed, instead of silence.
 *
 * The work starts only once the event loop has read what else has arrived: a burst of commands
 * then gets all its acks before any of them starts its Web API, database or AWS calls, instead
 * of each ack waiting behind the calls of the commands read before it.
 */
export async function answerSafely(
  logger: Logger,
  respond: RespondFn,
  what: string,
  work: () => Promise<void>,
) {
  await afterPendingAcks();
  try {
    await work();
  } catch (error) {
    logger.error({ err: error }, `${what} failed`);
    await replyEphemeral(respond, failureReply(error)).catch((replyError: unknown) =>
      logger.warn({ err: replyError }, 'could not tell the person about the failure'),
    );
  }
}
