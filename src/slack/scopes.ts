/**
 * The bot scopes jitbot's token needs: exactly the `oauth_config.scopes.bot` of
 * slack/manifest.yaml and slack/manifest.socket-mode.yaml. A constant rather than a read of the
 * manifest because the container image does not ship slack/; test/doctor/scopes.test.ts keeps
 * the three in step.
 */
export const REQUIRED_BOT_SCOPES = [
  'commands',
  'chat:write',
  'usergroups:read',
  'users:read',
  'users:read.email',
  // conversations.info in `jitbot doctor`: is the bot in the admin and approval channels?
  'channels:read',
  'groups:read',
] as const;

export interface ScopeComparison {
  /** Required but not granted: the calls that need them fail. */
  readonly missing: string[];
  /** Granted but not needed: harmless to jitbot, more than a leaked token should be able to do. */
  readonly extra: string[];
}

export function compareScopes(
  granted: readonly string[],
  required: readonly string[] = REQUIRED_BOT_SCOPES,
): ScopeComparison {
  const has = new Set(granted);
  const needs = new Set(required);
  return {
    missing: required.filter((scope) => !has.has(scope)),
    extra: granted.filter((scope) => !needs.has(scope)),
  };
}
