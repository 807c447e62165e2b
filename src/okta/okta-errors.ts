import { field } from '../errors.js';
import { ProviderError } from '../ports/access-provider.js';
import type { FixedRetryKind } from '../ports/provider-error-kinds.js';
import { OktaConnectionError, rateLimitWaitMs } from './okta-http.js';

/** What jitbot was doing when Okta answered, so the message can say it in words. */
export interface OktaCall {
  /** The client method: `getUser`, `assignUserToGroup`, ... */
  readonly operation: string;
  readonly orgUrl: string;
  readonly groupId?: string;
  /** The Okta user id, or the login jitbot looked up. */
  readonly user?: string;
}

/** The facts of an Okta failure that matter, read without trusting the error's shape. */
interface OktaErrorFacts {
  readonly status?: number;
  readonly errorCode?: string;
  readonly summary: string;
  readonly requestId?: string;
  readonly rateLimitReset?: string;
  /** Where a redirect pointed. */
  readonly location?: string;
  /** No answer at all (OktaConnectionError). */
  readonly connection?: OktaConnectionError['failure'];
}

/** Okta's windows are per minute: when a 429 does not say when it resets, a minute is safe. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function header(headers: unknown, name: string): string | undefined {
  const get = field(headers, 'get');
  return typeof get === 'function' ? text(get.call(headers, name)) : undefined;
}

/** An OktaConnectionError, or an answer's facts (an OktaApiError has status, errorCode, errorSummary, headers). */
function oktaErrorFacts(error: unknown): OktaErrorFacts {
  if (error instanceof OktaConnectionError) return { summary: '', connection: error.failure };
  const status = field(error, 'status');
  const headers = field(error, 'headers');
  const errorCode = text(field(error, 'errorCode'));
  const requestId = header(headers, 'x-okta-request-id');
  const rateLimitReset = header(headers, 'x-rate-limit-reset');
  const location = header(headers, 'location');
  return {
    ...(typeof status === 'number' ? { status } : {}),
    ...(errorCode !== undefined ? { errorCode } : {}),
    summary: text(field(error, 'errorSummary')) ?? '',
    ...(requestId !== undefined ? { requestId } : {}),
    ...(rateLimitReset !== undefined ? { rateLimitReset } : {}),
    ...(location !== undefined ? { location } : {}),
  };
}

interface Classified {
  readonly code: string;
  readonly kind: FixedRetryKind;
  readonly words: string;
  readonly retryAfterMs?: number;
}

function hostOf(orgUrl: string): string {
  try {
    return new URL(orgUrl).host;
  } catch {
    return orgUrl;
  }
}

/** Which of the user and the group a 404 is about: Okta's summary names the missing id. */
function notFound(facts: OktaErrorFacts, call: OktaCall, org: string): string {
  const { groupId, user } = call;
  const aboutGroup = groupId !== undefined && (facts.summary.includes(groupId) || user === undefined);
  if (aboutGroup)
    return `Okta has no group ${groupId} in ${org}: check the groupId of this target in the catalog`;
  if (user !== undefined && (facts.summary.includes(user) || groupId === undefined)) {
    return `Okta has no user ${user} in ${org}: the account may have been deleted`;
  }
  return `Okta found no user ${user ?? '?'} or no group ${groupId ?? '?'} in ${org} (${call.operation})`;
}

/** What the token's admin needs for the call, in Okta's own role names. */
function neededRole(call: OktaCall): string {
  if (call.operation === 'assignUserToGroup' || call.operation === 'unassignUserFromGroup') {
    return `the Group Membership Administrator (or Group Administrator) role for group ${call.groupId}`;
  }
  if (call.operation === 'getGroup') return `an admin role that can see group ${call.groupId}`;
  return 'an admin role that can read users and their groups (for example Read-Only Administrator)';
}

function classify(facts: OktaErrorFacts, call: OktaCall, nowMs: number): Classified {
  const org = hostOf(call.orgUrl);
  const what = `${call.operation} in ${org}`;
  const status = facts.status ?? 0;
  if (facts.connection === 'timeout') {
    return {
      code: 'okta_timeout',
      kind: 'timeout',
      words: `Okta did not answer ${what} in time; jitbot will try again`,
    };
  }
  if (facts.connection === 'unreachable') {
    return {
      code: 'okta_unreachable',
      kind: 'unreachable',
      words: `jitbot could not reach Okta at ${call.orgUrl} for ${call.operation}; it will try again`,
    };
  }
  if (status === 401) {
    return {
      code: 'okta_token_rejected',
      kind: 'denied',
      words: `Okta refused jitbot's API token (401) for ${org}: the token is invalid, expired or revoked (Okta expires tokens unused for 30 days, and those of deactivated admins); create a new token and update the catalog`,
    };
  }
  if (status === 403) {
    return {
      code: 'okta_forbidden',
      kind: 'denied',
      words: `Okta refused jitbot's API token (403) for ${what}: the token's admin needs ${neededRole(call)}`,
    };
  }
  if (status === 404) return { code: 'okta_not_found', kind: 'not-found', words: notFound(facts, call, org) };
  if (status === 429) {
    const wait = rateLimitWaitMs(facts.rateLimitReset, nowMs) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return {
      code: 'okta_rate_limited',
      kind: 'throttled',
      retryAfterMs: wait,
      words: `Okta is rate-limiting jitbot (${what}); jitbot will try again`,
    };
  }
  if (status >= 300 && status < 400) {
    // An orgUrl that redirects (http:// to https://, an old domain): the token is not sent on.
    const where = facts.location ? ` to ${facts.location.slice(0, 200)}` : '';
    return {
      code: 'okta_redirected',
      kind: 'unknown',
      words: `Okta at ${call.orgUrl} answered ${call.operation} with a redirect (HTTP ${status})${where}, which jitbot does not follow: check the orgUrl in the catalog`,
    };
  }
  if (status >= 500) {
    return {
      code: 'okta_unavailable',
      kind: 'unavailable',
      words: `Okta had a temporary problem (HTTP ${status}) with ${what}; jitbot will try again`,
    };
  }
  if (status >= 400) {
    const summary = facts.summary.replace(/\s+/g, ' ').trim().slice(0, 300);
    return {
      code: 'okta_rejected',
      kind: 'invalid',
      words: `Okta rejected ${what} (HTTP ${status})${summary ? `: "${summary}"` : ''}`,
    };
  }
  return { code: 'okta_unexpected', kind: 'unknown', words: `Okta call ${what} failed unexpectedly` };
}

/**
 * The ProviderError for an Okta failure. `secret` (the API token) is cut out of the words in case
 * Okta ever echoes it; nothing else from the request goes into them.
 */
export function toOktaProviderError(
  error: unknown,
  call: OktaCall,
  secret: string,
  nowMs = Date.now(),
): ProviderError {
  if (error instanceof ProviderError) return error;
  const facts = oktaErrorFacts(error);
  const classified = classify(facts, call, nowMs);
  const words = secret ? classified.words.split(secret).join('[redacted]') : classified.words;
  return new ProviderError(classified.code, words, {
    kind: classified.kind,
    cause: error,
    ...(facts.requestId !== undefined ? { providerRequestId: facts.requestId } : {}),
    ...(classified.retryAfterMs !== undefined ? { retryAfterMs: classified.retryAfterMs } : {}),
  });
}
