import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserGroupDirectory, UserGroupUnavailableError } from '../../src/slack/user-groups.js';
import { silentLogger } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let slack: FakeSlack;
let members: Record<string, string[]>;
/** Answers usergroups.users.list after this promise settles: a Slack that is slow to answer. */
let stall: Promise<void> | undefined;
beforeAll(async () => {
  slack = await startFakeSlack();
  slack.on('usergroups.users.list', async (args) => {
    await stall;
    const users = members[String(args.usergroup)];
    return users ? { users } : { ok: false, error: 'no_such_subteam' };
  });
});
afterAll(() => slack.close());

const FIVE_MINUTES = 5 * 60_000;

/** The directory as main.ts builds it (default five-minute limit), on a clock the test moves. */
function directory(clock: { now: number }, options: { timeoutMs?: number } = {}) {
  const client = new WebClient('xoxb-test', {
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  return createUserGroupDirectory(client, silentLogger, { ...options, now: () => clock.now });
}

const listCalls = () => slack.callsTo('usergroups.users.list').length;

describe('the user group directory', () => {
  it('asks Slack once, then answers from its cache for up to 5 minutes, then asks again', async () => {
    members = { SG1: ['U1', 'U2'] };
    const clock = { now: 0 };
    const groups = directory(clock);
    const before = listCalls();
    expect(await Promise.all([groups.members('SG1'), groups.members('SG1')])).toEqual([
      ['U1', 'U2'],
      ['U1', 'U2'],
    ]);
    expect(listCalls() - before).toBe(1);
    members = { SG1: ['U3'] };
    clock.now = FIVE_MINUTES - 1;
    expect(await groups.members('SG1')).toEqual(['U1', 'U2']);
    expect(listCalls() - before).toBe(1);
    clock.now = FIVE_MINUTES;
    expect(await groups.members('SG1')).toEqual(['U3']);
    expect(listCalls() - before).toBe(2);
  });

  it('refuses, naming the group, instead of answering with members older than 5 minutes when Slack fails', async () => {
    members = { SG2: ['U9'] };
    const clock = { now: 0 };
    const groups = directory(clock);
    await groups.members('SG2');
    slack.fail('usergroups.users.list', (args) => args.usergroup === 'SG2', {
      status: 200,
      error: 'fatal_error',
    });
    clock.now = FIVE_MINUTES + 1;
    const refusal = await groups.members('SG2').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UserGroupUnavailableError);
    expect((refusal as UserGroupUnavailableError).words).toBe(
      'jitbot could not check that you are in <!subteam^SG2> right now, so nothing changed; try again in a minute.',
    );
    // What was known is still shown where nothing is decided on it (offering targets in a form).
    expect(groups.cached('SG2')).toEqual(['U9']);
  });

  it('refuses when Slack answers 429, and reads again once Slack is back', async () => {
    members = { SG3: ['U1'] };
    const clock = { now: 0 };
    const groups = directory(clock);
    await groups.members('SG3');
    slack.rateLimit('usergroups.users.list', 1, 30);
    clock.now = FIVE_MINUTES + 1;
    await expect(groups.members('SG3')).rejects.toBeInstanceOf(UserGroupUnavailableError);
    // A failure is not asked again at once (a decision asks twice; clicks come in bursts) ...
    const afterFailure = listCalls();
    await expect(groups.members('SG3')).rejects.toBeInstanceOf(UserGroupUnavailableError);
    expect(listCalls()).toBe(afterFailure);
    // ... but a little later it is, and a good answer is used.
    members = { SG3: ['U4'] };
    clock.now += 10_000;
    expect(await groups.members('SG3')).toEqual(['U4']);
  });

  it('refuses when Slack does not answer in time', async () => {
    members = { SG4: ['U1'] };
    const clock = { now: 0 };
    const groups = directory(clock, { timeoutMs: 50 });
    await groups.members('SG4');
    let release = () => {};
    stall = new Promise((resolve) => {
      release = resolve;
    });
    try {
      clock.now = FIVE_MINUTES + 1;
      await expect(groups.members('SG4')).rejects.toBeInstanceOf(UserGroupUnavailableError);
    } finally {
      release();
      stall = undefined;
    }
  });

  it('fails, naming the group, when it never knew the members', async () => {
    const groups = directory({ now: 0 });
    await expect(groups.members('SGUNKNOWN')).rejects.toThrow(/SGUNKNOWN/);
  });
});
