/**
 * The egress proxy end to end: jitbot with HTTPS_PROXY / HTTP_PROXY set, against a local CONNECT
 * proxy that records what passed. jitbot knows each fake (Slack's Web API, Socket Mode's
 * WebSocket, AWS, Okta) only by a host name that the proxy alone resolves, so any request that
 * skipped the proxy would fail: a lifecycle that completes went through it all.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';
import { iamGroupTarget, oktaGroupTarget, opsAccount } from '../support/e2e-catalog.js';
import { grantSteps } from '../support/grant-steps.js';
import { FAKE_OKTA_URL, type FakeName, type Jitbot, startJitbot } from '../support/jitbot-harness.js';
import { runCli } from '../support/service-process.js';
import { userIds } from '../support/use-jitbot.js';

const ACCOUNT = '444444444444';
const APPROVER = 'UPXAPPROVER1';
const PROXY_USER = 'jitbot-egress';
const PROXY_PASSWORD = 'pr0xy-Pa55-that-must-never-leak';
const OKTA_GROUP = '00gProxyAdmins00001';

const CATALOG = {
  settings: { adminChannel: 'CPXADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [opsAccount({ accountId: ACCOUNT, externalId: 'proxy-e2e-external-id-7f3a', scheduler: true })],
  okta: { orgUrl: FAKE_OKTA_URL, token: '00OktaProxyE2eToken-4b1d' },
  targets: [
    iamGroupTarget('ops-admin', {
      name: 'Ops admin',
      account: 'ops',
      group: 'jit-ops-admin',
      approvers: [APPROVER],
    }),
    oktaGroupTarget('okta-admins', { name: 'Okta Admins', groupId: OKTA_GROUP, approvers: [APPROVER] }),
  ],
};

/** Names under a reserved top-level domain: nothing but the proxy resolves them. */
const HOSTS: Record<FakeName, string> = {
  slack: 'slack.fake.test',
  aws: 'aws.fake.test',
  okta: 'okta.fake.test',
  socket: 'socket.fake.test',
};

function renamed(url: string, fake: FakeName): string {
  return url.replace('//127.0.0.1:', `//${HOSTS[fake]}:`);
}

const portOf = (url: string) => new URL(url).port;
const awsUrl = (jitbot: Jitbot) => jitbot.cliEnv().AWS_ENDPOINT_URL ?? '';
const onlyTheProxyResolves = (host: string) => (host.endsWith('.fake.test') ? '127.0.0.1' : host);

/** Everything jitbot logs, one JSON line each. */
function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

/** Ask, approve, have the access, let it expire, see it removed. */
async function lifecycle(jitbot: Jitbot, target: string, requester: string) {
  const steps = grantSteps(() => jitbot, { approver: APPROVER, justification: 'checking the egress proxy' });
  const grant = await steps.grantFor(target, requester);
  await steps.expireNow(grant.id);
  await steps.untilEnded(grant.id);
  return grant;
}

describe('every outbound client through HTTPS_PROXY / HTTP_PROXY', () => {
  let proxy: ConnectProxy;
  let jitbot: Jitbot;
  const log = captureLog();
  const newUser = userIds('UPROXY');

  beforeAll(async () => {
    proxy = await startConnectProxy({
      credentials: { user: PROXY_USER, password: PROXY_PASSWORD },
      resolve: onlyTheProxyResolves,
    });
    jitbot = await startJitbot(CATALOG, {
      socketMode: true,
      env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
      fakeUrl: renamed,
      logger: log.logger,
    });
  });
  afterAll(async () => {
    await jitbot?.stop();
    await proxy?.close();
  });

  it('grants and revokes in AWS and Okta, with Slack over Socket Mode, every connection tunnelled through the proxy', async () => {
    const awsUser = newUser();
    await lifecycle(jitbot, 'ops-admin', awsUser);
    const iam = jitbot.aws.account(ACCOUNT);
    expect(iam.isMember('jit-ops-admin', awsUser.toLowerCase())).toBe(false);
    for (const action of ['AssumeRole', 'AddUserToGroup', 'CreateSchedule', 'RemoveUserFromGroup'])
      expect(jitbot.aws.callsTo(action).length, action).toBeGreaterThan(0);

    const oktaUser = newUser();
    await lifecycle(jitbot, 'okta-admins', oktaUser);
    const okta = jitbot.okta;
    if (!okta) throw new Error('no fake Okta');
    const oktaId = jitbot.oktaUser(oktaUser).id;
    const membership = `/api/v1/groups/${OKTA_GROUP}/users/${oktaId}`;
    expect(okta.calls.filter((call) => call.path === membership).map((call) => call.method)).toEqual([
      'PUT',
      'DELETE',
    ]);

    const socket = jitbot.socket;
    if (!socket) throw new Error('no Socket Mode fake');
    const targets = proxy.targets();
    expect(targets).toContain(`${HOSTS.slack}:${portOf(jitbot.slack.url)}`);
    expect(targets).toContain(`${HOSTS.socket}:${portOf(socket.url)}`);
    expect(targets).toContain(`${HOSTS.aws}:${portOf(awsUrl(jitbot))}`);
    expect(targets).toContain(new URL(jitbot.service.catalog.okta?.orgUrl ?? '').host);
    expect(jitbot.service.catalog.okta?.orgUrl).toContain(HOSTS.okta);
    // Tunnels only: the proxy is never handed a request to read, and always got the credentials.
    expect(new Set(proxy.passed.map((seen) => seen.method))).toEqual(new Set(['CONNECT']));
    expect(proxy.refused).toEqual([]);
  });

  it('checks Slack, AWS and Okta through the proxy in `jitbot doctor` too, and says so', async () => {
    const seenBefore = proxy.passed.length;
    const env = jitbot.cliEnv();
    const run = runCli(['doctor'], {
      ...env,
      SLACK_API_URL: renamed(env.SLACK_API_URL ?? '', 'slack'),
      AWS_ENDPOINT_URL: renamed(env.AWS_ENDPOINT_URL ?? '', 'aws'),
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
    });
    await run.exited;
    const output = run.output();
    expect(output).toContain(`proxy: outbound HTTP goes through proxy ${proxy.bareUrl} (NO_PROXY: none)`);
    expect(output).toMatch(/✓ slack token: works/);
    expect(output).toMatch(/✓ aws ops \(444444444444\): assume connector role/);
    expect(output).toMatch(/✓ okta token: works at okta\.fake\.test:/);
    expect(output).not.toContain(PROXY_PASSWORD);
    const doctorTargets = new Set(proxy.passed.slice(seenBefore).map((seen) => seen.target.split(':')[0]));
    expect(doctorTargets).toEqual(new Set([HOSTS.slack, HOSTS.aws, HOSTS.okta]));
  });

  it('says once at start which proxy it uses, and never its password', () => {
    const text = log.text();
    expect(text).toContain(`outbound HTTP goes through proxy ${proxy.bareUrl} (NO_PROXY: none)`);
    expect(text).not.toContain(PROXY_PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PROXY_PASSWORD));
  });
});

describe('NO_PROXY', () => {
  let proxy: ConnectProxy;
  let jitbot: Jitbot;

  beforeAll(async () => {
    proxy = await startConnectProxy({ resolve: onlyTheProxyResolves });
    jitbot = await startJitbot(
      { ...CATALOG, okta: undefined, targets: CATALOG.targets.slice(0, 1) },
      {
        env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: 'example.internal, 127.0.0.1' },
        // AWS keeps its address, which NO_PROXY names; Slack is reachable through the proxy only.
        fakeUrl: (url, fake) => (fake === 'aws' ? url : renamed(url, fake)),
      },
    );
  });
  afterAll(async () => {
    await jitbot?.stop();
    await proxy?.close();
  });

  it('sends AWS calls to a host it names directly, while Slack still goes through the proxy', async () => {
    const requester = 'UPROXYDIRECT1';
    await lifecycle(jitbot, 'ops-admin', requester);
    expect(jitbot.aws.callsTo('AddUserToGroup').length).toBeGreaterThan(0);
    expect(jitbot.aws.callsTo('RemoveUserFromGroup').length).toBeGreaterThan(0);
    const targets = [...proxy.targets()];
    expect(targets).toContain(`${HOSTS.slack}:${portOf(jitbot.slack.url)}`);
    // Neither the AWS fake nor the response_urls (both on 127.0.0.1) went through it.
    expect(targets.filter((target) => target.startsWith('127.0.0.1'))).toEqual([]);
  });
});
