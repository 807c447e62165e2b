import type { App } from '@slack/bolt';
import { z } from 'zod';
import { refreshHomeOf } from '../../workflow/home-audience.js';
import { ACTIONS, SHORTCUTS } from '../ids.js';
import type { ListenerDeps } from './deps.js';
import { openRequestForm } from './request-form.js';
import { answerSafely, answerTo, tellProblem, unreadableClick } from './respond.js';

const person = z.object({
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/) }),
  trigger_id: z.string().min(1),
});
const homeClick = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string() }),
  view: z.object({ type: z.literal('home') }),
});

function refreshHome(deps: ListenerDeps, userId: string): Promise<void> {
  return refreshHomeOf(deps.workflows, userId);
}

/**
 * The App Home: published when a person opens it, and after every click on it (the click's own
 * work changes what it shows); the Request access button and the global shortcut open the form.
 */
export function registerHomeEvents(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await refreshHome(deps, event.user).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not mark an App Home for publishing'),
    );
  });

  // After any click on a Home, publish it again: a refused click changes nothing, but a stale
  // Home (a request decided elsewhere a moment ago) is put right.
  app.use(async ({ body, next }) => {
    await next();
    const click = homeClick.safeParse(body);
    if (!click.success) return;
    await refreshHome(deps, click.data.user.id).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not mark an App Home for publishing'),
    );
  });

  app.action(ACTIONS.homeRequest, async ({ ack, body, respond, client }) => {
    await ack();
    const answer = answerTo(deps, { body, respond, client });
    const click = person.safeParse(body);
    if (!click.success) return tellProblem(answer, unreadableClick());
    await answerSafely(deps.logger, answer, 'opening the request form', () =>
      openRequestForm(deps, click.data.trigger_id, click.data.user.id),
    );
  });

  app.shortcut(SHORTCUTS.requestAccess, async ({ ack, body, client }) => {
    await ack();
    const answer = answerTo(deps, { body, client });
    const shortcut = person.safeParse(body);
    if (!shortcut.success) return tellProblem(answer, unreadableClick());
    await answerSafely(deps.logger, answer, 'opening the request form', () =>
      openRequestForm(deps, shortcut.data.trigger_id, shortcut.data.user.id),
    );
  });
}
