/**
 * Every action_id, callback_id and block_id jitbot uses, defined once: listeners match on these
 * and builders emit them, so a rename cannot leave a button that nothing answers.
 */
export const ACTIONS = {
  approve: 'jitbot.approve',
  deny: 'jitbot.deny',
  cancel: 'jitbot.cancel',
  breakglassReviewed: 'jitbot.breakglass-reviewed',
  /** The target select in the request modal: picking one refreshes the duration choices. */
  pickTarget: 'jitbot.pick-target',
  pickDuration: 'jitbot.pick-duration',
  justification: 'jitbot.justification',
  ticket: 'jitbot.ticket',
  /** The request form's permissions, for a generated policy. */
  permissions: 'jitbot.permissions',
  /** On an approval message whose policy is too long to show: opens it in a modal. */
  viewPolicy: 'jitbot.view-policy',
  denyReason: 'jitbot.deny-reason',
  /** On the expiry warning: ask for more time (a new request for the same target). */
  extend: 'jitbot.extend',
  /** The same for a generated policy: its value is the grant, whose permissions the request keeps. */
  extendGrant: 'jitbot.extend-grant',
  /** On a drift alert: a jitbot admin removes standing access jitbot did not grant. */
  driftRemove: 'jitbot.drift-remove',
  /** On the expiry warning and the access notice: end the access now. */
  revokeNow: 'jitbot.revoke-now',
  /** On the App Home: opens the request form. */
  homeRequest: 'jitbot.home-request',
} as const;

/** Global shortcuts (the manifests' `shortcuts`): callback ids other tools and manifests rely on. */
export const SHORTCUTS = {
  requestAccess: 'request_access',
} as const;

export const VIEWS = {
  request: 'jitbot.request',
  denyReason: 'jitbot.deny-reason',
} as const;

/** Block ids of input blocks: `response_action: errors` names fields by these. */
export const BLOCKS = {
  target: 'target',
  duration: 'duration',
  justification: 'justification',
  ticket: 'ticket',
  permissions: 'permissions',
  denyReason: 'reason',
} as const;

/** The slash command's name unless SLACK_COMMAND renames it. */
export const DEFAULT_SLASH_COMMAND = '/request-aws-access';

let slashCommandName: string = DEFAULT_SLASH_COMMAND;

/**
 * The slash command this process answers, as people type it; every reply that names it says
 * this. Renamed with SLACK_COMMAND so a staging and a production app can share a workspace.
 */
export function slashCommand(): string {
  return slashCommandName;
}

/** Set once at start from SLACK_COMMAND: one jitbot process serves one Slack app. */
export function useSlashCommand(name: string): void {
  slashCommandName = name;
}

/** Where Slack sends commands, clicks and events over HTTP (the manifests' request URLs). */
export const SLACK_EVENTS_PATH = '/slack/events';
