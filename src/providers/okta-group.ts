import type { OktaGroupTarget, OktaSettings } from '../domain/catalog.js';
import { createOktaClient, type OktaApi, type OktaUser } from '../okta/okta-client.js';
import { type OktaCall, toOktaProviderError } from '../okta/okta-errors.js';
import { withOktaRequestId } from '../okta/okta-http.js';
import type {
  AccessProvider,
  CallContext,
  CallRecorder,
  Holder,
  PrincipalOutcome,
  SlackPerson,
} from '../ports/access-provider.js';
import { isProviderError } from '../ports/access-provider.js';

export interface OktaGroupProviderDeps {
  readonly settings: OktaSettings;
  /** Built from `settings` with createOktaClient when absent. */
  readonly client?: OktaApi;
  readonly record: CallRecorder;
}

/**
 * Statuses whose owner can sign in now, possibly after changing their own password: group access
 * is usable at once. Every other status (STAGED, PROVISIONED: never activated; SUSPENDED,
 * DEPROVISIONED: turned off by an admin on purpose; LOCKED_OUT: sign-in blocked, maybe by someone
 * guessing the password; anything new) needs an admin first, and a timed grant would either run
 * out unused or attach access to an account someone chose to disable.
 */
const CAN_RECEIVE_ACCESS = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY']);

const STATUS_WORDS: Readonly<Record<string, string>> = {
  DEPROVISIONED: 'is deactivated',
  SUSPENDED: 'is suspended',
  STAGED: 'has not been activated yet',
  PROVISIONED: 'has not finished activation (no password set yet)',
  LOCKED_OUT: 'is locked out',
};

// Why: the email goes into an Okta search expression; a quote or backslash could change its meaning.
const SAFE_EMAIL = /^[^\s"\\]+@[^\s"\\]+$/;

export function createOktaGroupProvider(deps: OktaGroupProviderDeps): AccessProvider<OktaGroupTarget> {
  const { settings, record } = deps;
  const client = deps.client ?? createOktaClient(settings);
  const host = new URL(settings.orgUrl).host;

  /** Runs one Okta call and records it, successful or not (invariant 6). */
  async function call<R>(
    operation: string,
    target: OktaGroupTarget,
    context: CallContext,
    who: string | undefined,
    run: () => Promise<R>,
  ): Promise<R> {
    const base = {
      action: `okta.${operation}`,
      context,
      targetId: target.id,
      account: settings.orgUrl,
      resource: target.groupId,
      ...(who !== undefined ? { principal: who } : {}),
    };
    let outcome: { readonly result: R; readonly requestId: string | undefined };
    try {
      outcome = await withOktaRequestId(run);
    } catch (error) {
      const about: OktaCall = {
        operation,
        orgUrl: settings.orgUrl,
        groupId: target.groupId,
        ...(who ? { user: who } : {}),
      };
      const failure = toOktaProviderError(error, about, settings.token);
      await record({
        ...base,
        outcome: 'error',
        ...(failure.providerRequestId !== undefined ? { providerRequestId: failure.providerRequestId } : {}),
        errorCode: failure.code,
        error: failure.message,
      });
      throw failure;
    }
    const { result, requestId } = outcome;
    await record({
      ...base,
      outcome: 'ok',
      ...(requestId !== undefined ? { providerRequestId: requestId } : {}),
    });
    return result;
  }

  async function findByLogin(
    target: OktaGroupTarget,
    email: string,
    context: CallContext,
  ): Promise<OktaUser[]> {
    try {
      const user: OktaUser = await call('getUser', target, context, email, () =>
        client.getUser({ userId: email }),
      );
      // GET /users/{x} also matches an unambiguous login *shortname*: only the exact login counts.
      return user.profile?.login?.toLowerCase() === email.toLowerCase() ? [user] : [];
    } catch (error) {
      if (isProviderError(error) && error.kind === 'not-found') return [];
      throw error;
    }
  }

  async function findByEmail(
    target: OktaGroupTarget,
    email: string,
    context: CallContext,
  ): Promise<OktaUser[]> {
    const search = `profile.email eq "${email}"`;
    return call('listUsers', target, context, email, async () => {
      const found: OktaUser[] = [];
      // A handful of pages at most: an email is meant to name one person.
      for await (const user of client.listUsers({ search, limit: 20 })) {
        found.push(user);
        if (found.length >= 20) break;
      }
      return found;
    });
  }

  async function groupIds(
    target: OktaGroupTarget,
    principal: string,
    context: CallContext,
  ): Promise<boolean> {
    return call('listUserGroups', target, context, principal, async () => {
      for await (const group of client.listUserGroups({ userId: principal })) {
        if (group.id === target.groupId) return true;
      }
      return false;
    });
  }

  return {
    kind: 'okta-group',
    resourceOf: (target) => `okta:${host}:group/${target.groupId}`,
    asGranted(target, resource) {
      const prefix = `okta:${host}:group/`;
      return resource.startsWith(prefix) ? { ...target, groupId: resource.slice(prefix.length) } : undefined;
    },
    describe: (target) => `Okta group ${target.groupId} in ${host}`,
    location: () => 'Okta',
    // The principal is Okta's user id, which means nothing to a person; the email found it.
    describePrincipal: (_target, principal, person) => {
      const email = person.email?.trim();
      if (!email) return `Okta user ${principal}`;
      return settings.userMatch === 'login' ? `Okta user ${email}` : `the Okta user with email ${email}`;
    },

    async resolvePrincipal(
      target: OktaGroupTarget,
      person: SlackPerson,
      context: CallContext,
    ): Promise<PrincipalOutcome> {
      const email = person.email?.trim();
      if (!email) {
        return {
          ok: false,
          reason: `jitbot cannot see an email address on your Slack profile, so it cannot find your Okta account in ${host}. Ask a jitbot admin to check that the app has the users:read.email scope.`,
        };
      }
      if (!SAFE_EMAIL.test(email)) {
        return {
          ok: false,
          reason: `jitbot cannot look up the email address ${email} in Okta. Ask a jitbot admin.`,
        };
      }
      const users =
        settings.userMatch === 'login'
          ? await findByLogin(target, email, context)
          : await findByEmail(target, email, context);
      return choosePrincipal(users, email, settings.userMatch, host);
    },

    async listHolders(target, context) {
      return call('listGroupUsers', target, context, undefined, async () => {
        const holders: Holder[] = [];
        // Every Link rel="next" page is read; an error on any page fails the call.
        for await (const user of client.listGroupUsers({ groupId: target.groupId })) {
          if (user.id) holders.push({ principal: user.id, name: user.profile?.login ?? user.id });
        }
        return holders;
      });
    },

    isMember: (target, principal, context) => groupIds(target, principal, context),

    async grant(target, principal, context) {
      // Okta answers 204 when the user is already a member: granting twice is fine.
      await call('assignUserToGroup', target, context, principal, () =>
        client.assignUserToGroup({ groupId: target.groupId, userId: principal }),
      );
      return 'added';
    },

    async revoke(target, principal, context) {
      let member: boolean;
      try {
        member = await groupIds(target, principal, context);
      } catch (error) {
        // listUserGroups 404s only for a missing user: a deleted account has no access left.
        if (isProviderError(error) && error.kind === 'not-found') return 'already-gone';
        throw error;
      }
      if (!member) return 'already-gone';
      await call('unassignUserFromGroup', target, context, principal, () =>
        client.unassignUserFromGroup({ groupId: target.groupId, userId: principal }),
      );
      return 'removed';
    },
  };
}

/** Picks the one Okta user that may receive access, or says in words why there is none. */
function choosePrincipal(
  users: readonly OktaUser[],
  email: string,
  rule: OktaSettings['userMatch'],
  host: string,
): PrincipalOutcome {
  const how = rule === 'login' ? 'the login' : 'the email';
  if (users.length === 0) {
    return {
      ok: false,
      reason: `No Okta user in ${host} has ${how} ${email}. Ask an Okta admin to create your account or fix its ${rule === 'login' ? 'username' : 'primary email'}.`,
    };
  }
  const usable = users.filter((user) => user.id && CAN_RECEIVE_ACCESS.has(user.status ?? ''));
  const [only] = usable;
  if (usable.length === 1 && only?.id) return { ok: true, principal: only.id };
  if (usable.length > 1) {
    return {
      ok: false,
      reason: `${usable.length} active Okta users in ${host} have the email ${email}, so jitbot cannot tell which one is you. Ask an Okta admin to fix the duplicates.`,
    };
  }
  const status = users[0]?.status ?? 'unknown';
  const words = STATUS_WORDS[status] ?? `has the status ${status}`;
  return {
    ok: false,
    reason: `Your Okta account (${email}) in ${host} ${words}, so it cannot receive group access. Ask an Okta admin to activate or unlock it, then request again.`,
  };
}
