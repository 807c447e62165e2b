import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { useOutboundProxy } from '../../src/http/outbound-proxy.js';
import { createOktaClient, type OktaApi } from '../../src/okta/okta-client.js';
import { toOktaProviderError } from '../../src/okta/okta-errors.js';
import { nextLink, OktaApiError, rateLimitWaitMs, withOktaRequestId } from '../../src/okta/okta-http.js';
import { startConnectProxy } from '../support/connect-proxy.js';
import { FakeOkta } from '../support/fake-okta.js';
import { TOKEN } from './okta-harness.js';

const AMBIENT = [
  'OKTA_CLIENT_TOKEN',
  'OKTA_CLIENT_ORGURL',
  'OKTA_CLIENT_AUTHORIZATIONMODE',
  'OKTA_CLIENT_CLIENTID',
  'OKTA_CLIENT_SCOPES',
  'OKTA_CLIENT_PRIVATEKEY',
  'HTTPS_PROXY',
  'https_proxy',
  'HOME',
];

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('createOktaClient takes its configuration from the catalog only', () => {
  let okta: FakeOkta;
  let orgUrl: string;
  let dir: string;
  const saved = new Map<string, string | undefined>();
  const cwd = process.cwd();

  beforeEach(async () => {
    okta = new FakeOkta({ token: TOKEN });
    orgUrl = await okta.start();
    dir = mkdtempSync(join(tmpdir(), 'jitbot-okta-'));
    for (const name of AMBIENT) saved.set(name, process.env[name]);
  });

  afterEach(async () => {
    process.chdir(cwd);
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
    await okta.stop();
  });

  async function whoAmI(): Promise<string | undefined> {
    const client = createOktaClient({ orgUrl, token: TOKEN, userMatch: 'login' });
    const me = await client.getUser({ userId: 'me' });
    return me.profile?.login;
  }

  it('ignores OKTA_CLIENT_* variables: the catalog token and org are the ones used', async () => {
    const other = new FakeOkta({ token: 'env-token' });
    const otherUrl = await other.start();
    try {
      process.env.OKTA_CLIENT_TOKEN = 'env-token';
      process.env.OKTA_CLIENT_ORGURL = otherUrl;
      process.env.OKTA_CLIENT_AUTHORIZATIONMODE = 'PrivateKey';
      process.env.OKTA_CLIENT_CLIENTID = 'env-client';
      process.env.OKTA_CLIENT_SCOPES = 'okta.users.manage';
      expect(await whoAmI()).toBe('jitbot-admin@example.com');
      expect(okta.calls[0]?.authorization).toBe(`SSWS ${TOKEN}`);
      expect(other.calls).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });

  it('ignores ./okta.yaml and ~/.okta/okta.yaml, even malformed ones', async () => {
    const yaml = `okta:\n  client:\n    orgUrl: http://127.0.0.1:1\n    token: yaml-token\n    authorizationMode: PrivateKey\n    userAgent: from-yaml\n`;
    writeFileSync(join(dir, 'okta.yaml'), yaml);
    mkdirSync(join(dir, '.okta'));
    writeFileSync(join(dir, '.okta', 'okta.yaml'), 'okta: [unclosed\n');
    process.env.HOME = dir;
    process.chdir(dir);
    expect(await whoAmI()).toBe('jitbot-admin@example.com');
    expect(okta.calls[0]?.authorization).toBe(`SSWS ${TOKEN}`);
  });

  it('does not send the token through a proxy named in HTTPS_PROXY but not given to jitbot', async () => {
    process.env.HTTPS_PROXY = 'http://127.0.0.1:1';
    process.env.https_proxy = 'http://127.0.0.1:1';
    expect(await whoAmI()).toBe('jitbot-admin@example.com');
  });

  it('answers from Okta, not from a cache, right after a change', async () => {
    const client = createOktaClient({ orgUrl, token: TOKEN, userMatch: 'login' });
    const ada = okta.addUser({ login: 'ada@example.com' });
    const first = await client.getUser({ userId: ada.id });
    ada.status = 'SUSPENDED';
    const second = await client.getUser({ userId: ada.id });
    expect([first.status, second.status]).toEqual(['ACTIVE', 'SUSPENDED']);
  });
});

describe('what the client reads from Okta', () => {
  let okta: FakeOkta;
  let client: OktaApi;

  beforeEach(async () => {
    okta = new FakeOkta({ token: TOKEN });
    const orgUrl = await okta.start();
    client = createOktaClient({ orgUrl, token: TOKEN, userMatch: 'login' }, { maxAttempts: 1 });
  });
  afterEach(async () => {
    await okta.stop();
  });

  it('reads a user by login, a group, and a listing across pages', async () => {
    const ada = okta.addUser({ login: 'ada@example.com', email: 'ada.l@example.com' });
    const group = okta.addGroup({ name: 'admins' });
    const others = ['bea', 'cy'].map((name) => okta.addUser({ login: `${name}@example.com` }));
    for (const user of [ada, ...others]) okta.addMember(group.id, user.id);
    okta.pageSize = 2;

    expect(await client.getUser({ userId: 'ada@example.com' })).toEqual({
      id: ada.id,
      status: 'ACTIVE',
      profile: { login: 'ada@example.com', email: 'ada.l@example.com' },
    });
    expect(await client.getGroup({ groupId: group.id })).toEqual({ id: group.id, type: 'OKTA_GROUP' });
    const members = await collect(client.listGroupUsers({ groupId: group.id }));
    expect(members.map((user) => user.id)).toEqual([ada.id, ...others.map((user) => user.id)]);
    expect(okta.callsTo('listGroupUsers')).toHaveLength(2);
  });

  it('fetches the next page only when the reader gets that far', async () => {
    const group = okta.addGroup({ name: 'admins' });
    for (const name of ['ada', 'bea', 'cy']) {
      okta.addMember(group.id, okta.addUser({ login: `${name}@example.com` }).id);
    }
    okta.pageSize = 1;
    const listing = client.listGroupUsers({ groupId: group.id });
    expect(okta.callsTo('listGroupUsers')).toHaveLength(0);
    for await (const _first of listing) break;
    expect(okta.callsTo('listGroupUsers')).toHaveLength(1);
  });

  it('sends the search expression and the page size as Okta reads them', async () => {
    const grace = okta.addUser({ login: 'ghopper', email: 'grace@example.com' });
    const found = await collect(
      client.listUsers({ search: 'profile.email eq "grace@example.com"', limit: 20 }),
    );
    expect(found.map((user) => user.id)).toEqual([grace.id]);
    expect(okta.callsTo('listUsers')[0]?.query).toEqual({
      search: 'profile.email eq "grace@example.com"',
      limit: '20',
    });
  });

  it('keeps the request id of each answer, and a 429 it gives up on carries what okta-errors reads', async () => {
    const group = okta.addGroup({ name: 'admins' });
    const ada = okta.addUser({ login: 'ada@example.com' });
    const { requestId } = await withOktaRequestId(() =>
      client.assignUserToGroup({ groupId: group.id, userId: ada.id }),
    );
    expect(requestId).toBe(okta.callsTo('assignUserToGroup')[0]?.requestId);

    okta.failNext('unassignUserFromGroup', { status: 429, rateLimitResetInMs: 30_000 });
    const error = await client.unassignUserFromGroup({ groupId: group.id, userId: ada.id }).catch((e) => e);
    expect(error).toBeInstanceOf(OktaApiError);
    expect(error).toMatchObject({ status: 429, errorCode: 'E0000047' });
    expect(error.errorSummary).toMatch(/exceeded rate limit/);
    expect(error.headers.get('x-rate-limit-reset')).toBe(
      String(okta.callsTo('unassignUserFromGroup')[0]?.rateLimitReset),
    );
    expect(error.headers.get('x-okta-request-id')).toBe(okta.callsTo('unassignUserFromGroup')[0]?.requestId);
    expect(okta.isMember(group.id, ada.id)).toBe(true);
  });
});

/** A server that answers each request with the next of `answers`, recording what it was sent. */
async function startRecorder(
  answers: ((base: string) => {
    status: number;
    headers?: Record<string, string>;
    /** Sent as JSON; `text` is sent as it is. */
    body?: unknown;
    text?: string;
  })[],
) {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const answer = answers.shift()?.(base) ?? { status: 500 };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.text ?? (answer.body === undefined ? undefined : JSON.stringify(answer.body)));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('what the client sends', () => {
  it('names itself, asks for JSON, and authenticates with the SSWS token', async () => {
    const recorder = await startRecorder([() => ({ status: 200, body: { id: '00u1' } })]);
    try {
      await createOktaClient({ orgUrl: recorder.base, token: TOKEN, userMatch: 'login' }).getUser({
        userId: 'me',
      });
      expect(recorder.seen[0]?.headers).toMatchObject({
        authorization: `SSWS ${TOKEN}`,
        accept: 'application/json',
        'user-agent': 'jitbot',
      });
    } finally {
      await recorder.close();
    }
  });

  it('encodes ids and logins as one path segment each', async () => {
    const answers = Array.from({ length: 2 }, () => () => ({ status: 204 }));
    const recorder = await startRecorder([() => ({ status: 200, body: {} }), ...answers]);
    try {
      const client = createOktaClient({ orgUrl: recorder.base, token: TOKEN, userMatch: 'login' });
      await client.getUser({ userId: 'o/../x?y#z@example.com' });
      await client.assignUserToGroup({ groupId: '00g/1', userId: 'a b' });
      await client.unassignUserFromGroup({ groupId: '00g1', userId: '../../users/me' });
      expect(recorder.seen.map((request) => `${request.method} ${request.url}`)).toEqual([
        'GET /api/v1/users/o%2F..%2Fx%3Fy%23z%40example.com',
        'PUT /api/v1/groups/00g%2F1/users/a%20b',
        'DELETE /api/v1/groups/00g1/users/..%2F..%2Fusers%2Fme',
      ]);
    } finally {
      await recorder.close();
    }
  });

  it('asks for a next page of its own org, whatever host the link names', async () => {
    const recorder = await startRecorder([
      () => ({
        status: 200,
        headers: {
          link: '<https://elsewhere.example/api/v1/groups/00g1/users?after=00u1&limit=1>; rel="next"',
        },
        body: [{ id: '00u1' }],
      }),
      () => ({ status: 200, body: [{ id: '00u2' }] }),
    ]);
    try {
      const client = createOktaClient({ orgUrl: recorder.base, token: TOKEN, userMatch: 'login' });
      const users = await collect(client.listGroupUsers({ groupId: '00g1' }));
      expect(users.map((user) => user.id)).toEqual(['00u1', '00u2']);
      expect(recorder.seen.map((request) => request.url)).toEqual([
        '/api/v1/groups/00g1/users',
        '/api/v1/groups/00g1/users?after=00u1&limit=1',
      ]);
    } finally {
      await recorder.close();
    }
  });

  it('does not follow a redirect, and says to check the orgUrl', async () => {
    const recorder = await startRecorder([
      () => ({ status: 301, headers: { location: 'https://other.example/api/v1/users/me' } }),
    ]);
    try {
      const settings = { orgUrl: recorder.base, token: TOKEN, userMatch: 'login' } as const;
      const error = await createOktaClient(settings)
        .getUser({ userId: 'me' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 301 });
      const failure = toOktaProviderError(error, { operation: 'getUser', orgUrl: recorder.base }, TOKEN);
      expect(failure.code).toBe('okta_redirected');
      expect(failure.message).toContain('https://other.example/api/v1/users/me');
      expect(failure.message).toContain('check the orgUrl in the catalog');
      expect(recorder.seen).toHaveLength(1);
    } finally {
      await recorder.close();
    }
  });

  it('says so when what answers is not the Okta API', async () => {
    const recorder = await startRecorder([
      () => ({ status: 200, text: '<html>Sign in to the captive portal</html>' }),
      () => ({ status: 200, body: null }),
    ]);
    try {
      const client = createOktaClient({ orgUrl: recorder.base, token: TOKEN, userMatch: 'login' });
      await expect(client.getGroup({ groupId: '00g1' })).rejects.toThrow(
        /^Okta answered GET \/api\/v1\/groups\/00g1 with something that is not JSON: check that the orgUrl/,
      );
      await expect(client.getGroup({ groupId: '00g1' })).rejects.toThrow(/not a JSON object/);
    } finally {
      await recorder.close();
    }
  });
});

describe('through the outbound proxy', () => {
  afterEach(() => {
    useOutboundProxy({});
  });

  it('tunnels every call through the proxy, except to NO_PROXY hosts', async () => {
    const okta = new FakeOkta({ token: TOKEN });
    const orgUrl = await okta.start();
    const proxy = await startConnectProxy({ credentials: { user: 'egress', password: 'pr0xy-pw' } });
    const base = { SLACK_SIGNING_SECRET: 'shhh-signing', SLACK_BOT_TOKEN: 'xoxb-1-abc' };
    const settings = { orgUrl, token: TOKEN, userMatch: 'login' } as const;
    try {
      const proxied = useOutboundProxy(parseEnv({ ...base, HTTP_PROXY: proxy.url }));
      expect((await createOktaClient(settings).getUser({ userId: 'me' })).id).toBe(okta.admin.id);
      expect(proxy.targets()).toEqual(new Set([new URL(orgUrl).host]));
      await proxied.close();

      const direct = useOutboundProxy(parseEnv({ ...base, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }));
      const before = proxy.passed.length;
      expect((await createOktaClient(settings).getUser({ userId: 'me' })).id).toBe(okta.admin.id);
      expect(proxy.passed.length).toBe(before);
      expect(okta.callsTo('getUser')).toHaveLength(2);
      await direct.close();
    } finally {
      await proxy.close();
      await okta.stop();
    }
  });
});

describe('rateLimitWaitMs', () => {
  it('is the time until the reset second, plus a little slack', () => {
    expect(rateLimitWaitMs('1000', 999_000)).toBe(1_250);
    expect(rateLimitWaitMs('1000', 1_001_000)).toBe(250);
  });

  it('uses the first of duplicated headers and ignores garbage', () => {
    expect(rateLimitWaitMs('1000, 1000', 999_500)).toBe(750);
    expect(rateLimitWaitMs('soon', 0)).toBeUndefined();
    expect(rateLimitWaitMs(null, 0)).toBeUndefined();
  });
});

describe('nextLink', () => {
  it('finds rel="next" among Okta\'s Link headers, joined or not', () => {
    const page = 'https://acme.okta.com/api/v1/users';
    expect(
      nextLink(
        '<https://acme.okta.com/api/v1/users?limit=2>; rel="self", <https://acme.okta.com/api/v1/users?after=00u2&limit=2>; rel="next"',
        page,
      ),
    ).toBe('https://acme.okta.com/api/v1/users?after=00u2&limit=2');
    expect(nextLink('</api/v1/users?after=x>; rel=next', page)).toBe(
      'https://acme.okta.com/api/v1/users?after=x',
    );
    expect(nextLink('<https://acme.okta.com/api/v1/users>; rel="self"', page)).toBeUndefined();
    expect(nextLink(null, page)).toBeUndefined();
  });
});
