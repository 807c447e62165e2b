/**
 * Whose account gets the access, end to end: signed Slack requests into the real Bolt app, the
 * real AWS and Okta SDKs against fakes, real PostgreSQL. The approvers see the IAM or Okta user
 * the approval opens; a Slack email outside settings.allowedEmailDomains, a guest, someone from
 * another workspace, a bot, an app user and a deactivated account are refused before any
 * approver hears of the request.
 */
import { describe, expect, it, vi } from 'vitest';
import { iamGroupTarget, oktaGroupTarget, prodAccount } from '../support/e2e-catalog.js';
import { grantSteps } from '../support/grant-steps.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '111111111111';
const APPROVER = 'UPCAPPROVER1';
const ADMIN_CHANNEL = 'CPCADMIN1';
const OKTA_GROUP = '00gPrincipal0000001';

const CATALOG = {
  settings: {
    adminChannel: ADMIN_CHANNEL,
    approvalTimeout: '1h',
    expiryWarning: '15m',
    // Written in mixed case: domains compare without case.
    allowedEmailDomains: ['Example.com'],
  },
  accounts: [prodAccount({ accountId: ACCOUNT, externalId: 'principal-e2e-external-id' })],
  okta: { orgUrl: 'fake-okta', token: '00PrincipalChecksToken-4b1d' },
  targets: [
    iamGroupTarget('prod-admin', {
      name: 'Production admin',
      account: 'prod',
      group: 'jit-prod-admin',
      approvers: [APPROVER],
    }),
    iamGroupTarget('prod-breakglass', {
      name: 'Production breakglass',
      account: 'prod',
      group: 'jit-prod-bg',
      durations: { default: '1h', max: '2h' },
      breakglass: true,
    }),
    oktaGroupTarget('support-tools', { name: 'Support tools', groupId: OKTA_GROUP, approvers: [APPROVER] }),
  ],
};

const jitbot = useJitbot(CATALOG);
const newUser = userIds('UPC', 'X');
/** requestAccess(target, requester): `/request-aws-access <target> 1h checking INC-9`, the request id. */
const {
  ask: requestAccess,
  postsTo,
  requestStatus: statusOf,
} = grantSteps(() => jitbot, { approver: APPROVER, justification: 'checking INC-9' });

/** The request failed before anyone was asked; returns what the requester was told. */
async function refusedWords(requestId: string, requester: string): Promise<string> {
  await vi.waitFor(async () => expect(await statusOf(requestId)).toBe('failed'));
  await vi.waitFor(() => expect(postsTo(requester, requestId).length).toBeGreaterThan(0));
  expect(postsTo(APPROVER, requestId)).toEqual([]);
  const { rows } = await jitbot.database.pool.query(
    "SELECT count(*)::int AS n FROM jobs WHERE kind = 'slack.request-submitted' AND payload->>'requestId' = $1",
    [requestId],
  );
  expect(rows[0].n).toBe(0);
  return JSON.stringify(postsTo(requester, requestId).map((call) => call.args));
}

async function refusalAudit(requestId: string) {
  const { rows } = await jitbot.database.pool.query(
    "SELECT actor, outcome, details FROM audit_events WHERE request_id = $1 AND action = 'request.requester-refused'",
    [requestId],
  );
  return rows;
}

describe('approvers see whose account gets the access', () => {
  it('the approval DM names the IAM user and the account, in its blocks and its text', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-admin', requester);
    await vi.waitFor(() => expect(postsTo(APPROVER, id)).toHaveLength(1));
    const [dm] = postsTo(APPROVER, id);
    const iamUser = requester.toLowerCase();
    expect(JSON.stringify(dm?.args.blocks)).toContain(`as *IAM user ${iamUser} in Production (${ACCOUNT})*`);
    expect(dm?.args.text).toBe(
      `<@${requester}> asks for Production admin for 1h as IAM user ${iamUser} in Production (${ACCOUNT})`,
    );
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE request_id = $1 AND action = 'request.principal-found'",
      [id],
    );
    expect(rows[0]?.details).toEqual({
      principal: iamUser,
      label: `IAM user ${iamUser} in Production (${ACCOUNT})`,
      email: `${iamUser}@example.com`,
    });
  });

  it('the approval DM of an Okta target names the Okta user by the login that found it', async () => {
    const requester = newUser();
    const id = await requestAccess('support-tools', requester);
    await vi.waitFor(() => expect(postsTo(APPROVER, id)).toHaveLength(1));
    const [dm] = postsTo(APPROVER, id);
    const login = `${requester.toLowerCase()}@example.com`;
    expect(JSON.stringify(dm?.args.blocks)).toContain(`as *Okta user ${login}*`);
    expect(dm?.args.text).toContain(`for 1h as Okta user ${login}`);
  });

  it('the breakglass notice in the admin channel names the IAM user and the account', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-breakglass', requester);
    await vi.waitFor(() => expect(postsTo(ADMIN_CHANNEL, id)).toHaveLength(1));
    const [notice] = postsTo(ADMIN_CHANNEL, id);
    const words = `IAM user ${requester.toLowerCase()} in Production (${ACCOUNT})`;
    expect(JSON.stringify(notice?.args.blocks)).toContain(`for *1h* as *${words}*, without approval.`);
    expect(notice?.args.text).toContain(`for 1h as ${words}`);
  });
});

describe('settings.allowedEmailDomains', () => {
  it('refuses a Slack email outside the allowed domains before any approver is asked, and audits it', async () => {
    // The reported case: a Slack user whose email says alice@evil.example became IAM user alice.
    jitbot.aws.account(ACCOUNT).addUser('alice');
    const requester = newUser();
    jitbot.slack.setUser(requester, { profile: { email: 'alice@evil.example' } });
    const id = await requestAccess('prod-admin', requester);
    const told = await refusedWords(id, requester);
    expect(told).toContain(
      'Your Slack email alice@evil.example is not in an allowed domain (example.com); ask a Slack admin to change it to your work email',
    );
    expect(await refusalAudit(id)).toEqual([
      {
        actor: requester,
        outcome: 'refused',
        details: { check: 'email-domain', email: 'alice@evil.example', allowedEmailDomains: ['example.com'] },
      },
    ]);
    // IAM was never asked about alice: the refusal came first.
    const asked = jitbot.aws.callsTo('GetUser').map((call) => call.params.UserName);
    expect(asked).not.toContain('alice');
  });

  it.each(['bob@example.com.evil.io', 'bob@evilexample.com', 'bob@sub.example.com'])(
    'refuses %s: the domain must match exactly',
    async (email) => {
      const requester = newUser();
      jitbot.slack.setUser(requester, { profile: { email } });
      const id = await requestAccess('support-tools', requester);
      expect(await refusedWords(id, requester)).toContain(
        `Your Slack email ${email} is not in an allowed domain`,
      );
      expect(jitbot.okta?.calls.some((call) => call.path.includes('bob'))).toBe(false);
    },
  );

  it('accepts an allowed domain whatever its case', async () => {
    const requester = newUser();
    jitbot.slack.setUser(requester, { profile: { email: `${requester}@EXAMPLE.COM` } });
    const id = await requestAccess('prod-admin', requester);
    await vi.waitFor(() => expect(postsTo(APPROVER, id)).toHaveLength(1));
  });
});

describe('who Slack says the requester is', () => {
  it.each([
    ['a multi-channel guest', { is_restricted: true }, 'You are a guest in this Slack workspace'],
    [
      'a single-channel guest',
      { is_restricted: true, is_ultra_restricted: true },
      'You are a single-channel guest in this Slack workspace',
    ],
    [
      'a user of another workspace (Slack Connect)',
      { team_id: 'TSTRANGERS' },
      'Your Slack account belongs to another workspace or organisation',
    ],
    ['a bot', { is_bot: true }, 'The request came from a bot user'],
    ['an app user', { is_app_user: true }, "The request came from an app's Slack user"],
    ['a deactivated account', { deleted: true }, 'Your Slack account is deactivated'],
  ])('%s is refused with words, and no approver is messaged', async (_who, fields, words) => {
    const requester = newUser();
    jitbot.slack.setUser(requester, fields);
    const id = await requestAccess('prod-admin', requester);
    expect(await refusedWords(id, requester)).toContain(words);
    expect(await refusalAudit(id)).toEqual([
      expect.objectContaining({ actor: requester, outcome: 'refused' }),
    ]);
  });

  it('on Enterprise Grid, a member of this workspace whose home is another workspace of the organisation is let through', async () => {
    const requester = newUser();
    jitbot.slack.setUser(requester, {
      team_id: 'TOTHERGRID',
      enterprise_user: { teams: ['TOTHERGRID', 'TFAKE'] },
    });
    const id = await requestAccess('prod-admin', requester);
    await vi.waitFor(() => expect(postsTo(APPROVER, id)).toHaveLength(1));
  });
});
