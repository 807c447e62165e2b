import type { RespondFn } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Logger } from '../../log/logger.js';
import { problemReply } from '../blocks/command-replies.js';
import { message, plainText, section } from '../blocks/elements.js';
import { SLACK_LIMITS } from '../blocks/limits.js';
import type { SlackMessage } from '../blocks/types.js';
import { slashCommand } from '../ids.js';
import { isUserGroupUnavailable } from '../user-groups.js';
import { isTriggerSpent, type ViewOpener } from '../view-opener.js';

/** What a click jitbot could not read is answered with. */
export function unreadableClick(): string {
  return `jitbot could not read that click, so nothing changed. Try again, or use ${slashCommand()} status.`;
}

/** Says something to the person whose command, click or shortcut is being answered; only they see it. */
export type Answer = (message: SlackMessage) => Promise<void>;

/** What a click from a view carries instead of a response_url: who clicked, and a trigger for a modal. */
const viewClick = z.object({ user: z.object({ id: z.string() }), trigger_id: z.string().optional() });

function noticeModal(body: SlackMessage): ModalView {
  return {
    type: 'modal',
    title: plainText('jitbot', SLACK_LIMITS.modalTitle),
    close: plainText('Close', SLACK_LIMITS.modalTitle),
    blocks: body.blocks.length > 0 ? body.blocks : [section(body.text)],
  };
}

export interface AnswerArgs {
  readonly body: unknown;
  readonly respond?: RespondFn | undefined;
  readonly client: WebClient;
}

/**
 * Where to answer. A command or a click on a message carries a response_url (`respond`): the
 * answer is ephemeral and never replaces the message clicked on. A click on the App Home or a
 * global shortcut has none, so the answer opens as a small modal, or arrives as a DM when the
 * trigger is spent: never silence.
 */
export function answerTo(
  deps: { readonly views: ViewOpener; readonly logger: Logger },
  args: AnswerArgs,
): Answer {
  const { respond } = args;
  if (respond)
    return async (body) => {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: body.text,
        blocks: body.blocks,
      });
    };
  const click = viewClick.safeParse(args.body);
  return async (body) => {
    if (!click.success) {
      deps.logger.warn('an interaction without a response_url or a user could not be answered');
      return;
    }
    const { trigger_id: trigger, user } = click.data;
    try {
      if (!trigger) throw new Error('no trigger id');
      await deps.views.open(trigger, noticeModal(body));
    } catch {
      await args.client.chat.postMessage({ channel: user.id, text: body.text, blocks: body.blocks });
    }
  };
}

export function tellProblem(answer: Answer, problem: string): Promise<void> {
  return answer(problemReply(problem));
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
export async function answerSafely(logger: Logger, answer: Answer, what: string, work: () => Promise<void>) {
  await afterPendingAcks();
  try {
    await work();
  } catch (error) {
    logger.error({ err: error }, `${what} failed`);
    await answer(failureReply(error)).catch((replyError: unknown) =>
      logger.warn({ err: replyError }, 'could not tell the person about the failure'),
    );
  }
}
