import { describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import { PEOPLE } from '../support/test-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const jitbot = useJitbot();
const newUser = userIds('UNOTIFY');

function postsAbout(requester: string, channel: string) {
  return jitbot.slack
    .callsTo('chat.postMessage')
    .filter((call) => call.args.channel === channel && JSON.stringify(call.args).includes(requester));
}

describe('delivering messages', () => {
  it('waits out a 429 with Retry-After and still delivers', async () => {
    const requester = newUser();
    jitbot.slack.rateLimit('chat.postMessage', 1, 1);
    await jitbot.command('prod-two-person 1h investigating INC-9', requester);
    await vi.waitFor(() => expect(postsAbout(requester, PEOPLE.approver3).length).toBe(1), {
      timeout: 10_000,
    });
  });

  it('a 429 holds back only the message Slack limited: the others go out at once, that one after its Retry-After, none twice', async () => {
    const requester = newUser();
    const limited = PEOPLE.approver1;
    const toLimited = (args: Record<string, unknown>) =>
      args.channel === limited && JSON.stringify(args).includes(requester);
    jitbot.slack.fail('chat.postMessage', toLimited, { status: 429, error: 'ratelimited', retryAfter: 4 });
    await jitbot.command('prod-two-person 1h investigating INC-12', requester);
    // Every other recipient has their message while the limited one still waits out its 4 s.
    await vi.waitFor(
      () => {
        expect(postsAbout(requester, limited)).toHaveLength(1);
        expect(postsAbout(requester, PEOPLE.approver2)).toHaveLength(1);
        expect(postsAbout(requester, requester)).toHaveLength(1);
      },
      { timeout: 3_000 },
    );
    // Then it arrives, once more (the first try was refused), and nobody got anything twice.
    await vi.waitFor(() => expect(postsAbout(requester, limited)).toHaveLength(2), { timeout: 15_000 });
    expect(postsAbout(requester, PEOPLE.approver2)).toHaveLength(1);
    expect(postsAbout(requester, requester)).toHaveLength(1);
  });

  it('one recipient Slack refuses for good does not stop the others, and is audited', async () => {
    const requester = newUser();
    const toChannel = (args: Record<string, unknown>) => args.channel === 'CAPPROVALS1';
    jitbot.slack.fail('chat.postMessage', toChannel, { status: 200, error: 'not_in_channel' });
    await jitbot.command('prod-admin 1h investigating INC-10', requester);
    await vi.waitFor(() => expect(postsAbout(requester, requester).length).toBe(1));
    expect(postsAbout(requester, PEOPLE.approver1)).toHaveLength(1);
    const { rows } = await jitbot.database.pool.query(
      `SELECT details FROM audit_events WHERE action = 'slack.chat.postMessage' AND outcome = 'error'
         AND details->>'recipient' = 'CAPPROVALS1'`,
    );
    expect(rows.at(-1)?.details).toMatchObject({ slackError: 'not_in_channel', purpose: 'approval' });
  });

  it('a job retried after Slack failed midway sends nobody the same message twice', async () => {
    const requester = newUser();
    const toApprover2 = (args: Record<string, unknown>) =>
      args.channel === PEOPLE.approver2 && JSON.stringify(args).includes(requester);
    jitbot.slack.fail('chat.postMessage', toApprover2, { status: 200, error: 'internal_error' }, 2);
    await jitbot.command('prod-admin 1h investigating INC-11', requester);
    // approver2's DM was tried until Slack took it; everyone else got exactly one message.
    await vi.waitFor(() => expect(postsAbout(requester, PEOPLE.approver2).length).toBe(3), {
      timeout: 15_000,
    });
    expect(postsAbout(requester, requester)).toHaveLength(1);
    expect(postsAbout(requester, PEOPLE.approver1)).toHaveLength(1);
    expect(postsAbout(requester, 'CAPPROVALS1')).toHaveLength(1);
    expect(postsAbout(requester, PEOPLE.approver2).length).toBe(3);
  });

  it('a malformed click is answered with an explanation, not dropped', async () => {
    const { responseUrl, status } = await jitbot.click(ACTIONS.approve, 'not-a-request-id', PEOPLE.approver1);
    expect(status).toBe(200);
    await vi.waitFor(() =>
      expect(JSON.stringify(jitbot.responses(responseUrl))).toContain('could not read that click'),
    );
  });
});
