import { Agent as HttpAgent, request } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ModalView } from '@slack/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import {
  bypassesProxy,
  createOutboundProxy,
  describeProxySettings,
  noProxyWarnings,
  type OutboundProxy,
  outboundProxy,
  type ProxySettings,
  proxySettingsOf,
  useOutboundProxy,
} from '../../src/http/outbound-proxy.js';
import { createViewOpener } from '../../src/slack/view-opener.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

const BASE = { SLACK_SIGNING_SECRET: 'shhh-signing', SLACK_BOT_TOKEN: 'xoxb-1-abc' };
const settingsOf = (variables: Record<string, string>) =>
  proxySettingsOf(parseEnv({ ...BASE, ...variables }));
const resolveFakes = (host: string) => (host.endsWith('.fake.test') ? '127.0.0.1' : host);

let slack: FakeSlack;
let proxy: ConnectProxy;
const made: OutboundProxy[] = [];
const agents: { destroy(): void }[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
  proxy = await startConnectProxy({
    credentials: { user: 'egress', password: 's3cret' },
    resolve: resolveFakes,
  });
});
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  for (const each of made.splice(0)) await each.close();
  useOutboundProxy({});
});
afterAll(async () => {
  await proxy.close();
  await slack.close();
});

function proxied(variables: Record<string, string>): OutboundProxy {
  const created = createOutboundProxy(settingsOf(variables));
  made.push(created);
  return created;
}

/** GET `url` with node's http client and `agent`; the status, or the error's code. */
function get(url: string, agent: HttpAgent): Promise<number | string> {
  return new Promise((resolve) => {
    const sent = request(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    sent.end();
  });
}

describe('the proxy variables', () => {
  it('are none unless HTTPS_PROXY or HTTP_PROXY is set: NO_PROXY alone changes nothing', () => {
    expect(settingsOf({})).toBeUndefined();
    expect(settingsOf({ NO_PROXY: 'example.internal' })).toBeUndefined();
  });

  it('send https:// through HTTPS_PROXY, or through HTTP_PROXY when it is the only one set', () => {
    expect(settingsOf({ HTTP_PROXY: 'http://a.example:3128' })?.httpsProxy?.host).toBe('a.example:3128');
    const both = settingsOf({ HTTP_PROXY: 'http://a.example:3128', HTTPS_PROXY: 'http://b.example:3128' });
    expect([both?.httpProxy?.host, both?.httpsProxy?.host]).toEqual(['a.example:3128', 'b.example:3128']);
    const httpsOnly = settingsOf({ HTTPS_PROXY: 'http://b.example:3128' });
    expect(httpsOnly?.httpProxy).toBeUndefined();
  });

  it('take the lower-case variable where both cases are set, as curl and undici do', () => {
    const settings = settingsOf({
      HTTPS_PROXY: 'http://upper.example:1',
      https_proxy: 'http://lower.example:2',
      NO_PROXY: 'upper.example',
      no_proxy: 'lower.example',
    });
    expect(settings?.httpsProxy?.host).toBe('lower.example:2');
    expect(settings?.noProxy).toEqual(['lower.example']);
  });

  it('split NO_PROXY on commas and spaces, in lower case, an IPv6 address in brackets, `*` alone', () => {
    const noProxy = (value: string) =>
      settingsOf({ HTTPS_PROXY: 'http://p.example:1', NO_PROXY: value })?.noProxy;
    expect(noProxy(' Example.COM, .corp.example  10.1.2.3:8443,::1')).toEqual([
      'example.com',
      '.corp.example',
      '10.1.2.3:8443',
      '[::1]',
    ]);
    expect(noProxy('a.example,*')).toEqual(['*']);
  });
});

describe('which hosts NO_PROXY sends direct', () => {
  it.each([
    [['example.com'], 'example.com', 443, true],
    [['example.com'], 'API.Example.com', 443, true],
    [['example.com'], 'notexample.com', 443, false],
    [['.example.com'], 'example.com', 443, true],
    [['*.example.com'], 'a.b.example.com', 443, true],
    [['example.com:8443'], 'example.com', 8443, true],
    [['example.com:8443'], 'example.com', 443, false],
    [['169.254.169.254'], '169.254.169.254', 80, true],
    [['[::1]'], '::1', 80, true],
    [['*'], 'anything.example', 80, true],
    [[], 'example.com', 443, false],
  ] as const)('%j, %s:%i -> direct %s', (noProxy, host, port, direct) => {
    expect(bypassesProxy(noProxy, host, port)).toBe(direct);
  });

  it.each([
    ['nothing', '', true],
    ['the host', '127.0.0.1', false],
    ['the host and its port', '127.0.0.1:PORT', false],
    ['the host on another port', '127.0.0.1:1', true],
    ['everything', '*', false],
  ])('the same for fetch and the node agents, NO_PROXY naming %s', async (_, noProxy, viaProxy) => {
    const port = new URL(slack.url).port;
    const outbound = proxied({ HTTP_PROXY: proxy.url, NO_PROXY: noProxy.replace('PORT', port) });
    const target = `127.0.0.1:${port}`;
    const seen = () => proxy.passed.filter((each) => each.target === target).length;

    const before = seen();
    const answer = await outbound.fetch?.(`${slack.url}api.test`, { method: 'POST' });
    expect(answer?.status).toBe(200);
    expect(seen() - before).toBe(viaProxy ? 1 : 0);

    const { httpAgent, httpsAgent } = outbound.nodeAgents();
    agents.push(httpAgent, httpsAgent);
    const middle = seen();
    expect(await get(`${slack.url}api.test`, httpAgent)).toBe(200);
    expect(seen() - middle).toBe(viaProxy ? 1 : 0);
  });
});

describe('the node agents through a proxy', () => {
  it('keep one tunnel alive for several requests, with the credentials from the URL', async () => {
    const { httpAgent, httpsAgent } = proxied({ HTTP_PROXY: proxy.url }).nodeAgents();
    agents.push(httpAgent, httpsAgent);
    const url = `http://keepalive.fake.test:${new URL(slack.url).port}/api/api.test`;
    for (let round = 0; round < 3; round++) expect(await get(url, httpAgent)).toBe(200);
    expect(proxy.passed.filter((each) => each.target.startsWith('keepalive.fake.test')).length).toBe(1);
  });

  it("meet the proxy's 407 when it wants credentials the URL does not carry", async () => {
    const { httpAgent, httpsAgent } = proxied({ HTTP_PROXY: proxy.bareUrl }).nodeAgents();
    agents.push(httpAgent, httpsAgent);
    const refusedBefore = proxy.refused.length;
    expect(await get(`http://refused.fake.test:${new URL(slack.url).port}/api/api.test`, httpAgent)).toBe(
      407,
    );
    expect(proxy.refused.length).toBe(refusedBefore + 1);
  });

  it('carry views.open, which jitbot sends with its own agent, through the proxy', async () => {
    useOutboundProxy(parseEnv({ ...BASE, HTTP_PROXY: proxy.url }));
    made.push(outboundProxy());
    const opener = createViewOpener({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-proxy-view',
        SLACK_API_URL: `http://views.fake.test:${new URL(slack.url).port}/api/`,
      },
    });
    const view: ModalView = { type: 'modal', title: { type: 'plain_text', text: 'Test' }, blocks: [] };
    try {
      await opener.open('trigger.proxy', view);
    } finally {
      opener.close();
    }
    expect(slack.callsTo('views.open').at(-1)?.args.trigger_id).toBe('trigger.proxy');
    expect(proxy.targets()).toContain(`views.fake.test:${new URL(slack.url).port}`);
  });
});

describe('without a proxy', () => {
  it('every client keeps what it had: plain kept-alive agents, the default fetch and dispatcher', () => {
    const outbound = useOutboundProxy(parseEnv({ ...BASE, NO_PROXY: 'example.internal' }));
    expect(outbound.proxied).toBe(false);
    expect(outbound.fetch).toBeUndefined();
    expect(outbound.dispatcher).toBeUndefined();
    const { httpAgent, httpsAgent } = outbound.nodeAgents();
    agents.push(httpAgent, httpsAgent);
    expect(Object.getPrototypeOf(httpAgent)).toBe(HttpAgent.prototype);
    expect(Object.getPrototypeOf(httpsAgent)).toBe(HttpsAgent.prototype);
    // `keepAlive` is node's own field, which @types/node leaves out.
    const keptAlive = (agent: HttpAgent) => (agent as HttpAgent & { keepAlive?: boolean }).keepAlive;
    expect([keptAlive(httpAgent), keptAlive(httpsAgent)]).toEqual([true, true]);
  });
});

describe('what is said about the proxy', () => {
  const settings = (variables: Record<string, string>) => settingsOf(variables) as ProxySettings;

  it('names the proxy without its user or password', () => {
    const text = describeProxySettings(
      settings({ HTTP_PROXY: 'http://jitbot:pa%24%24word@proxy.example:3128', NO_PROXY: '169.254.169.254' }),
    );
    expect(text).toBe(
      'outbound HTTP goes through proxy http://proxy.example:3128 (NO_PROXY: 169.254.169.254)',
    );
    expect(text).not.toMatch(/jitbot|pa%24|pa\$\$/);
  });

  it('names both proxies when http:// and https:// go through different ones, or one goes direct', () => {
    expect(
      describeProxySettings(
        settings({ HTTPS_PROXY: 'https://secure.example', HTTP_PROXY: 'http://plain.example:8080' }),
      ),
    ).toBe(
      'outbound HTTP goes to https:// hosts through proxy https://secure.example, to http:// hosts through proxy http://plain.example:8080 (NO_PROXY: none)',
    );
    expect(describeProxySettings(settings({ HTTPS_PROXY: 'http://secure.example:3128' }))).toBe(
      'outbound HTTP goes to https:// hosts through proxy http://secure.example:3128, to http:// hosts directly (NO_PROXY: none)',
    );
  });

  it('warns that a CIDR range in NO_PROXY is not matched', () => {
    expect(
      noProxyWarnings(settings({ HTTPS_PROXY: 'http://p.example:1', NO_PROXY: '10.0.0.0/8,.internal' })),
    ).toEqual([
      'NO_PROXY lists 10.0.0.0/8, but jitbot matches host names and addresses, not ranges: connections to those addresses go through the proxy. List the hosts themselves to reach them directly.',
    ]);
    expect(noProxyWarnings(settings({ HTTPS_PROXY: 'http://p.example:1', NO_PROXY: '.internal' }))).toEqual(
      [],
    );
  });
});
