/**
 * Requests nobody approves (autoApprove, breakglass) cannot extend access that is already held:
 * the reproduced chain of `/request-aws-access <target> 5m`, then `10m`, ... end to end through
 * signed Slack requests, the real AWS SDK against the fake, and real PostgreSQL.
 */
import { describe, expect, it, vi } from 'vitest';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { iamGroupTarget, opsAccount } from '../support/e2e-catalog.js';
import { grantSteps } from '../support/grant-steps.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '333333333333';
const APPROVER = 'UXAPPROVER1';
const ADMIN_CHANNEL = 'CXADMIN1';

const CATALOG = {
  settings: { adminChannel: ADMIN_CHANNEL, approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [opsAccount({ accountId: ACCOUNT, externalId: 'e2e-external-id-ext1', scheduler: true })],
  targets: [
    iamGroupTarget('ops-read', {
      name: 'Ops read-only',
      account: 'ops',
      group: 'jit-ops-read',
      durations: { default: '15m', max: '1h' },
      approvers: [APPROVER],
      autoApprove: { maxDuration: '30m' },
    }),
    iamGroupTarget('ops-glass', {
      name: 'Ops breakglass',
      account: 'ops',
      group: 'jit-ops-glass',
      durations: { default: '30m', max: '1h' },
      breakglass: true,
    }),
  ],
};

const jitbot = useJitbot(CATALOG);
const newUser = userIds('UXEXT');
const { grantFor, untilJoined, approvalPostsAbout, dmsTo, command } = grantSteps(() => jitbot, {
  approver: APPROVER,
  autoApproved: new Set(['ops-read', 'ops-glass']),
});

async function requestsOf(userId: string): Promise<{ id: string; status: string }[]> {
  const { rows } = await jitbot.database.pool.query(
    'SELECT id, status FROM requests WHERE requester_id = $1 ORDER BY created_at',
    [userId],
  );
  return rows;
}

async function expiryOf(grantId: string): Promise<Date> {
  const { rows } = await jitbot.database.pool.query('SELECT expires_at FROM grants WHERE id = $1', [grantId]);
  return rows[0]?.expires_at;
}

async function refusalsOf(userId: string) {
  const { rows } = await jitbot.database.pool.query(
    "SELECT outcome, grant_id, details FROM audit_events WHERE actor = $1 AND action = 'request.refused' ORDER BY id",
    [userId],
  );
  return rows;
}

describe('an auto-approved grant cannot be chained into unlimited access', () => {
  it('5m, then 10m, 10m, 10m: each later request is refused in words; the expiry never moves', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-read', requester, '5m');
    const approverPosts = approvalPostsAbout((await requestsOf(requester))[0]?.id ?? '').length;

    for (let round = 0; round < 3; round += 1) {
      const answer = await command('ops-read 10m still reading the logs', requester);
      expect(answer).toContain('You already have *Ops read-only* until <!date^');
      expect(answer).toContain('ask for more time with Extend, which needs an approver.');
      expect(answer).toContain(ACTIONS.extend);
    }
    expect(await expiryOf(grant.id)).toEqual(grant.expires_at);
    // No request was made, so nothing exists that could message an approver.
    expect(await requestsOf(requester)).toHaveLength(1);
    expect(approvalPostsAbout((await requestsOf(requester))[0]?.id ?? '')).toHaveLength(approverPosts);
    const refusals = await refusalsOf(requester);
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatchObject({
      outcome: 'refused',
      grant_id: grant.id,
      details: { reason: 'has-access', extendable: true },
    });
    expect(
      jitbot.aws.callsTo('UpdateSchedule').some((call) => JSON.stringify(call.params).includes(grant.id)),
    ).toBe(false);
  });

  it('a human-approved extension still works: Extend opens a form whose request the approver decides', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-read', requester, '5m');
    await command('ops-read 10m the migration is slower than expected', requester);

    // The Extend button of the refusal opens the form marked as an extension.
    const opened = jitbot.slack.callsTo('views.open').length;
    await jitbot.click(ACTIONS.extend, 'ops-read', requester);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBe(opened + 1));
    const form = jitbot.slack.callsTo('views.open').at(-1)?.args.view as { private_metadata?: string };
    const values = {
      [BLOCKS.target]: { [ACTIONS.pickTarget]: { selected_option: { value: 'ops-read' } } },
      [BLOCKS.duration]: { [ACTIONS.pickDuration]: { selected_option: { value: String(30 * 60) } } },
      [BLOCKS.justification]: { [ACTIONS.justification]: { value: 'the migration is slower than expected' } },
      [BLOCKS.ticket]: { [ACTIONS.ticket]: { value: '' } },
    };

    // The same form without the mark is an ordinary request: refused, with words in the form.
    const plain = await jitbot.submitView(VIEWS.request, values, requester);
    expect(await plain.json()).toEqual({
      response_action: 'errors',
      errors: {
        [BLOCKS.target]: expect.stringMatching(
          /You already have this access until \w{3} \d{1,2} \w{3} 20\d\d \d\d:\d\d UTC/,
        ),
      },
    });

    const response = await jitbot.submitView(VIEWS.request, values, requester, form.private_metadata);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    let extension = '';
    await vi.waitFor(async () => {
      extension = (await requestsOf(requester)).find((row) => row.status === 'pending')?.id ?? '';
      expect(approvalPostsAbout(extension).length).toBeGreaterThan(0);
    });
    await jitbot.click(ACTIONS.approve, extension, APPROVER);
    const extended = await untilJoined(extension, grant.id);
    expect(extended.expires_at.getTime()).toBeGreaterThan(grant.expires_at.getTime() + 20 * 60_000);
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('now lasts until'));
  });
});

describe('a breakglass grant cannot be chained either', () => {
  it('a second breakglass request is refused in words, and the admins hear of one breakglass only', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-glass', requester, '30m');
    await vi.waitFor(() =>
      expect(dmsTo(ADMIN_CHANNEL).filter((text) => text.includes(requester))).toHaveLength(1),
    );
    const answer = await command('ops-glass 1h the outage is still going on', requester);
    expect(answer).toContain('You already have *Ops breakglass* until <!date^');
    expect(answer).toContain('Nobody approves it, so it cannot be extended: ask again once it has ended.');
    expect(answer).not.toContain(ACTIONS.extend);
    expect(await expiryOf(grant.id)).toEqual(grant.expires_at);
    expect(await requestsOf(requester)).toHaveLength(1);
    expect(await refusalsOf(requester)).toEqual([
      expect.objectContaining({ outcome: 'refused', grant_id: grant.id }),
    ]);
    expect(dmsTo(ADMIN_CHANNEL).filter((text) => text.includes(requester))).toHaveLength(1);
  });
});
