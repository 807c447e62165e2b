import { describe, expect, it, vi } from 'vitest';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { PEOPLE } from '../support/test-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const jitbot = useJitbot();
const newUser = userIds('UAPPFLOW');

/** Creates a request with the text shortcut and returns its id once approvers were messaged. */
async function requestAccess(target: string, requester = newUser(), duration = '1h'): Promise<string> {
  const { responseUrl } = await jitbot.command(`${target} ${duration} investigating INC-7 <b>`, requester);
  let id = '';
  await vi.waitFor(() => {
    id = /REQ-[0-9A-Z]{8}/.exec(JSON.stringify(jitbot.responses(responseUrl)))?.[0] ?? '';
    expect(id).not.toBe('');
  });
  // Announced to the approvers and to the requester, so later messages come after the receipt.
  await vi.waitFor(() =>
    expect(messagesAbout(id, 'chat.postMessage').some((call) => call.args.channel === requester)).toBe(true),
  );
  return id;
}

function messagesAbout(requestId: string, method: string) {
  return jitbot.slack.callsTo(method).filter((call) => JSON.stringify(call.args).includes(requestId));
}

async function statusOf(requestId: string): Promise<string> {
  const { rows } = await jitbot.database.pool.query('SELECT status FROM requests WHERE id = $1', [requestId]);
  return rows[0]?.status;
}

async function ephemeralText(responseUrl: string): Promise<string> {
  await vi.waitFor(() => expect(jitbot.responses(responseUrl).length).toBeGreaterThan(0));
  return JSON.stringify(jitbot.responses(responseUrl));
}

async function countRows(sql: string, requestId: string): Promise<number> {
  const { rows } = await jitbot.database.pool.query(`SELECT count(*)::int AS n FROM ${sql}`, [requestId]);
  return rows[0].n;
}

describe('approving', () => {
  it('an approver approves: every approval message loses its buttons, the requester is told, access is granted', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-admin', requester);
    // Three approvers by DM, the approval channel, and the requester's receipt.
    await vi.waitFor(() => expect(messagesAbout(id, 'chat.postMessage').length).toBe(5));
    const approvalDm = messagesAbout(id, 'chat.postMessage').find(
      (call) => call.args.channel === PEOPLE.approver1,
    );
    // The approver sees the IAM group itself, not only the name the catalog gives the target.
    expect(JSON.stringify(approvalDm?.args)).toContain(
      'Grants IAM group jit-prod-admin in Production (111111111111)',
    );
    await jitbot.click(ACTIONS.approve, id, PEOPLE.approver1);
    const iam = jitbot.aws.account('111111111111');
    await vi.waitFor(() => expect(iam.isMember('jit-prod-admin', requester.toLowerCase())).toBe(true));
    // Each message is updated twice: at the decision, and once the access is in place.
    await vi.waitFor(() => expect(messagesAbout(id, 'chat.update').length).toBe(10));
    const updates = messagesAbout(id, 'chat.update').map((update) => JSON.stringify(update.args));
    for (const update of updates) expect(update).not.toContain(ACTIONS.approve);
    expect(updates[0]).toContain(`Approved by <@${PEOPLE.approver1}>`);
    for (const update of updates.slice(5)) expect(update).toContain('Access active until');
    await vi.waitFor(() => {
      const notices = jitbot.slack
        .callsTo('chat.postMessage')
        .filter((call) => call.args.channel === requester);
      expect(JSON.stringify(notices)).toMatch(/approved/i);
      expect(JSON.stringify(notices)).toContain('You now have');
    });
    expect(await countRows("jobs WHERE kind = 'grant.apply' AND payload->>'requestId' = $1", id)).toBe(1);
  });

  it('the requester clicking Approve on their own request is refused, audited, and changes nothing', async () => {
    const id = await requestAccess('prod-admin', PEOPLE.requester);
    const { responseUrl } = await jitbot.click(ACTIONS.approve, id, PEOPLE.requester);
    expect(await ephemeralText(responseUrl)).toContain('You cannot decide your own request');
    expect(await statusOf(id)).toBe('pending');
    expect(await countRows("audit_events WHERE outcome = 'refused' AND request_id = $1", id)).toBe(1);
    await jitbot.command(`cancel ${id}`, PEOPLE.requester);
  });

  it('someone who is not an approver is told so, and nothing changes', async () => {
    const id = await requestAccess('prod-admin');
    const { responseUrl } = await jitbot.click(ACTIONS.approve, id, PEOPLE.stranger);
    expect(await ephemeralText(responseUrl)).toContain('You are not an approver for this target');
    expect(await statusOf(id)).toBe('pending');
  });

  it('reminds once, in their thread, the approvers of a waiting request who have not approved', async () => {
    const waiting = await requestAccess('prod-two-person');
    const decided = await requestAccess('prod-admin');
    await vi.waitFor(() => expect(messagesAbout(waiting, 'chat.postMessage').length).toBe(4));
    await jitbot.click(ACTIONS.approve, waiting, PEOPLE.approver1);
    await jitbot.click(ACTIONS.approve, decided, PEOPLE.approver1);
    await vi.waitFor(async () => expect(await statusOf(decided)).toBe('approved'));
    await jitbot.database.pool.query(
      "UPDATE requests SET remind_at = now() - interval '1 second' WHERE id = ANY($1)",
      [[waiting, decided]],
    );
    await jitbot.wake();
    const reminders = (id: string) =>
      messagesAbout(id, 'chat.postMessage').filter((call) => call.args.thread_ts !== undefined);
    await vi.waitFor(() => expect(reminders(waiting).length).toBe(2));
    const originals = messagesAbout(waiting, 'chat.postMessage').filter(
      (call) => call.args.thread_ts === undefined,
    );
    for (const reminder of reminders(waiting)) {
      expect([PEOPLE.approver2, PEOPLE.approver3]).toContain(reminder.args.channel);
      expect(JSON.stringify(reminder.args)).toContain('Still waiting for a decision');
      // In the thread of that approver's own approval message, where the buttons are.
      const original = originals.find((call) => call.args.channel === reminder.args.channel);
      const { rows } = await jitbot.database.pool.query(
        "SELECT ts FROM slack_messages WHERE request_id = $1 AND purpose = 'approval' AND recipient = $2",
        [waiting, reminder.args.channel],
      );
      expect(original).toBeDefined();
      expect(reminder.args.thread_ts).toBe(rows[0]?.ts);
    }
    expect(reminders(decided)).toEqual([]);
    expect(
      await countRows("audit_events WHERE action = 'request.reminded' AND request_id = $1", waiting),
    ).toBe(1);
  });

  it('two-of-three: the first approval shows progress, the second distinct approver approves', async () => {
    const id = await requestAccess('prod-two-person');
    await jitbot.click(ACTIONS.approve, id, PEOPLE.approver1);
    await vi.waitFor(() => expect(JSON.stringify(messagesAbout(id, 'chat.update'))).toContain('1 of 2'));
    const again = await jitbot.click(ACTIONS.approve, id, PEOPLE.approver1);
    expect(await ephemeralText(again.responseUrl)).toContain('already approved this request');
    await jitbot.click(ACTIONS.approve, id, PEOPLE.approver2);
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('approved'));
  });

  it('two approvers clicking at the same moment, and double clicks, make exactly one decision', async () => {
    const id = await requestAccess('prod-admin');
    await Promise.all([
      jitbot.click(ACTIONS.approve, id, PEOPLE.approver1),
      jitbot.click(ACTIONS.approve, id, PEOPLE.approver1),
      jitbot.click(ACTIONS.approve, id, PEOPLE.approver2),
      jitbot.click(ACTIONS.approve, id, PEOPLE.approver2),
    ]);
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('approved'));
    expect(await countRows("audit_events WHERE action = 'request.approved' AND request_id = $1", id)).toBe(1);
    expect(await countRows("jobs WHERE kind = 'grant.apply' AND payload->>'requestId' = $1", id)).toBe(1);
  });
});

describe('denying', () => {
  it('Deny asks for a reason; the requester is told the reason, escaped', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-admin', requester);
    await jitbot.click(ACTIONS.deny, id, PEOPLE.approver2);
    await vi.waitFor(() => expect(messagesAbout(id, 'views.open').length).toBe(1));
    const modal = messagesAbout(id, 'views.open')[0]?.args.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(modal).toMatchObject({ callback_id: VIEWS.denyReason, private_metadata: id });
    const reason = {
      [BLOCKS.denyReason]: { [ACTIONS.denyReason]: { value: 'use the <!here> read-only role' } },
    };
    const response = await jitbot.submitView(VIEWS.denyReason, reason, PEOPLE.approver2, id);
    expect(await response.text()).toBe('');
    expect(await statusOf(id)).toBe('denied');
    await vi.waitFor(() => {
      const toRequester = jitbot.slack
        .callsTo('chat.postMessage')
        .filter((call) => call.args.channel === requester);
      expect(JSON.stringify(toRequester)).toContain('use the &lt;!here&gt; read-only role');
    });
  });

  it('a deny from someone who is not an approver is refused on the form', async () => {
    const id = await requestAccess('prod-admin');
    const reason = { [BLOCKS.denyReason]: { [ACTIONS.denyReason]: { value: 'no' } } };
    const response = await jitbot.submitView(VIEWS.denyReason, reason, PEOPLE.stranger, id);
    expect(await response.json()).toEqual({
      response_action: 'errors',
      errors: {
        [BLOCKS.denyReason]: 'You are not an approver for this target, so your click changed nothing.',
      },
    });
    expect(await statusOf(id)).toBe('pending');
  });
});

describe('timeouts, breakglass and auto-approval', () => {
  it('a request nobody decides in time expires: messages updated, requester told', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-admin', requester);
    await jitbot.database.pool.query('UPDATE requests SET decide_by = now() WHERE id = $1', [id]);
    await jitbot.wake();
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('expired'), { timeout: 15_000 });
    await vi.waitFor(() => expect(JSON.stringify(messagesAbout(id, 'chat.update'))).toMatch(/[Ee]xpired/));
    await vi.waitFor(() => {
      const toRequester = messagesAbout(id, 'chat.postMessage').filter(
        (call) => call.args.channel === requester,
      );
      expect(toRequester.length).toBe(2);
      expect(JSON.stringify(toRequester[1]?.args)).toMatch(/expired/i);
    });
  });

  it('breakglass grants at once and tells the admin channel loudly, with a Reviewed button', async () => {
    const requester = newUser();
    const id = await requestAccess('prod-breakglass', requester);
    expect(await statusOf(id)).toBe('approved');
    await vi.waitFor(() => {
      const notice = jitbot.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === 'CADMIN1' && JSON.stringify(call.args).includes(id));
      expect(JSON.stringify(notice?.args)).toContain(ACTIONS.breakglassReviewed);
    });
    // The person who used breakglass cannot sign off on it themself.
    const own = await jitbot.click(ACTIONS.breakglassReviewed, id, requester);
    expect(await ephemeralText(own.responseUrl)).toContain('never the person who used it');
    await jitbot.click(ACTIONS.breakglassReviewed, id, PEOPLE.approver1);
    await vi.waitFor(() => {
      const updates = messagesAbout(id, 'chat.update').filter((call) => call.args.channel === 'CADMIN1');
      expect(JSON.stringify(updates)).toContain(`Reviewed by <@${PEOPLE.approver1}>`);
    });
  });

  it('autoApprove approves short requests at once and still tells the approvers', async () => {
    const id = await requestAccess('prod-readonly', newUser(), '1h');
    expect(await statusOf(id)).toBe('approved');
    await vi.waitFor(() => {
      const toApprover = messagesAbout(id, 'chat.postMessage').filter(
        (call) => call.args.channel === PEOPLE.approver1,
      );
      expect(JSON.stringify(toApprover)).toContain('Approved automatically');
    });
  });
});
