import type { App } from '@slack/bolt';
import { denyReasonProblem } from '../../domain/request-input.js';
import { decideRequest } from '../../workflow/decide-request.js';
import { readDenyForm } from '../../workflow/deny-form.js';
import { readRequestedPolicy } from '../../workflow/read-policy.js';
import { denyReasonModal } from '../blocks/deny-modal.js';
import { policyModal } from '../blocks/policy-blocks.js';
import { ACTIONS, BLOCKS, VIEWS } from '../ids.js';
import { buttonClick, readDenyReason, viewSubmission } from '../payloads.js';
import type { ListenerDeps } from './deps.js';
import { decisionProblem } from './replies.js';
import { answerSafely, answerTo, tellProblem, unreadableClick } from './respond.js';

type DenyAck = { response_action: 'errors'; errors: Record<string, string> } | undefined;

async function denyFromForm(deps: ListenerDeps, body: unknown): Promise<DenyAck> {
  const submission = viewSubmission.safeParse(body);
  const reason = submission.success ? readDenyReason(submission.data.view.state.values) : undefined;
  const fail = (problem: string): DenyAck => ({
    response_action: 'errors',
    errors: { [BLOCKS.denyReason]: problem },
  });
  if (!submission.success || reason === undefined) return fail(unreadableClick());
  // The form's max_length is enforced by Slack's client only: a hand-made submission is not.
  const invalid = denyReasonProblem(reason);
  if (invalid) return fail(invalid);
  const requestId = submission.data.view.private_metadata ?? '';
  try {
    const actorId = submission.data.user.id;
    const problem = decisionProblem(
      await decideRequest(deps.workflows, { requestId, actorId, decision: 'deny', reason }),
    );
    return problem ? fail(problem) : undefined;
  } catch (error) {
    deps.logger.error({ err: error, requestId }, 'denying a request failed');
    return fail('jitbot could not record the denial just now; nothing changed. Try again.');
  }
}

/** Approve / Deny (and View policy) on an approval message. The messages themselves are updated by the notifier. */
export function registerDecisionActions(app: App, deps: ListenerDeps): void {
  app.action(ACTIONS.approve, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = buttonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const requestId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, answer, 'approving a request', async () => {
      const outcome = await decideRequest(deps.workflows, {
        requestId,
        actorId: click.data.user.id,
        decision: 'approve',
      });
      const problem = decisionProblem(outcome);
      if (problem) await tellProblem(answer, problem);
    });
  });

  // Deny asks for a reason first: the modal must open before the trigger id expires (3 s).
  app.action(ACTIONS.deny, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = buttonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const requestId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, answer, 'opening the deny form', async () => {
      const form = await readDenyForm(deps.workflows, requestId);
      if (!form) return tellProblem(answer, 'That request does not exist any more.');
      await deps.views.open(click.data.trigger_id, denyReasonModal(form));
    });
  });

  app.view(VIEWS.denyReason, async ({ ack, body }) => {
    await ack(await denyFromForm(deps, body));
  });

  // A policy too long for the approval message opens here, for those who may see it.
  app.action(ACTIONS.viewPolicy, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = buttonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const requestId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, answer, 'opening a generated policy', async () => {
      const read = await readRequestedPolicy(deps.workflows, requestId, click.data.user.id);
      if (read.type === 'not-found')
        return tellProblem(answer, 'That request has no generated policy to show.');
      if (read.type === 'not-allowed')
        return tellProblem(
          answer,
          "Only the requester, the target's approvers and jitbot admins can see this policy.",
        );
      await deps.views.open(click.data.trigger_id, policyModal(read));
    });
  });
}
