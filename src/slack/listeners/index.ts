import type { App } from '@slack/bolt';
import { registerDecisionActions } from './decision-actions.js';
import type { ListenerDeps } from './deps.js';
import { registerDriftActions } from './drift-actions.js';
import { registerGrantActions } from './grant-actions.js';
import { registerHomeEvents } from './home-events.js';
import { registerRequestCommand } from './request-command.js';
import { registerRequestForm } from './request-form.js';
import { registerRequesterActions } from './requester-actions.js';

export type { ListenerDeps } from './deps.js';

export function registerListeners(app: App, deps: ListenerDeps): void {
  // First: its middleware refreshes the Home after whichever listener a Home click reaches.
  registerHomeEvents(app, deps);
  registerRequestCommand(app, deps);
  registerRequestForm(app, deps);
  registerDecisionActions(app, deps);
  registerRequesterActions(app, deps);
  registerGrantActions(app, deps);
  registerDriftActions(app, deps);
}
