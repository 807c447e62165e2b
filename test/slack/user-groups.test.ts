import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserGroupDirectory } from '../../src/slack/user-groups.js';
import { silentLogger } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let slack: FakeSlack;
let members: Record<string, string[]>;
beforeAll(async () => {
  slack = await startFakeSlack();
  slack.on('usergroups.users.list', (args) => {
    const users = members[String(args.usergroup)];
    return users ? { users } : { ok: false, error: 'no_such_subteam' };
  });
});
afterAll(() => slack.close());

function directory(clock: { now: number }) {
  const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  return createUserGroupDirectory(client, silentLogger, { ttlMs: 60_000, now: () => clock.now });
}

describe('the user group directory', () => {
  it('asks Slack once, then answers from its cache until the entry is a few minutes old', async () => {
    members = { SG1: ['U1', 'U2'] };
    const clock = { now: 0 };
    const groups = directory(clock);
    const before = slack.callsTo('usergroups.users.list').length;
    expect(await Promise.all([groups.members('SG1'), groups.members('SG1')])).toEqual([
      ['U1', 'U2'],
      ['U1', 'U2'],
    ]);
    expect(slack.callsTo('usergroups.users.list').length - before).toBe(1);
    members = { SG1: ['U3'] };
    clock.now = 30_000;
    expect(await groups.members('SG1')).toEqual(['U1', 'U2']);
    clock.now = 61_000;
    expect(await groups.members('SG1')).toEqual(['U3']);
  });

  it('keeps the last known members when Slack fails, and fails when it never knew them', async () => {
    members = { SG2: ['U9'] };
    const clock = { now: 0 };
    const groups = directory(clock);
    await groups.members('SG2');
    members = {};
    clock.now = 120_000;
    expect(await groups.members('SG2')).toEqual(['U9']);
    await expect(groups.members('SGUNKNOWN')).rejects.toThrow(/no_such_subteam/);
  });
});
