import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOktaClient, rateLimitWaitMs } from '../../src/okta/okta-client.js';
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
    const me = await client.userApi.getUser({ userId: 'me' });
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

  it('does not send the token through a proxy named in HTTPS_PROXY', async () => {
    process.env.HTTPS_PROXY = 'http://127.0.0.1:1';
    process.env.https_proxy = 'http://127.0.0.1:1';
    expect(await whoAmI()).toBe('jitbot-admin@example.com');
  });

  it('answers from Okta, not from a cache, right after a change', async () => {
    const client = createOktaClient({ orgUrl, token: TOKEN, userMatch: 'login' });
    const ada = okta.addUser({ login: 'ada@example.com' });
    const first = await client.userApi.getUser({ userId: ada.id });
    ada.status = 'SUSPENDED';
    const second = await client.userApi.getUser({ userId: ada.id });
    expect([first.status, second.status]).toEqual(['ACTIVE', 'SUSPENDED']);
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
