import type { App } from '@slack/bolt';
import { findTarget } from '../../domain/catalog.js';
import { scopeWords } from '../../policy/policy-summary.js';
import { readExtension } from '../../workflow/read-extension.js';
import { type RevokeNowOutcome, revokeNow } from '../../workflow/revoke-now.js';
import { ACTIONS } from '../ids.js';
import { grantButtonClick, targetButtonClick } from '../payloads.js';
import type { ListenerDeps } from './deps.js';
import { EXTEND_METADATA, grantExtensionMetadata, openRequestForm } from './request-form.js';
import { answerSafely, answerTo, tellProblem, unreadableClick } from './respond.js';

function revokeProblem(outcome: Exclude<RevokeNowOutcome, { type: 'revoking' }>): string {
  switch (outcome.type) {
    case 'not-found':
      return 'jitbot has no record of that access, so nothing changed.';
    case 'not-allowed':
      return 'Only the person who has this access, an approver of it or a jitbot admin can end it early. Nothing changed.';
    case 'not-active':
      return `This access is not active any more (it is ${outcome.grant.status}), so there is nothing to end.`;
  }
}

/** The buttons on the access notice and the expiry warning: Revoke now, and Extend. */
export function registerGrantActions(app: App, deps: ListenerDeps): void {
  app.action(ACTIONS.revokeNow, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = grantButtonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const grantId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, answer, 'ending access early', async () => {
      const outcome = await revokeNow(deps.workflows, grantId, click.data.user.id);
      // Success shows when the access notice and warning are updated; a refusal needs words.
      if (outcome.type !== 'revoking') await tellProblem(answer, revokeProblem(outcome));
    });
  });

  // A generated policy's Extend: the form keeps the grant's target and permissions, asks only for time.
  app.action(ACTIONS.extendGrant, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = grantButtonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const grantId = click.data.actions[0]?.value ?? '';
    await answerSafely(deps.logger, answer, 'opening the extension form', async () => {
      const read = await readExtension(deps.workflows, grantId, click.data.user.id);
      if (read.type === 'refused') return tellProblem(answer, read.reason);
      const summary = scopeWords(read.permissions.summary);
      await openRequestForm(
        deps,
        click.data.trigger_id,
        click.data.user.id,
        read.target.id,
        grantExtensionMetadata(read.grantId, read.target.id),
        undefined,
        { summary },
      );
    });
  });

  // Extending is asking again: the form opens on the same target, and the approval rules apply.
  app.action(ACTIONS.extend, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = targetButtonClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const targetId = click.data.actions[0]?.value ?? '';
    const target = findTarget(deps.workflows.catalog, targetId);
    if (!target) {
      return tellProblem(answer, `${targetId} is no longer in jitbot's catalog, so it cannot be extended.`);
    }
    // Older Extend buttons name only the target; a generated policy's must name the grant.
    if (target.kind === 'aws-iam-generated-policy')
      return tellProblem(
        answer,
        'Use Extend on your latest expiry warning for this access: it names the policy to extend.',
      );
    await answerSafely(deps.logger, answer, 'opening the extension form', () =>
      openRequestForm(deps, click.data.trigger_id, click.data.user.id, targetId, EXTEND_METADATA),
    );
  });
}
