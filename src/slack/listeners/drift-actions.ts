import type { App } from '@slack/bolt';
import { z } from 'zod';
import { type RemoveOutcome, removeStandingAccess } from '../../workflow/remove-standing.js';
import { ACTIONS } from '../ids.js';
import type { ListenerDeps } from './deps.js';
import { answerSafely, answerTo, tellProblem, unreadableClick } from './respond.js';

const removeClick = z.object({
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/) }),
  actions: z
    .array(z.object({ value: z.string().regex(/^standing-access:[a-z0-9-]{1,40}:.{1,256}$/) }))
    .min(1),
});

function reply(outcome: RemoveOutcome): string {
  switch (outcome.type) {
    case 'removed':
      return `Done: ${outcome.words}. The alert is updated, and the audit log names you.`;
    case 'failed':
      return `Nothing was removed: ${outcome.words}`;
    case 'not-an-admin':
      return 'Only jitbot admins (settings.admins in the catalog) can remove access jitbot did not give. Nothing changed.';
    case 'no-admins':
      return 'The catalog names no jitbot admins (settings.admins), so nobody can remove this from Slack: add some, or run jitbot reconcile --fix.';
    case 'not-open':
      return 'That finding is no longer open (already removed, or no longer seen). Nothing changed.';
  }
}

/** Remove on a drift alert in the admin channel. */
export function registerDriftActions(app: App, deps: ListenerDeps) {
  app.action(ACTIONS.driftRemove, async ({ ack, body, respond, client }) => {
    const answer = answerTo(deps, { body, respond, client });
    await ack();
    const click = removeClick.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    const key = click.data.actions[0]?.value ?? '';
    const drift = deps.drift;
    if (!drift)
      return tellProblem(answer, 'Drift is not running in this jitbot, so nothing can be removed from here.');
    await answerSafely(deps.logger, answer, 'removing standing access', async () => {
      const outcome = await removeStandingAccess(
        { ...drift, members: deps.workflows.members },
        key,
        click.data.user.id,
      );
      await tellProblem(answer, reply(outcome));
    });
  });
}
