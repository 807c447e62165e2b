import type { OktaSettings } from '../domain/catalog.js';
import { field } from '../errors.js';
import { createOktaHttp, type OktaHttpOptions } from './okta-http.js';

export type OktaClientOptions = Partial<OktaHttpOptions>;

/** The parts of an Okta user jitbot reads; any of them may be missing from what Okta sent. */
export interface OktaUser {
  readonly id?: string | undefined;
  readonly status?: string | undefined;
  readonly profile?: { readonly login?: string | undefined; readonly email?: string | undefined };
}

/** The parts of an Okta group jitbot reads. */
export interface OktaGroup {
  readonly id?: string | undefined;
  /** OKTA_GROUP, APP_GROUP (members from AD, LDAP or an app) or BUILT_IN. */
  readonly type?: string | undefined;
}

export interface Membership {
  readonly groupId: string;
  readonly userId: string;
}

/**
 * The Okta management API calls jitbot makes (a narrow port, easy to fake). Listings are read
 * lazily, page by page: a reader that stops early fetches no further pages, and an error on any
 * page fails the listing.
 */
export interface OktaApi {
  /** GET /api/v1/users/{userId}: `me` (the token's admin), an id, or a login. */
  getUser(request: { readonly userId: string }): Promise<OktaUser>;
  /** GET /api/v1/users?search= */
  listUsers(request: { readonly search: string; readonly limit?: number }): AsyncIterable<OktaUser>;
  /** GET /api/v1/users/{userId}/groups */
  listUserGroups(request: { readonly userId: string }): AsyncIterable<OktaGroup>;
  /** GET /api/v1/groups/{groupId} */
  getGroup(request: { readonly groupId: string }): Promise<OktaGroup>;
  /** GET /api/v1/groups/{groupId}/users */
  listGroupUsers(request: { readonly groupId: string }): AsyncIterable<OktaUser>;
  /** PUT /api/v1/groups/{groupId}/users/{userId}: Okta answers 204 for a member already in. */
  assignUserToGroup(request: Membership): Promise<void>;
  /** DELETE /api/v1/groups/{groupId}/users/{userId} */
  unassignUserFromGroup(request: Membership): Promise<void>;
}

// A wait stays well inside the job and revocation leases (120 s), even after three of them:
// a longer reset goes back to the durable retry, which waits it out without holding a lease.
const OKTA_CLIENT_DEFAULTS: OktaHttpOptions = { maxAttempts: 3, maxWaitMs: 20_000, requestTimeoutMs: 15_000 };

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function userOf(value: unknown): OktaUser {
  const profile = field(value, 'profile');
  return {
    id: text(field(value, 'id')),
    status: text(field(value, 'status')),
    profile: { login: text(field(profile, 'login')), email: text(field(profile, 'email')) },
  };
}

function groupOf(value: unknown): OktaGroup {
  return { id: text(field(value, 'id')), type: text(field(value, 'type')) };
}

/** A GET of one thing must answer an object: anything else is not the Okta API talking. */
function one<T>(value: unknown, what: string, read: (value: unknown) => T): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`Okta answered the request for ${what} with something that is not a JSON object`);
  }
  return read(value);
}

async function* each<T>(source: AsyncIterable<unknown>, read: (value: unknown) => T): AsyncGenerator<T> {
  for await (const item of source) yield read(item);
}

/** A path segment: a login holds `@`, and nothing in an id or login may end or change the path. */
const segment = encodeURIComponent;

/**
 * The Okta client for one org, configured from the catalog only: no environment variable or
 * file is read, and nothing is cached, so isMember right after a grant asks Okta (and replicas
 * agree). Connections go through the outbound proxy in use when the client is made.
 */
export function createOktaClient(settings: OktaSettings, options: OktaClientOptions = {}): OktaApi {
  const http = createOktaHttp(settings.orgUrl, settings.token, { ...OKTA_CLIENT_DEFAULTS, ...options });
  const membership = ({ groupId, userId }: Membership) =>
    `/api/v1/groups/${segment(groupId)}/users/${segment(userId)}`;
  return {
    async getUser({ userId }) {
      return one(await http.call('GET', `/api/v1/users/${segment(userId)}`), `user ${userId}`, userOf);
    },
    listUsers({ search, limit }) {
      const query = `search=${encodeURIComponent(search)}${limit === undefined ? '' : `&limit=${limit}`}`;
      return each(http.pages(`/api/v1/users?${query}`), userOf);
    },
    listUserGroups({ userId }) {
      return each(http.pages(`/api/v1/users/${segment(userId)}/groups`), groupOf);
    },
    async getGroup({ groupId }) {
      return one(await http.call('GET', `/api/v1/groups/${segment(groupId)}`), `group ${groupId}`, groupOf);
    },
    listGroupUsers({ groupId }) {
      return each(http.pages(`/api/v1/groups/${segment(groupId)}/users`), userOf);
    },
    async assignUserToGroup(request) {
      await http.call('PUT', membership(request));
    },
    async unassignUserFromGroup(request) {
      await http.call('DELETE', membership(request));
    },
  };
}
