/**
 * aws-iam-generated-policy end to end: the requester's permissions are checked, bounded, built
 * and simulated before anyone is asked; approvers see the summary and the exact document; on
 * approval jitbot creates exactly that policy under /jit/generated/ (its expiry filled in),
 * attaches it with a detaching backstop, and at expiry detaches and deletes it. Through the real
 * AWS SDK against the fake IAM and Scheduler, and signed Slack requests.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { awsAccount, generatedPolicyTarget } from '../support/e2e-catalog.js';
import type { FakeAwsAccount } from '../support/fake-aws.js';
import { grantSteps } from '../support/grant-steps.js';
import { formValues } from '../support/request-form.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '444444444444';
const APPROVER = 'UGAPPROVER1';
const STRANGER = 'UGSTRANGER1';
const LOGS = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/team-a/*`;

const CATALOG = {
  settings: { adminChannel: 'CGADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [
    awsAccount({
      id: 'data',
      name: 'Data',
      accountId: ACCOUNT,
      region: 'us-east-1',
      externalId: 'e2e-generated-external-id',
      scheduler: true,
    }),
  ],
  targets: [
    generatedPolicyTarget('s3-scoped', {
      name: 'Production S3, scoped',
      account: 'data',
      allow: {
        actions: ['s3:Get*', 's3:List*', 'logs:FilterLogEvents'],
        resources: ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-a-*/*', LOGS],
      },
      deny: { actions: ['s3:GetObjectAcl'] },
      approvers: [APPROVER],
    }),
  ],
};

const READ_LOGS =
  's3:GetObject,s3:ListBucket arn:aws:s3:::team-a-logs,arn:aws:s3:::team-a-logs/*\nlogs:FilterLogEvents ' +
  'arn:aws:logs:us-east-1:444444444444:log-group:/team-a/app';

const jitbot = useJitbot(CATALOG);
let iam: FakeAwsAccount;
const newUser = userIds('UGEN');
const {
  approve,
  grantOf,
  requestStatus,
  dmsTo,
  postsTo,
  untilActive,
  untilEnded,
  expireNow,
  whileStopped,
  fireBackstops,
  expiredTenMinutesAgo,
} = grantSteps(() => jitbot, { approver: APPROVER });

beforeAll(() => {
  iam = jitbot.aws.account(ACCOUNT);
});

const iamName = (userId: string) => userId.toLowerCase();
const policyArnOf = (grantId: string) => `arn:aws:iam::${ACCOUNT}:policy/jit/generated/jitbot-${grantId}`;

/** Submits the form for the generated target; the request id, or the form's errors. */
type Submitted = { readonly id: string } | { readonly errors: Record<string, string> };

async function submit(requester: string, permissions: string, seconds = '3600'): Promise<Submitted> {
  const response = await jitbot.submitView(
    VIEWS.request,
    formValues('s3-scoped', seconds, 'reading the team-a logs for INC-7', '', permissions),
    requester,
  );
  const text = await response.text();
  if (text !== '') return { errors: (JSON.parse(text) as { errors: Record<string, string> }).errors };
  const { rows } = await jitbot.database.pool.query(
    'SELECT id FROM requests WHERE requester_id = $1 ORDER BY created_at DESC LIMIT 1',
    [requester],
  );
  return { id: String(rows[0]?.id) };
}

async function askFor(requester: string, permissions = READ_LOGS): Promise<string> {
  iam.addUser(iamName(requester));
  const submitted = await submit(requester, permissions);
  if (!('id' in submitted)) throw new Error(`refused: ${JSON.stringify(submitted.errors)}`);
  return submitted.id;
}

const statementOf = (document: unknown) => (document as { Statement: Record<string, unknown>[] }).Statement;

describe('a generated policy, granted and revoked', () => {
  it('approvers see the summary and the document; on approval exactly that document is created, attached and backstopped; at expiry it is detached and deleted', async () => {
    const requester = newUser();
    const id = await askFor(requester);
    await vi.waitFor(() => expect(postsTo(APPROVER, id).length).toBeGreaterThan(0));
    const approval = JSON.stringify(postsTo(APPROVER, id)[0]?.args);
    expect(approval).toContain('3 actions: List 1, Read 2, on 3 resources; hard expiry 1h after approval');
    expect(approval).toContain('arn:aws:s3:::team-a-logs/*');
    expect(approval).toContain('aws:CurrentTime');

    await approve(id);
    const grant = await untilActive(id);
    const arn = policyArnOf(grant.id);
    expect(iam.hasPolicy(iamName(requester), arn)).toBe(true);
    const document = iam.policyDocument(arn);
    const expiry = `${new Date(grant.expires_at).toISOString().slice(0, 19)}Z`;
    expect(statementOf(document)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:FilterLogEvents'],
        Resource: ['arn:aws:logs:us-east-1:444444444444:log-group:/team-a/app'],
        Condition: { DateLessThan: { 'aws:CurrentTime': expiry } },
      },
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: ['arn:aws:s3:::team-a-logs'],
        Condition: { DateLessThan: { 'aws:CurrentTime': expiry } },
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: ['arn:aws:s3:::team-a-logs/*'],
        Condition: { DateLessThan: { 'aws:CurrentTime': expiry } },
      },
    ]);
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)?.definition).toMatchObject({
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:iam:detachUserPolicy',
        Input: JSON.stringify({ PolicyArn: arn, UserName: iamName(requester) }),
      },
    });
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE grant_id = $1 AND action = 'grant.activated'",
      [grant.id],
    );
    const held = rows[0]?.details.access;
    expect(held.policyArn).toBe(arn);
    expect(held.policyDocument).toEqual(document);
    expect(held.policyHash).toBe(createHash('sha256').update(JSON.stringify(document)).digest('hex'));
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('You now have'));

    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.hasPolicy(iamName(requester), arn)).toBe(false);
    expect(iam.policyDocument(arn)).toBeUndefined();
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)).toBeUndefined();
    const order = jitbot.aws.calls
      .filter((call) => JSON.stringify(call.params).includes(grant.id))
      .map((call) => call.action);
    expect(order.indexOf('DetachUserPolicy')).toBeLessThan(order.indexOf('DeletePolicy'));
    expect(order.indexOf('DeletePolicy')).toBeLessThan(order.indexOf('DeleteSchedule'));
  });

  it('each approved request is a grant of its own, with its own policy', async () => {
    const requester = newUser();
    const first = await askFor(requester, 's3:GetObject arn:aws:s3:::team-a-logs/*');
    await approve(first);
    const one = await untilActive(first);
    const second = await submit(requester, 's3:ListBucket arn:aws:s3:::team-a-logs');
    if (!('id' in second)) throw new Error(JSON.stringify(second.errors));
    await approve(second.id);
    const two = await untilActive(second.id);
    expect(two.id).not.toBe(one.id);
    expect(iam.policiesOf(iamName(requester))).toEqual([policyArnOf(one.id), policyArnOf(two.id)]);
  });

  it('the backstop detached the policy while jitbot was down: back up, jitbot deletes the policy and ends the grant', async () => {
    const requester = newUser();
    const id = await askFor(requester);
    await approve(id);
    const grant = await untilActive(id);
    const arn = policyArnOf(grant.id);
    await whileStopped(async () => {
      expect(fireBackstops()).toContain(`jitbot-${grant.id}`);
      expect(iam.hasPolicy(iamName(requester), arn)).toBe(false);
      await expiredTenMinutesAgo(grant.id);
    });
    await untilEnded(grant.id);
    expect(iam.policyDocument(arn)).toBeUndefined();
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE grant_id = $1 AND action = 'grant.revoked'",
      [grant.id],
    );
    expect(rows[0]?.details).toMatchObject({ removal: 'already-gone' });
  });

  it("a user at IAM's policy quota: the grant fails in words, and the policy made for it is deleted", async () => {
    const requester = newUser();
    iam.addUser(iamName(requester));
    for (let index = 0; index < 10; index += 1) {
      const other = `arn:aws:iam::${ACCOUNT}:policy/team/quota-${requester}-${index}`;
      iam.addPolicy(other);
      iam.attachPolicy(other, iamName(requester));
    }
    const id = await askFor(requester);
    await approve(id);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 10_000 });
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('PoliciesPerUser'));
    const grant = await grantOf(id);
    expect(iam.policyDocument(policyArnOf(grant?.id ?? ''))).toBeUndefined();
    expect(iam.schedule('jitbot', `jitbot-${grant?.id}`)).toBeUndefined();
  });
});

describe('refused before any approver is asked', () => {
  it.each([
    ['an unknown action, with a did-you-mean', 's3:GetObjekt arn:aws:s3:::team-a-logs/*', 's3:GetObject'],
    ['an action outside the bounds', 's3:PutObject arn:aws:s3:::team-a-logs/*', 's3:PutObject'],
    ['a denied action', 's3:GetObjectAcl arn:aws:s3:::team-a-logs/*', 's3:GetObjectAcl'],
    [
      'a resource outside the bounds',
      's3:GetObject arn:aws:s3:::team-b-logs/*',
      'arn:aws:s3:::team-b-logs/*',
    ],
    ['a resource the action cannot act on', 's3:ListBucket arn:aws:s3:::team-a-logs/*', 's3:ListBucket'],
    ['no permissions at all', '', 'Say which permissions you need'],
  ])('%s: the form says why, nothing is created, nobody is asked', async (_name, permissions, named) => {
    const requester = newUser();
    const before = jitbot.slack.callsTo('chat.postMessage').length;
    const submitted = await submit(requester, permissions);
    expect('errors' in submitted && submitted.errors[BLOCKS.permissions]).toContain(named);
    const { rowCount } = await jitbot.database.pool.query('SELECT 1 FROM requests WHERE requester_id = $1', [
      requester,
    ]);
    expect(rowCount).toBe(0);
    expect(jitbot.slack.callsTo('chat.postMessage').length).toBe(before);
  });
});

describe('asking and reading', () => {
  it('the text shortcut opens the form on the target, with the duration and justification filled in and a Permissions field', async () => {
    const requester = newUser();
    const before = jitbot.slack.callsTo('views.open').length;
    await jitbot.command('s3-scoped 2h checking the team-a exports', requester);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBe(before + 1));
    const view = JSON.stringify(jitbot.slack.callsTo('views.open').at(-1)?.args.view);
    expect(view).toContain(`"block_id":"${BLOCKS.permissions}"`);
    expect(view).toContain('"initial_value":"checking the team-a exports"');
    expect(view).toContain('"value":"7200"');
    const { rowCount } = await jitbot.database.pool.query('SELECT 1 FROM requests WHERE requester_id = $1', [
      requester,
    ]);
    expect(rowCount).toBe(0);
  });

  it('a long policy goes behind View policy, which opens it for an approver and refuses anyone else', async () => {
    const requester = newUser();
    const buckets = Array.from({ length: 40 }, (_, index) => `arn:aws:s3:::team-a-bucket-${index}/*`);
    const id = await askFor(requester, `s3:GetObject,s3:GetObjectVersion ${buckets.join(',')}`);
    await vi.waitFor(() => expect(postsTo(APPROVER, id).length).toBeGreaterThan(0));
    expect(JSON.stringify(postsTo(APPROVER, id)[0]?.args)).toContain(ACTIONS.viewPolicy);

    const opened = jitbot.slack.callsTo('views.open').length;
    await jitbot.click(ACTIONS.viewPolicy, id, APPROVER);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBe(opened + 1));
    expect(JSON.stringify(jitbot.slack.callsTo('views.open').at(-1)?.args.view)).toContain(
      'team-a-bucket-39/*',
    );

    const { responseUrl } = await jitbot.click(ACTIONS.viewPolicy, id, STRANGER);
    await vi.waitFor(() =>
      expect(JSON.stringify(jitbot.responses(responseUrl))).toContain("the target's approvers"),
    );
    expect(jitbot.slack.callsTo('views.open').length).toBe(opened + 1);
  });
});

describe('extending a generated policy', () => {
  /** Extend on the grant, as its holder: the form it opens, and the metadata that names the grant. */
  async function openExtension(grantId: string, requester: string) {
    const before = jitbot.slack.callsTo('views.open').length;
    await jitbot.click(ACTIONS.extendGrant, grantId, requester);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBe(before + 1));
    return jitbot.slack.callsTo('views.open').at(-1)?.args.view as {
      private_metadata: string;
      blocks: unknown[];
    };
  }

  async function extend(grantId: string, requester: string, seconds: string) {
    const view = await openExtension(grantId, requester);
    const response = await jitbot.submitView(
      VIEWS.request,
      formValues('s3-scoped', seconds, 'still reading the team-a logs for INC-7'),
      requester,
      view.private_metadata,
    );
    expect(await response.text()).toBe('');
    const { rows } = await jitbot.database.pool.query(
      'SELECT id FROM requests WHERE extends_grant_id = $1 ORDER BY created_at DESC LIMIT 1',
      [grantId],
    );
    return String(rows[0]?.id);
  }

  it('Extend asks for time only; on approval a new policy with the later expiry replaces the old one, and the backstop moves to it', async () => {
    const requester = newUser();
    const first = await askFor(requester);
    await approve(first);
    const grant = await untilActive(first);
    const old = policyArnOf(grant.id);

    const view = await openExtension(grant.id, requester);
    expect(JSON.stringify(view.blocks)).toContain(
      'Extending *Production S3, scoped* with the same permissions',
    );
    expect(JSON.stringify(view.blocks)).not.toContain(`"block_id":"${BLOCKS.permissions}"`);
    const id = await extend(grant.id, requester, '7200');
    await approve(id);
    await vi.waitFor(
      async () =>
        expect(new Date((await grantOf(id))?.expires_at ?? 0).getTime()).toBeGreaterThan(
          new Date(grant.expires_at).getTime(),
        ),
      { timeout: 15_000 },
    );
    const extended = await grantOf(id);
    expect(extended?.id).toBe(grant.id);
    const expiry = new Date(extended?.expires_at ?? 0);
    const replacement = policyArnOf(
      `${grant.id}-${expiry
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
        .replace(/[-:]/g, '')}`,
    );
    expect(iam.policiesOf(iamName(requester))).toEqual([replacement]);
    expect(iam.policyDocument(old)).toBeUndefined();
    const condition = statementOf(iam.policyDocument(replacement))[0]?.Condition;
    expect(condition).toEqual({
      DateLessThan: { 'aws:CurrentTime': `${expiry.toISOString().slice(0, 19)}Z` },
    });
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)?.definition).toMatchObject({
      Target: { Input: JSON.stringify({ PolicyArn: replacement, UserName: iamName(requester) }) },
    });
    const created = jitbot.aws.calls.filter((call) => JSON.stringify(call.params).includes(grant.id));
    expect(created.map((call) => call.action)).not.toContain('CreatePolicyVersion');

    await expireNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.policiesOf(iamName(requester))).toEqual([]);
    expect(iam.policyDocument(replacement)).toBeUndefined();
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)).toBeUndefined();
  });

  it('no free policy slot: the extension is refused in words, and the grant stands as it was', async () => {
    const requester = newUser();
    const first = await askFor(requester);
    await approve(first);
    const grant = await untilActive(first);
    for (let index = 0; index < 9; index += 1) {
      const other = `arn:aws:iam::${ACCOUNT}:policy/team/slot-${requester}-${index}`;
      iam.addPolicy(other);
      iam.attachPolicy(other, iamName(requester));
    }
    const schedule = iam.schedule('jitbot', `jitbot-${grant.id}`)?.definition;
    const id = await extend(grant.id, requester, '7200');
    await approve(id);
    await vi.waitFor(async () => expect(await requestStatus(id)).toBe('failed'), { timeout: 15_000 });
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain("IAM's limit per user"));
    const after = await grantOf(first);
    expect(after?.status).toBe('active');
    expect(after?.expires_at).toEqual(grant.expires_at);
    expect(iam.hasPolicy(iamName(requester), policyArnOf(grant.id))).toBe(true);
    expect(iam.schedule('jitbot', `jitbot-${grant.id}`)?.definition).toEqual(schedule);
  });

  it("only the holder can extend: anyone else's click opens nothing", async () => {
    const requester = newUser();
    const first = await askFor(requester);
    await approve(first);
    const grant = await untilActive(first);
    const opened = jitbot.slack.callsTo('views.open').length;
    const { responseUrl } = await jitbot.click(ACTIONS.extendGrant, grant.id, STRANGER);
    await vi.waitFor(() =>
      expect(JSON.stringify(jitbot.responses(responseUrl))).toContain('Only the person who has this access'),
    );
    expect(jitbot.slack.callsTo('views.open').length).toBe(opened);
  });
});
