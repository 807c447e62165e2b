import type { RespondFn } from '@slack/bolt';
import type { Logger } from '../../log/logger.js';
import { problemReply } from '../blocks/command-replies.js';
import type { SlackMessage } from '../blocks/types.js';

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

/**
 * Runs the work behind a click or command after its ack. An unexpected failure is logged and the
 * person is told that nothing changed, instead of silence.
 */
export async function answerSafely(
  logger: Logger,
  respond: RespondFn,
  what: string,
  work: () => Promise<void>,
) {
  try {
    await work();
  } catch (error) {
    logger.error({ err: error }, `${what} failed`);
    await tellProblem(
      respond,
      'jitbot could not do that just now, and nothing was changed. Try again in a minute.',
    ).catch((replyError: unknown) =>
      logger.warn({ err: replyError }, 'could not tell the person about the failure'),
    );
  }
}
