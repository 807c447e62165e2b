import type { App } from '@slack/bolt';
import { cancelRequest } from '../../workflow/cancel-request.js';
import { type ReviewOutcome, reviewBreakglass } from '../../workflow/review-breakglass.js';
import { ACTIONS } from '../ids.js';
import { buttonClick } from '../payloads.js';
import type { ListenerDeps } from './deps.js';
import { cancelReply } from './replies.js';
import { answerSafely, answerTo, tellProblem, unreadableClick } from './respond.js';

const REVIEW_PROBLEMS: Record<Exclude<ReviewOutcome, 'reviewed'>, (id: string) => string> = {
  'already-reviewed': (id) => `${id} was already reviewed.`,
  'not-allowed': () =>
    'Only a jitbot admin can mark breakglass access reviewed, and never the person who used it. Nothing changed.',
};

export function registerRequesterActions(app: App, deps: ListenerDeps): void {
  app.action(ACTIONS.cancel, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = buttonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const requestId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, answer, 'cancelling a request', async () => {
      const outcome = await cancelRequest(deps.workflows, requestId, click.data.user.id);
      // Success shows in the updated messages; only a refusal needs words.
      if (outcome.type !== 'cancelled') await answer(cancelReply(outcome, requestId));
    });
  });

  app.action(ACTIONS.breakglassReviewed, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = buttonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const requestId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, answer, 'marking a breakglass grant reviewed', async () => {
      const outcome = await reviewBreakglass(deps.workflows, requestId, click.data.user.id);
      if (outcome !== 'reviewed') await tellProblem(answer, REVIEW_PROBLEMS[outcome](requestId));
    });
  });
}
