import { describe, expect, it } from 'vitest';
import { createJitbotInventory } from '../../src/aws/jitbot-inventory.js';
import type { Account } from '../../src/domain/catalog.js';
import { ProviderError } from '../../src/ports/access-provider.js';
import { DEFAULT_POLICY_DOCUMENT } from '../support/fake-iam-policies.js';
import { buildAccount, context, useFakeAws } from './aws-fixtures.js';

/** jitbot's own schedules and generated policies in an account, read back for drift. */

const aws = useFakeAws();
const GENERATED = '/jit/generated/';

function inventory(account: Account = buildAccount()) {
  const connector = aws.connect([account]);
  const regions: string[] = [];
  const created = createJitbotInventory({
    connector: {
      clientsFor: (where, callContext) => {
        regions.push(where.region);
        return connector.clientsFor(where, callContext);
      },
    },
    record: async (call) => {
      aws.recorded.push(call);
    },
  });
  return { inventory: created, regions, state: aws.fake.account(account.accountId) };
}

function schedule(state: ReturnType<typeof inventory>['state'], name: string, group = 'jitbot') {
  state.scheduler('CreateSchedule', name, group, {
    ScheduleExpression: 'at(2030-01-01T00:00:00)',
    Target: { Arn: 'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup', Input: '{}' },
    ActionAfterCompletion: 'DELETE',
  });
}

describe("the inventory of jitbot's schedules", () => {
  it('lists every schedule named jitbot-… in group jitbot, across pages, each page recorded', async () => {
    const { inventory: jitbot, state } = inventory();
    const names = ['G-1', 'G-2', 'G-3', 'G-4', 'G-5'].map((grant) => `jitbot-${grant}`);
    for (const name of names) schedule(state, name);
    schedule(state, 'nightly-report');
    schedule(state, 'jitbot-G-9', 'default');
    aws.fake.pageSize = 2;

    const found = await jitbot.listSchedules(buildAccount(), context());

    expect(found).toEqual(names.map((name) => ({ name })));
    const calls = aws.fake.callsTo('ListSchedules');
    expect(calls).toHaveLength(3);
    expect(calls[0]?.params).toMatchObject({ ScheduleGroup: 'jitbot', NamePrefix: 'jitbot-' });
    const recorded = aws.recorded.filter((call) => call.action === 'aws.scheduler.ListSchedules');
    expect(recorded).toHaveLength(3);
    expect(recorded[0]).toEqual({
      action: 'aws.scheduler.ListSchedules',
      outcome: 'ok',
      context: context(),
      account: '111111111111',
      resource: 'jitbot',
      providerRequestId: expect.any(String),
    });
  });

  it("reads in the account's region, or in the one asked for (Identity Center's home region)", async () => {
    const { inventory: jitbot, regions } = inventory();
    await jitbot.listSchedules(buildAccount(), context());
    await jitbot.listSchedules(buildAccount(), context(), 'us-east-2');
    expect(regions).toEqual(['eu-west-1', 'us-east-2']);
  });

  it('cannot list without ListSchedules: the error names the call and the account', async () => {
    const { inventory: jitbot } = inventory();
    aws.fake.failNext('ListSchedules', { code: 'AccessDeniedException', status: 403 });

    const error = await jitbot.listSchedules(buildAccount(), context()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'aws_access_denied', kind: 'denied' });
    expect((error as ProviderError).message).toMatch(
      /^AWS refused: jitbot's connector role in account 111111111111 is not allowed to scheduler:ListSchedules on schedule group jitbot/,
    );
    expect(aws.recorded.find((call) => call.action === 'aws.scheduler.ListSchedules')).toMatchObject({
      outcome: 'error',
      errorCode: 'AccessDeniedException',
    });
  });
});

describe("the inventory of jitbot's generated policies", () => {
  function policies(state: ReturnType<typeof inventory>['state']) {
    for (const user of ['alice', 'bob', 'carol']) state.addUser(user);
    const create = (name: string, path = GENERATED) =>
      state.createPolicy({ name, path, document: DEFAULT_POLICY_DOCUMENT }).arn;
    const held = create('jitbot-G-1');
    const loose = create('jitbot-G-2');
    // An extension's replacement, named after its grant and its new expiry.
    const replacement = create('jitbot-G-1-20300101T000000Z');
    const staticPolicy = create('read-logs', '/jit/');
    for (const user of ['alice', 'bob', 'carol']) state.attachPolicy(held, user);
    state.attachPolicy(staticPolicy, 'alice');
    state.attachPolicy(replacement, 'bob');
    return { held, loose, replacement };
  }

  it('lists every policy under /jit/generated/ with the users it is attached to, across pages', async () => {
    const { inventory: jitbot, state } = inventory();
    const { held, loose, replacement } = policies(state);
    aws.fake.pageSize = 2;

    const found = await jitbot.listGeneratedPolicies(buildAccount(), context());

    expect(found).toEqual([
      { arn: held, attachedTo: ['alice', 'bob', 'carol'] },
      { arn: loose, attachedTo: [] },
      { arn: replacement, attachedTo: ['bob'] },
    ]);
    const listings = aws.fake.callsTo('ListPolicies');
    expect(listings.map((call) => call.params.Marker)).toEqual([undefined, '2']);
    expect(listings[0]?.params).toMatchObject({ Scope: 'Local', PathPrefix: GENERATED });
    expect(
      aws.fake.callsTo('ListEntitiesForPolicy').map((call) => [call.params.PolicyArn, call.params.Marker]),
    ).toEqual([
      [held, undefined],
      [held, '2'],
      [loose, undefined],
      [replacement, undefined],
    ]);
    expect(aws.recorded.filter((call) => call.action === 'aws.iam.ListEntitiesForPolicy')).toHaveLength(4);
  });

  it('leaves out a policy deleted between the listing and the read of its users', async () => {
    const { inventory: jitbot, state } = inventory();
    const { loose, replacement } = policies(state);
    aws.fake.failNext('ListEntitiesForPolicy', { code: 'NoSuchEntity', status: 404 });

    await expect(jitbot.listGeneratedPolicies(buildAccount(), context())).resolves.toEqual([
      { arn: loose, attachedTo: [] },
      { arn: replacement, attachedTo: ['bob'] },
    ]);
  });

  it('cannot list without ListPolicies: the error names the call and the account', async () => {
    const { inventory: jitbot } = inventory();
    aws.fake.failNext('ListPolicies', { code: 'AccessDenied', status: 403 });

    await expect(jitbot.listGeneratedPolicies(buildAccount(), context())).rejects.toMatchObject({
      name: 'ProviderError',
      code: 'aws_access_denied',
      message: expect.stringMatching(
        /^AWS refused: jitbot's connector role in account 111111111111 is not allowed to iam:ListPolicies on policies under \/jit\/generated\//,
      ),
    });
  });

  it('cannot read who holds a policy without ListEntitiesForPolicy: the error names the policy', async () => {
    const { inventory: jitbot, state } = inventory();
    const { held } = policies(state);
    aws.fake.failNext('ListEntitiesForPolicy', { code: 'AccessDenied', status: 403 });

    await expect(jitbot.listGeneratedPolicies(buildAccount(), context())).rejects.toMatchObject({
      code: 'aws_access_denied',
      message: expect.stringContaining(
        `not allowed to iam:ListEntitiesForPolicy on policy ${held.slice(held.indexOf(':policy/') + 7)}`,
      ),
    });
  });
});
