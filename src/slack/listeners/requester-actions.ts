import type { App } from '@slack/bolt';
import { appendAudit } from '../../db/audit-repository.js';
import { enqueueJob } from '../../db/jobs-repository.js';
import { inTransaction } from '../../db/pool.js';
import { markReviewed } from '../../db/requests-repository.js';
import { cancelRequest } from '../../workflow/cancel-request.js';
import { JOB_KINDS } from '../../workflow/job-kinds.js';
import { ACTIONS } from '../ids.js';
import { buttonClick } from '../payloads.js';
import type { ListenerDeps } from './deps.js';
import { cancelReply } from './replies.js';
import { answerSafely, replyEphemeral, tellProblem, UNREADABLE_CLICK } from './respond.js';

async function reviewBreakglass(deps: ListenerDeps, requestId: string, reviewer: string): Promise<boolean> {
  const reviewed = await inTransaction(deps.workflows.pool, async (db) => {
    const request = await markReviewed(db, requestId, reviewer);
    if (!request) return false;
    await appendAudit(db, {
      actor: reviewer,
      action: 'breakglass.reviewed',
      outcome: 'ok',
      requestId,
      targetId: request.targetId,
    });
    await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId } });
    return true;
  });
  deps.workflows.onWork?.();
  return reviewed;
}

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
      if (!(await reviewBreakglass(deps, requestId, click.data.user.id))) {
        await tellProblem(respond, `${requestId} was already reviewed.`);
      }
    });
  });
}
