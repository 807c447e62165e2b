/**
 * What people type reaches Slack as they can see it: invisible text is not a justification,
 * bidirectional controls never reach a message, and the deny reason's limit holds on the server.
 * Signed Slack requests into the real Bolt app, real PostgreSQL.
 */
import { describe, expect, it, vi } from 'vitest';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { awsAccount, iamGroupTarget } from '../support/e2e-catalog.js';
import { grantSteps } from '../support/grant-steps.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '555555555555';
const APPROVER = 'UHAPPROVER1';
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F]/;

const CATALOG = {
  settings: { adminChannel: 'CHADMIN1', approvalTimeout: '1h' },
  accounts: [
    awsAccount({ id: 'ops', accountId: ACCOUNT, region: 'eu-west-1', externalId: 'e2e-external-id-hyg1' }),
  ],
  targets: [
    iamGroupTarget('ops-admin', {
      name: 'Ops admin',
      account: 'ops',
      group: 'jit-ops-admin',
      approvers: [APPROVER],
    }),
  ],
};

const jitbot = useJitbot(CATALOG);
const newUser = userIds('UHYG');
const { command, requestCount, postsTo } = grantSteps(() => jitbot, { approver: APPROVER });

/** Asks with the slash command and waits until the approver has the approval DM. */
async function pendingRequest(requester: string, justification: string): Promise<string> {
  const answer = await command(`ops-admin 1h ${justification}`, requester);
  const id = /REQ-[0-9A-Z]{8}/.exec(answer)?.[0] ?? '';
  expect(id).not.toBe('');
  await vi.waitFor(() => expect(postsTo(APPROVER, id).length).toBeGreaterThan(0));
  return id;
}

describe('invisible text', () => {
  it('a justification of zero-width spaces is refused, by the command and by the form', async () => {
    const requester = newUser();
    const invisible = '\u200B\u200C\u2060\uFEFF'.repeat(8);
    const answer = await command(`ops-admin 1h ${invisible}`, requester);
    expect(answer).toContain('say why you need access, in at least 10 characters');

    const form = await jitbot.submitView(
      VIEWS.request,
      {
        [BLOCKS.target]: { [ACTIONS.pickTarget]: { selected_option: { value: 'ops-admin' } } },
        [BLOCKS.duration]: { [ACTIONS.pickDuration]: { selected_option: { value: '3600' } } },
        [BLOCKS.justification]: { [ACTIONS.justification]: { value: `${invisible} a b c` } },
        [BLOCKS.ticket]: { [ACTIONS.ticket]: { value: '' } },
      },
      requester,
    );
    expect(await form.json()).toEqual({
      response_action: 'errors',
      errors: { [BLOCKS.justification]: 'say why you need access, in at least 10 characters' },
    });
    expect(await requestCount(requester)).toBe(0);
  });
});

describe('control characters', () => {
  it('a NUL in a justification is refused in words, not a database error', async () => {
    const requester = newUser();
    const answer = await command('ops-admin 1h rotating the keys\u0000 of INC-7', requester);
    expect(answer).toContain('control character');
    expect(answer).not.toContain('could not do that just now');
    expect(await requestCount(requester)).toBe(0);
  });
});

describe('bidirectional controls', () => {
  it('an RLO in a justification and a ticket reaches neither the approval DM nor any other message', async () => {
    const requester = newUser();
    const id = await pendingRequest(requester, 'fixing INC-42, see invoice_\u202Efdp.exe');
    const approval = JSON.stringify(postsTo(APPROVER, id).map((call) => call.args));
    expect(approval).toContain('fixing INC-42, see invoice_fdp.exe');
    expect(approval).not.toMatch(BIDI);
    // The request is kept as typed: the audit log shows what was sent.
    const { rows } = await jitbot.database.pool.query('SELECT justification FROM requests WHERE id = $1', [
      id,
    ]);
    expect(rows[0]?.justification).toContain('\u202E');
    expect(JSON.stringify(jitbot.slack.calls.map((call) => call.args))).not.toMatch(BIDI);
  });

  it('an RLO in a deny reason does not reach the requester', async () => {
    const requester = newUser();
    const id = await pendingRequest(requester, 'reading the checkout logs');
    const denied = await jitbot.submitView(
      VIEWS.denyReason,
      { [BLOCKS.denyReason]: { [ACTIONS.denyReason]: { value: 'use the \u202Eylno-daer role' } } },
      APPROVER,
      id,
    );
    expect(await denied.text()).toBe('');
    await vi.waitFor(() =>
      expect(JSON.stringify(postsTo(requester, id))).toContain('use the ylno-daer role'),
    );
    expect(JSON.stringify(postsTo(requester, id))).not.toMatch(BIDI);
  });
});

describe('the deny reason', () => {
  it('longer than the form allows, in a hand-made view_submission: a field error, and nothing decided', async () => {
    const requester = newUser();
    const id = await pendingRequest(requester, 'reading the checkout logs');
    const response = await jitbot.submitView(
      VIEWS.denyReason,
      { [BLOCKS.denyReason]: { [ACTIONS.denyReason]: { value: 'x'.repeat(5000) } } },
      APPROVER,
      id,
    );
    expect(await response.json()).toEqual({
      response_action: 'errors',
      errors: {
        [BLOCKS.denyReason]:
          'Keep the reason to at most 500 characters (it has 5000); the requester reads it in a DM.',
      },
    });
    const { rows } = await jitbot.database.pool.query('SELECT status FROM requests WHERE id = $1', [id]);
    expect(rows[0]?.status).toBe('pending');

    const invisible = await jitbot.submitView(
      VIEWS.denyReason,
      { [BLOCKS.denyReason]: { [ACTIONS.denyReason]: { value: '\u200B\u200B\u2060' } } },
      APPROVER,
      id,
    );
    expect(await invisible.json()).toEqual({
      response_action: 'errors',
      errors: { [BLOCKS.denyReason]: 'Say why, so the requester knows what to do next.' },
    });
  });
});
