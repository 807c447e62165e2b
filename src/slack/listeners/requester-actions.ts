import type { App } from '@slack/bolt';
import { appendAudit } from '../../db/audit-repository.js';
import { enqueueJob } from '../../db/jobs-repository.js';
import { inTransaction } from '../../db/pool.js';
import { findRequest, markReviewed } from '../../db/requests-repository.js';
import { mayReview } from '../../domain/approval-rules.js';
import { cancelRequest } from '../../workflow/cancel-request.js';
import { JOB_KINDS } from '../../workflow/job-kinds.js';
import { ACTIONS } from '../ids.js';
import { buttonClick } from '../payloads.js';
import type { ListenerDeps } from './deps.js';
import { cancelReply } from './replies.js';
import { answerSafely, replyEphemeral, tellProblem, UNREADABLE_CLICK } from './respond.js';

type ReviewOutcome = 'reviewed' | 'already-reviewed' | 'not-allowed';

async function reviewBreakglass(
  deps: ListenerDeps,
  requestId: string,
  reviewer: string,
): Promise<ReviewOutcome> {
  const { pool, catalog, members } = deps.workflows;
  const request = await findRequest(pool, requestId);
  if (!request?.breakglass) return 'already-reviewed';
  const context = { requesterId: request.requesterId, admins: catalog.settings.admins };
  if (!(await mayReview(reviewer, context, members))) {
    await appendAudit(pool, {
      actor: reviewer,
      action: 'breakglass.review',
      outcome: 'refused',
      requestId,
      targetId: request.targetId,
    });
    return 'not-allowed';
  }
  const reviewed = await inTransaction(pool, async (db) => {
    const marked = await markReviewed(db, requestId, reviewer);
    if (!marked) return false;
    await appendAudit(db, {
      actor: reviewer,
      action: 'breakglass.reviewed',
      outcome: 'ok',
      requestId,
      targetId: marked.targetId,
    });
    await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId } });
    return true;
  });
  deps.workflows.onWork?.();
  return reviewed ? 'reviewed' : 'already-reviewed';
}

const REVIEW_PROBLEMS: Record<Exclude<ReviewOutcome, 'reviewed'>, (id: string) => string> = {
  'already-reviewed': (id) => `${id} was already reviewed.`,
  'not-allowed': () =>
    'Only a jitbot admin can mark breakglass access reviewed, and never the person who used it. Nothing changed.',
};

export function registerRequesterActions(app: App, deps: ListenerDeps): void {
  app.action(ACTIONS.cancel, async ({ ack, body, respond }) => {
    await ack();
    const click = buttonClick.safeParse(body);
    if (!click.success) return tellProblem(respond, UNREADABLE_CLICK);
    const requestId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, respond, 'cancelling a request', async () => {
      const outcome = await cancelRequest(deps.workflows, requestId, click.data.user.id);
      // Success shows in the updated messages; only a refusal needs words.
      if (outcome.type !== 'cancelled') await replyEphemeral(respond, cancelReply(outcome, requestId));
    });
  });

  app.action(ACTIONS.breakglassReviewed, async ({ ack, body, respond }) => {
    await ack();
    const click = buttonClick.safeParse(body);
    if (!click.success) return tellProblem(respond, UNREADABLE_CLICK);
    const requestId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, respond, 'marking a breakglass grant reviewed', async () => {
      const outcome = await reviewBreakglass(deps, requestId, click.data.user.id);
      if (outcome !== 'reviewed') await tellProblem(respond, REVIEW_PROBLEMS[outcome](requestId));
    });
  });
}
