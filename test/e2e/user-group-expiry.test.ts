/**
 * Approver user groups are read from Slack (usergroups.users.list) and cached for at most five
 * minutes, end to end: signed Slack clicks into the real Bolt app, the real WebClient against the
 * fake Slack, real PostgreSQL. The cache's clock is the test's (ServiceInputs.clock), moved
 * forward instead of waited for. Each test has a group of its own, so their caches do not meet.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import { iamGroupTarget, prodAccount } from '../support/e2e-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '111111111111';
const FIVE_MINUTES = 5 * 60_000;
const LISTED_APPROVER = 'UUGLISTED1';
const GROUPS = { fresh: 'SUGFRESH1', removed: 'SUGREMOVED1', failing: 'SUGFAILING1', mixed: 'SUGMIXED1' };

const groupTarget = (id: string, approvers: Record<string, unknown>) =>
  iamGroupTarget(id, { account: 'prod', group: `jit-${id}`, approvers });

const CATALOG = {
  settings: { adminChannel: 'CUGADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [prodAccount({ accountId: ACCOUNT, externalId: 'user-group-e2e-external-id' })],
  targets: [
    groupTarget('fresh', { userGroups: [GROUPS.fresh] }),
    groupTarget('removed', { userGroups: [GROUPS.removed] }),
    groupTarget('failing', { userGroups: [GROUPS.failing] }),
    groupTarget('mixed', { users: [LISTED_APPROVER], userGroups: [GROUPS.mixed] }),
  ],
};

/** Who Slack says is in each group now; tests change it. */
const members: Record<string, string[]> = {
  [GROUPS.fresh]: ['UUGFRESH1'],
  [GROUPS.removed]: ['UUGREMOVED1'],
  [GROUPS.failing]: ['UUGFAILING1'],
  [GROUPS.mixed]: ['UUGMIXED1'],
};
const clock = { now: Date.parse('2026-01-05T09:00:00Z') };
const jitbot = useJitbot(CATALOG, { clock: () => clock.now });
const newRequester = userIds('UUGREQ');

beforeAll(() => {
  jitbot.slack.on('usergroups.users.list', (args) => ({ users: members[String(args.usergroup)] ?? [] }));
  // jitbot read every group at start-up, before the fake knew them: let those reads age out.
  clock.now += FIVE_MINUTES;
});

function reads(group: string): number {
  return jitbot.slack.callsTo('usergroups.users.list').filter((call) => call.args.usergroup === group).length;
}

/** A request for `target` whose approval DM reached `approver`; its id. */
async function pendingRequest(target: string, approver: string): Promise<string> {
  const { responseUrl } = await jitbot.command(`${target} 1h checking INC-11`, newRequester());
  let id = '';
  await vi.waitFor(() => {
    id = /REQ-[0-9A-Z]{8}/.exec(JSON.stringify(jitbot.responses(responseUrl)))?.[0] ?? '';
    expect(id).not.toBe('');
  });
  await vi.waitFor(() => {
    const posts = jitbot.slack.callsTo('chat.postMessage');
    const dm = posts.find((call) => call.args.channel === approver && JSON.stringify(call.args).includes(id));
    expect(dm).toBeDefined();
  });
  return id;
}

async function statusOf(requestId: string): Promise<string> {
  const { rows } = await jitbot.database.pool.query('SELECT status FROM requests WHERE id = $1', [requestId]);
  return rows[0]?.status;
}

/** A click on Approve, and what jitbot answered the clicker (empty when it said nothing). */
async function approve(requestId: string, approver: string): Promise<string> {
  const { responseUrl } = await jitbot.click(ACTIONS.approve, requestId, approver);
  await vi.waitFor(async () => {
    const answered = jitbot.responses(responseUrl).length > 0;
    expect(answered || (await statusOf(requestId)) !== 'pending').toBe(true);
  });
  return JSON.stringify(jitbot.responses(responseUrl).map((call) => call.args));
}

describe('approver user groups', () => {
  it('within 5 minutes the cached members decide, without asking Slack', async () => {
    const id = await pendingRequest('fresh', 'UUGFRESH1');
    const before = reads(GROUPS.fresh);
    clock.now += FIVE_MINUTES - 60_000;
    expect(await approve(id, 'UUGFRESH1')).toBe('[]');
    expect(await statusOf(id)).toBe('approved');
    expect(reads(GROUPS.fresh)).toBe(before);
  });

  it('an approver removed from the group more than 5 minutes ago cannot approve', async () => {
    const id = await pendingRequest('removed', 'UUGREMOVED1');
    members[GROUPS.removed] = ['USOMEONEELSE1'];
    clock.now += FIVE_MINUTES + 1000;
    const before = reads(GROUPS.removed);
    expect(await approve(id, 'UUGREMOVED1')).toContain('You are not an approver for this target');
    expect(reads(GROUPS.removed)).toBe(before + 1);
    expect(await statusOf(id)).toBe('pending');
  });

  it('when Slack cannot be asked after 5 minutes, the approval is refused in words, not decided on old members', async () => {
    const id = await pendingRequest('failing', 'UUGFAILING1');
    clock.now += FIVE_MINUTES + 1000;
    jitbot.slack.fail('usergroups.users.list', (args) => args.usergroup === GROUPS.failing, {
      status: 200,
      error: 'fatal_error',
    });
    const answer = await approve(id, 'UUGFAILING1');
    expect(answer).toContain(
      `jitbot could not check that you are in <!subteam^${GROUPS.failing}> right now, so nothing changed; try again in a minute.`,
    );
    expect(await statusOf(id)).toBe('pending');
    const { rows } = await jitbot.database.pool.query(
      'SELECT count(*)::int AS n FROM approvals WHERE request_id = $1',
      [id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('a group Slack cannot read does not hold up an approver listed by name', async () => {
    const id = await pendingRequest('mixed', LISTED_APPROVER);
    clock.now += FIVE_MINUTES + 1000;
    jitbot.slack.fail('usergroups.users.list', (args) => args.usergroup === GROUPS.mixed, {
      status: 200,
      error: 'fatal_error',
    });
    expect(await approve(id, LISTED_APPROVER)).toBe('[]');
    expect(await statusOf(id)).toBe('approved');
  });
});
