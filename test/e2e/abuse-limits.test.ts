/**
 * Per-requester limits end to end, with the catalog's defaults (10 requests per 10 minutes,
 * 5 waiting): signed slash commands into the real Bolt app, real PostgreSQL.
 */

import { describe, expect, it, vi } from 'vitest';
import { readableTime } from '../../src/slack/mrkdwn.js';
import { awsAccount, iamGroupTarget } from '../support/e2e-catalog.js';
import { grantSteps } from '../support/grant-steps.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '444444444444';
const APPROVER = 'ULAPPROVER1';
/** Has no IAM user, so none of their requests ever becomes a grant: only the limits refuse them. */
const NO_IAM_USER = 'ULNOBODY1';

const target = (id: string, extra: Record<string, unknown> = {}) =>
  iamGroupTarget(id, {
    name: `Ops ${id}`,
    account: 'ops',
    group: `jit-${id}`,
    approvers: [APPROVER],
    ...extra,
  });

const CATALOG = {
  settings: { adminChannel: 'CLADMIN1', approvalTimeout: '1h' },
  accounts: [
    awsAccount({ id: 'ops', accountId: ACCOUNT, region: 'eu-west-1', externalId: 'e2e-external-id-lim1' }),
  ],
  targets: [
    ...['lim-a', 'lim-b', 'lim-c', 'lim-d', 'lim-e', 'lim-f'].map((id) => target(id)),
    target('lim-auto', { autoApprove: { maxDuration: '1h' } }),
  ],
};

const jitbot = useJitbot(CATALOG, { withoutIamUser: [NO_IAM_USER] });
const newUser = userIds('ULIMIT');
const { command, requestCount } = grantSteps(() => jitbot, { approver: APPROVER });

async function ask(targetId: string, userId: string): Promise<string> {
  return command(`${targetId} 1h rotating the ops database keys`, userId);
}

function requestIdIn(answer: string): string {
  const id = /REQ-[0-9A-Z]{8}/.exec(answer)?.[0];
  if (!id) throw new Error(`no request id in ${answer}`);
  return id;
}

async function refusalReasons(userId: string): Promise<string[]> {
  const { rows } = await jitbot.database.pool.query(
    "SELECT details->>'reason' AS reason FROM audit_events WHERE actor = $1 AND action = 'request.refused' AND outcome = 'refused' ORDER BY id",
    [userId],
  );
  return rows.map((row) => row.reason);
}

function approvalPostsTo(approver: string): number {
  return jitbot.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === approver).length;
}

describe('the rate limit', () => {
  it('10 submit/cancel rounds, then the 11th request is refused in words, audited, and asks nobody', async () => {
    const requester = newUser();
    for (let round = 0; round < 10; round += 1) {
      const id = requestIdIn(await ask('lim-a', requester));
      expect(await command(`cancel ${id}`, requester)).toContain(`${id} is cancelled`);
    }
    const { rows } = await jitbot.database.pool.query<{ first: Date }>(
      'SELECT min(created_at) AS first FROM requests WHERE requester_id = $1',
      [requester],
    );
    const retryAt = new Date(Number(rows[0]?.first.getTime()) + 10 * 60_000);
    const readable = readableTime(retryAt);

    const answer = await ask('lim-a', requester);
    expect(answer).toContain('You made 10 requests in the last 10m; try again after <!date^');
    expect(answer).toContain(`|${readable}>`);
    // No request row for the 11th, so no job exists that could ever post to an approver.
    expect(await requestCount(requester)).toBe(10);
    expect(await refusalReasons(requester)).toEqual(['rate-limited']);
    // Another person is not held back by it.
    expect(await ask('lim-a', newUser())).toContain('is waiting for approval');
  });

  it('20 commands at once from one person create at most 10 requests; the rest are told why', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask('lim-auto', NO_IAM_USER)));
    expect(await requestCount(NO_IAM_USER)).toBe(10);
    const refused = answers.filter((answer) => answer.includes('You made 10 requests in the last 10m'));
    expect(refused).toHaveLength(10);
    expect(await refusalReasons(NO_IAM_USER)).toHaveLength(10);
  });
});

describe('the limit on requests waiting for approval', () => {
  it('the 6th waiting request is refused, naming one to cancel; the approvers never see it', async () => {
    const requester = newUser();
    const ids: string[] = [];
    for (const id of ['lim-a', 'lim-b', 'lim-c', 'lim-d', 'lim-e'])
      ids.push(requestIdIn(await ask(id, requester)));
    // Wait until the approvers were asked about all five, so a sixth post could only be new.
    await vi.waitFor(() => {
      const posts = jitbot.slack
        .callsTo('chat.postMessage')
        .filter(
          (call) =>
            call.args.channel === APPROVER && ids.some((id) => JSON.stringify(call.args).includes(id)),
        );
      expect(posts).toHaveLength(5);
    });
    const before = approvalPostsTo(APPROVER);

    const answer = await ask('lim-f', requester);
    expect(answer).toContain(
      `You have 5 requests waiting for approval; cancel one with \`/request-aws-access cancel ${ids[0]}\` or wait.`,
    );
    // No request row, so no job exists that could ever post to an approver.
    expect(await requestCount(requester)).toBe(5);
    expect(await refusalReasons(requester)).toEqual(['too-many-pending']);
    expect(approvalPostsTo(APPROVER)).toBe(before);

    // Cancelling one makes room.
    await command(`cancel ${ids[0]}`, requester);
    expect(await ask('lim-f', requester)).toContain('is waiting for approval');
  });
});
