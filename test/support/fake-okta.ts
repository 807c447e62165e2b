import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Okta management API over real HTTP, speaking Okta's wire protocol (the paths and answers
 * of Okta's Users and Groups APIs): users by id or login, search by profile.email,
 * groups, memberships, the user's groups and the group's users with Link-header pagination, SSWS auth, Okta-shaped
 * errors with X-Okta-Request-Id, and failures injected per operation.
 */

export type OktaOperation =
  | 'getUser'
  | 'listUsers'
  | 'listUserGroups'
  | 'getGroup'
  | 'listGroupUsers'
  | 'assignUserToGroup'
  | 'unassignUserFromGroup';

export type FakeUserStatus =
  | 'ACTIVE'
  | 'DEPROVISIONED'
  | 'SUSPENDED'
  | 'STAGED'
  | 'PROVISIONED'
  | 'LOCKED_OUT'
  | 'PASSWORD_EXPIRED'
  | 'RECOVERY';

export interface FakeUser {
  readonly id: string;
  readonly login: string;
  readonly email: string;
  status: FakeUserStatus;
}

export interface FakeGroup {
  readonly id: string;
  readonly name: string;
  readonly type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  readonly members: Set<string>;
}

export interface OktaRequest {
  readonly operation: OktaOperation | 'unknown';
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly status: number;
  readonly requestId: string;
  /** When the request arrived (ms since epoch). */
  readonly at: number;
  /** The X-Rate-Limit-Reset sent with a 429 (epoch seconds). */
  readonly rateLimitReset?: number;
}

export interface Failure {
  /** An HTTP status; `disconnect` drops the connection; `hang` never answers (until stop). */
  readonly status: number | 'disconnect' | 'hang';
  /** How many calls in a row fail (default 1). */
  readonly times?: number;
  /** How many calls succeed before the failures start (default 0): a later page of a listing fails. */
  readonly after?: number;
  /** For 429: X-Rate-Limit-Reset is now plus this, in whole epoch seconds as Okta sends it. */
  readonly rateLimitResetInMs?: number;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly operation: OktaOperation;
  readonly handle: (params: string[], query: URLSearchParams, url: string) => Answer;
}

const ERRORS: Readonly<Record<number, { code: string; summary: string }>> = {
  400: { code: 'E0000001', summary: 'Api validation failed' },
  401: { code: 'E0000011', summary: 'Invalid token provided' },
  403: { code: 'E0000006', summary: 'You do not have permission to perform the requested action' },
  404: { code: 'E0000007', summary: 'Not found: Resource not found' },
  429: { code: 'E0000047', summary: 'API call exceeded rate limit due to too many requests.' },
  500: { code: 'E0000009', summary: 'Internal Server Error' },
  503: { code: 'E0000010', summary: 'Service is unavailable' },
};

function oktaError(status: number, detail?: string): Answer {
  const known = ERRORS[status] ?? { code: 'E0000009', summary: 'Internal Server Error' };
  const summary = detail ? `${known.summary}: ${detail}` : known.summary;
  return {
    status,
    body: {
      errorCode: known.code,
      errorSummary: summary,
      errorLink: known.code,
      errorId: `oae${randomUUID().slice(0, 18)}`,
      errorCauses: [],
    },
  };
}

export class FakeOkta {
  readonly token: string;
  readonly calls: OktaRequest[] = [];
  /** Items per page for list calls when the client does not ask for fewer (Okta's default is 200). */
  pageSize = 200;
  readonly #users = new Map<string, FakeUser>();
  readonly #groups = new Map<string, FakeGroup>();
  readonly #failures = new Map<OktaOperation, { failure: Failure; left: number; skip: number }>();
  readonly #routes: Route[];
  #server: Server | undefined;
  #url = '';
  #sequence = 0;
  /** The admin who owns the token: GET /api/v1/users/me. */
  readonly admin: FakeUser;

  constructor(options: { token: string }) {
    this.token = options.token;
    this.admin = this.addUser({ login: 'jitbot-admin@example.com' });
    this.#routes = this.#buildRoutes();
  }

  addUser(user: { login: string; email?: string; status?: FakeUserStatus; id?: string }): FakeUser {
    const id = user.id ?? `00u${String(++this.#sequence).padStart(17, '0')}`;
    const created: FakeUser = {
      id,
      login: user.login,
      email: user.email ?? user.login,
      status: user.status ?? 'ACTIVE',
    };
    this.#users.set(id, created);
    return created;
  }

  addGroup(group: { name: string; id?: string; type?: FakeGroup['type'] }): FakeGroup {
    const id = group.id ?? `00g${String(++this.#sequence).padStart(17, '0')}`;
    const created: FakeGroup = { id, name: group.name, type: group.type ?? 'OKTA_GROUP', members: new Set() };
    this.#groups.set(id, created);
    return created;
  }

  /** Makes the user a member, as an Okta admin would by hand. */
  addMember(groupId: string, userId: string): void {
    const group = this.#groups.get(groupId);
    if (!group || !this.#users.has(userId)) throw new Error(`no group ${groupId} or no user ${userId}`);
    group.members.add(userId);
  }

  isMember(groupId: string, userId: string): boolean {
    return this.#groups.get(groupId)?.members.has(userId) ?? false;
  }

  /** The next `times` calls to `operation` fail like Okta would. */
  failNext(operation: OktaOperation, failure: Failure): void {
    this.#failures.set(operation, { failure, left: failure.times ?? 1, skip: failure.after ?? 0 });
  }

  callsTo(operation: OktaOperation): OktaRequest[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => this.#serve(req, res));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  #user(idOrLogin: string): FakeUser | undefined {
    if (idOrLogin === 'me') return this.admin;
    const lower = idOrLogin.toLowerCase();
    return (
      this.#users.get(idOrLogin) ?? [...this.#users.values()].find((u) => u.login.toLowerCase() === lower)
    );
  }

  #userJson(user: FakeUser): unknown {
    const self = `${this.#url}/api/v1/users/${user.id}`;
    return {
      id: user.id,
      status: user.status,
      created: '2026-01-01T00:00:00.000Z',
      type: { id: 'oty00000000000000000' },
      profile: {
        login: user.login,
        email: user.email,
        firstName: user.login.split('@')[0],
        lastName: 'Example',
      },
      _links: { self: { href: self } },
    };
  }

  #groupJson(group: FakeGroup): unknown {
    return {
      id: group.id,
      type: group.type,
      created: '2026-01-01T00:00:00.000Z',
      profile: { name: group.name, description: null },
      _links: { self: { href: `${this.#url}/api/v1/groups/${group.id}` } },
    };
  }

  /** One page of `items` after the `after` cursor, with Okta's Link headers (absolute URLs). */
  #page<T extends { id: string }>(
    items: T[],
    query: URLSearchParams,
    url: string,
    toJson: (item: T) => unknown,
  ): Answer {
    const limit = Math.min(Number(query.get('limit') ?? this.pageSize) || this.pageSize, this.pageSize);
    const after = query.get('after');
    const start = after ? items.findIndex((item) => item.id === after) + 1 : 0;
    const page = items.slice(start, start + limit);
    const links = [`<${this.#url}${url}>; rel="self"`];
    const last = page[page.length - 1];
    if (last && start + limit < items.length) {
      const next = new URL(url, this.#url);
      next.searchParams.set('after', last.id);
      next.searchParams.set('limit', String(limit));
      links.push(`<${next.href}>; rel="next"`);
    }
    return { status: 200, body: page.map(toJson), headers: { link: links.join(', ') } };
  }

  #buildRoutes(): Route[] {
    const membership = (
      gid: string,
      uid: string,
      change: (group: FakeGroup, user: FakeUser) => void,
    ): Answer => {
      const group = this.#groups.get(gid);
      if (!group) return oktaError(404, `${gid} (UserGroup)`);
      const user = this.#user(uid);
      if (!user) return oktaError(404, `${uid} (User)`);
      change(group, user);
      return { status: 204 };
    };
    return [
      {
        method: 'GET',
        pattern: /^\/api\/v1\/users\/([^/]+)\/groups$/,
        operation: 'listUserGroups',
        handle: ([id = ''], query, url) => {
          const user = this.#user(id);
          if (!user) return oktaError(404, `${id} (User)`);
          const groups = [...this.#groups.values()].filter((g) => g.members.has(user.id));
          return this.#page(groups, query, url, (g) => this.#groupJson(g));
        },
      },
      {
        method: 'GET',
        pattern: /^\/api\/v1\/users\/([^/]+)$/,
        operation: 'getUser',
        handle: ([id = '']) => {
          const user = this.#user(id);
          return user ? { status: 200, body: this.#userJson(user) } : oktaError(404, `${id} (User)`);
        },
      },
      {
        method: 'GET',
        pattern: /^\/api\/v1\/users$/,
        operation: 'listUsers',
        handle: (_params, query, url) => {
          const search = query.get('search');
          let users = [...this.#users.values()];
          if (search !== null) {
            // The two expressions jitbot sends; anything else is a 400 as in Okta.
            const match = /^profile\.(email|login) eq "([^"\\]*)"$/.exec(search);
            if (!match) return oktaError(400, `Invalid search: ${search}`);
            const [, key, value = ''] = match;
            users = users.filter(
              (u) => (key === 'email' ? u.email : u.login).toLowerCase() === value.toLowerCase(),
            );
          } else {
            users = users.filter((u) => u.status !== 'DEPROVISIONED'); // as Okta's plain list does
          }
          return this.#page(users, query, url, (u) => this.#userJson(u));
        },
      },
      {
        method: 'GET',
        pattern: /^\/api\/v1\/groups\/([^/]+)$/,
        operation: 'getGroup',
        handle: ([id = '']) => {
          const group = this.#groups.get(id);
          return group ? { status: 200, body: this.#groupJson(group) } : oktaError(404, `${id} (UserGroup)`);
        },
      },
      {
        method: 'GET',
        pattern: /^\/api\/v1\/groups\/([^/]+)\/users$/,
        operation: 'listGroupUsers',
        handle: ([id = ''], query, url) => {
          const group = this.#groups.get(id);
          if (!group) return oktaError(404, `${id} (UserGroup)`);
          const members = [...this.#users.values()].filter((u) => group.members.has(u.id));
          return this.#page(members, query, url, (u) => this.#userJson(u));
        },
      },
      {
        method: 'PUT',
        pattern: /^\/api\/v1\/groups\/([^/]+)\/users\/([^/]+)$/,
        operation: 'assignUserToGroup',
        handle: ([gid = '', uid = '']) => membership(gid, uid, (g, u) => g.members.add(u.id)),
      },
      {
        method: 'DELETE',
        pattern: /^\/api\/v1\/groups\/([^/]+)\/users\/([^/]+)$/,
        operation: 'unassignUserFromGroup',
        handle: ([gid = '', uid = '']) => membership(gid, uid, (g, u) => g.members.delete(u.id)),
      },
    ];
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake.okta');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodeURIComponent(url.pathname);
    const requestId = `fake-${randomUUID()}`;
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(path));
    const operation = route?.operation ?? 'unknown';
    const authorization = req.headers.authorization;
    const query = Object.fromEntries(url.searchParams);
    const at = Date.now();
    const record = (status: number, reset?: string) =>
      this.calls.push({
        operation,
        method,
        path,
        query,
        authorization,
        status,
        requestId,
        at,
        ...(reset ? { rateLimitReset: Number(reset) } : {}),
      });

    const failure = route ? this.#takeFailure(route.operation) : undefined;
    if (failure?.status === 'disconnect' || failure?.status === 'hang') {
      record(0);
      if (failure.status === 'disconnect') req.socket.destroy();
      return;
    }
    let answer: Answer;
    if (authorization !== `SSWS ${this.token}`) answer = oktaError(401);
    else if (failure) answer = this.#failureAnswer(failure);
    else if (!route) answer = oktaError(404, `${method} ${path}`);
    else {
      const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => p ?? '');
      answer = route.handle(params, url.searchParams, `${url.pathname}${url.search}`);
    }
    record(answer.status, answer.headers?.['x-rate-limit-reset']);
    req.resume();
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'x-okta-request-id': requestId,
      ...answer.headers,
    });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  #takeFailure(operation: OktaOperation): Failure | undefined {
    const pending = this.#failures.get(operation);
    if (!pending) return undefined;
    if (pending.skip > 0) {
      pending.skip -= 1;
      return undefined;
    }
    pending.left -= 1;
    if (pending.left <= 0) this.#failures.delete(operation);
    return pending.failure;
  }

  #failureAnswer(failure: Failure): Answer {
    const status = typeof failure.status === 'number' ? failure.status : 500;
    const answer = oktaError(status);
    if (status !== 429) return answer;
    const reset = Math.ceil((Date.now() + (failure.rateLimitResetInMs ?? 0)) / 1000);
    return {
      ...answer,
      headers: {
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(reset),
      },
    };
  }
}
