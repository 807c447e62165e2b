import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOktaChecks } from '../../src/okta/okta-checks.js';
import { FakeOkta } from '../support/fake-okta.js';
import { TOKEN } from './okta-harness.js';

let okta: FakeOkta;
let orgUrl: string;
beforeEach(async () => {
  okta = new FakeOkta({ token: TOKEN });
  orgUrl = await okta.start();
});
afterEach(async () => {
  await okta.stop();
});

const checks = (token = TOKEN) => createOktaChecks({ settings: { orgUrl, token, userMatch: 'login' } });

describe('checkToken', () => {
  it('passes with a token Okta accepts', async () => {
    expect(await checks().checkToken()).toEqual({ ok: true });
    expect(okta.calls[0]?.path).toBe('/api/v1/users/me');
  });

  it('says the token was refused and how to make a new one, without showing it', async () => {
    const result = await checks('00revoked-token-value').checkToken();
    expect(result).toEqual({
      ok: false,
      problem: `Okta refused jitbot's API token for ${new URL(orgUrl).host}.`,
      fix: expect.stringContaining('Security > API > Tokens'),
    });
    expect(JSON.stringify(result)).not.toContain('00revoked-token-value');
  });

  it('says when Okta cannot be reached', async () => {
    await okta.stop();
    const result = await checks().checkToken();
    expect(result).toMatchObject({ ok: false, problem: `jitbot could not reach Okta at ${orgUrl}.` });
  });
});

describe('checkGroupExists', () => {
  it('passes for an Okta group', async () => {
    const group = okta.addGroup({ name: 'admins' });
    expect(await checks().checkGroupExists(group.id)).toEqual({ ok: true });
  });

  it('names a group that does not exist and where to find the right id', async () => {
    const result = await checks().checkGroupExists('00gNOPE');
    expect(result).toEqual({
      ok: false,
      problem: `Okta has no group 00gNOPE in ${new URL(orgUrl).host}.`,
      fix: expect.stringContaining('Directory > Groups'),
    });
  });

  it('refuses a group whose members come from another directory', async () => {
    const group = okta.addGroup({ name: 'ad-admins', type: 'APP_GROUP' });
    const result = await checks().checkGroupExists(group.id);
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('is of type APP_GROUP') });
  });

  it('says which role the token lacks when Okta answers 403', async () => {
    okta.failNext('getGroup', { status: 403 });
    const result = await checks().checkGroupExists('00gSECRET');
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('can see group 00gSECRET') });
  });
});
