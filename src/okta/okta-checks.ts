import type { OktaSettings } from '../domain/catalog.js';
import type { OktaApi } from './okta-client.js';
import { createOktaClient } from './okta-client.js';
import { type OktaCall, toOktaProviderError } from './okta-errors.js';

export type CheckResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: string; readonly fix: string };

export interface OktaChecks {
  /** Proves the API token works against the org (GET /api/v1/users/me: the token's own admin). */
  checkToken(): Promise<CheckResult>;
  /** Proves the group exists, the token can see it, and Okta lets its members be changed. */
  checkGroupExists(groupId: string): Promise<CheckResult>;
}

export interface OktaChecksDeps {
  readonly settings: OktaSettings;
  /** Built from `settings` with createOktaClient when absent. */
  readonly client?: OktaApi;
}

const TOKEN_FIX =
  'In the Okta Admin Console (Security > API > Tokens), create a token as an admin who has the Group Membership Administrator role for the groups in the catalog, and put it where the catalog reads the Okta token from.';

/** For `jitbot doctor`: each check answers in plain words what is wrong and how to fix it. */
export function createOktaChecks(deps: OktaChecksDeps): OktaChecks {
  const { settings } = deps;
  const client = deps.client ?? createOktaClient(settings, { maxAttempts: 1 });
  const host = new URL(settings.orgUrl).host;

  function failed(error: unknown, call: OktaCall): CheckResult {
    const failure = toOktaProviderError(error, call, settings.token);
    if (failure.code === 'okta_token_rejected') {
      return { ok: false, problem: `Okta refused jitbot's API token for ${host}.`, fix: TOKEN_FIX };
    }
    if (failure.code === 'okta_unreachable' || failure.code === 'okta_timeout') {
      return {
        ok: false,
        problem: `jitbot could not reach Okta at ${settings.orgUrl}.`,
        fix: 'Check the orgUrl in the catalog and that this machine can reach it over HTTPS.',
      };
    }
    if (failure.code === 'okta_not_found' && call.groupId !== undefined) {
      return {
        ok: false,
        problem: `Okta has no group ${call.groupId} in ${host}.`,
        fix: 'Check the groupId in the catalog: it is the id in the group page URL in the Okta Admin Console (Directory > Groups), starting with 00g.',
      };
    }
    if (failure.code === 'okta_forbidden') {
      return { ok: false, problem: failure.message, fix: TOKEN_FIX };
    }
    return {
      ok: false,
      problem: failure.message,
      fix: 'Try again; if it keeps failing, check the Okta status page.',
    };
  }

  return {
    async checkToken() {
      try {
        await client.getUser({ userId: 'me' });
        return { ok: true };
      } catch (error) {
        return failed(error, { operation: 'getUser', orgUrl: settings.orgUrl });
      }
    },

    async checkGroupExists(groupId) {
      try {
        const group = await client.getGroup({ groupId });
        // Okta changes members only of its own groups; app groups (from AD, LDAP, apps) are read-only.
        if (group.type !== undefined && group.type !== 'OKTA_GROUP') {
          return {
            ok: false,
            problem: `Okta group ${groupId} in ${host} is of type ${group.type}: its members come from another directory, so Okta will not let jitbot change them.`,
            fix: 'Use a group created in Okta (type OKTA_GROUP) for this target.',
          };
        }
        return { ok: true };
      } catch (error) {
        return failed(error, { operation: 'getGroup', orgUrl: settings.orgUrl, groupId });
      }
    },
  };
}
