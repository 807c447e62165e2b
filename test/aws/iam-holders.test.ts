import { describe, expect, it } from 'vitest';
import type { AwsIamPolicyTarget } from '../../src/domain/catalog.js';
import { ProviderError } from '../../src/ports/access-provider.js';
import { createAwsIamGroupProvider } from '../../src/providers/aws-iam-group.js';
import { createAwsIamPolicyProvider } from '../../src/providers/aws-iam-policy.js';
import { buildAccount, buildTarget, context, useFakeAws } from './aws-fixtures.js';

/** Who holds an IAM group or policy now, read back for drift through the real IAM client. */

const aws = useFakeAws();
const POLICY = 'arn:aws:iam::111111111111:policy/jit/read-logs';
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin'];

function providers() {
  const account = buildAccount();
  const deps = {
    accountFor: () => account,
    connector: aws.connect([account]),
    record: async (call: (typeof aws.recorded)[number]) => {
      aws.recorded.push(call);
    },
  };
  return {
    group: createAwsIamGroupProvider(deps),
    policy: createAwsIamPolicyProvider(deps),
    iam: aws.fake.account(account.accountId),
  };
}

function policyTarget(): AwsIamPolicyTarget {
  const { group: _group, ...common } = buildTarget();
  return { ...common, id: 'read-logs', kind: 'aws-iam-policy', policyArn: POLICY };
}

const holder = (name: string) => ({ principal: name, name });

describe("an IAM group's holders", () => {
  it('are every member of the group, across pages, each page recorded', async () => {
    const { group, iam } = providers();
    iam.addGroup('jit-admin');
    for (const person of PEOPLE) iam.addUser(person, ['jit-admin']);
    iam.addUser('mallory', ['jit-readonly']);
    aws.fake.pageSize = 2;

    const holders = await group.listHolders?.(buildTarget(), context());

    expect(holders).toEqual(PEOPLE.map(holder));
    expect(aws.fake.callsTo('GetGroup').map((call) => call.params.Marker)).toEqual([undefined, '2', '4']);
    const recorded = aws.recorded.filter((call) => call.action === 'aws.iam.GetGroup');
    expect(recorded).toHaveLength(3);
    expect(recorded[0]).toEqual({
      action: 'aws.iam.GetGroup',
      outcome: 'ok',
      context: context(),
      targetId: 'prod-admin',
      account: '111111111111',
      resource: 'jit-admin',
      providerRequestId: expect.any(String),
    });
  });

  it('are none for an empty group', async () => {
    const { group, iam } = providers();
    iam.addGroup('jit-admin');
    await expect(group.listHolders?.(buildTarget(), context())).resolves.toEqual([]);
  });

  it('cannot be read without GetGroup: the error names the call and the account', async () => {
    const { group, iam } = providers();
    iam.addGroup('jit-admin');
    aws.fake.failNext('GetGroup', { code: 'AccessDenied', status: 403 });

    const error = await group.listHolders?.(buildTarget(), context()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'aws_access_denied', kind: 'denied' });
    expect((error as ProviderError).message).toMatch(
      /^AWS refused: jitbot's connector role in account 111111111111 is not allowed to iam:GetGroup on group jit-admin: check the connector role policy/,
    );
    expect(aws.recorded.find((call) => call.action === 'aws.iam.GetGroup')).toMatchObject({
      outcome: 'error',
      errorCode: 'AccessDenied',
    });
  });

  it('say plainly when the group the catalog names does not exist', async () => {
    const { group } = providers();
    await expect(group.listHolders?.(buildTarget(), context())).rejects.toMatchObject({
      code: 'aws_not_found',
      message: expect.stringContaining('AWS says group jit-admin does not exist in account 111111111111'),
    });
  });
});

describe("an IAM policy's holders", () => {
  it('are the users it is attached to, across pages, each page recorded', async () => {
    const { policy, iam } = providers();
    for (const person of [...PEOPLE, 'mallory']) iam.addUser(person);
    const attached = iam.addPolicy(POLICY);
    for (const person of PEOPLE) attached.add(person);
    iam.addPolicy('arn:aws:iam::111111111111:policy/jit/other').add('mallory');
    aws.fake.pageSize = 2;

    const holders = await policy.listHolders?.(policyTarget(), context());

    expect(holders).toEqual(PEOPLE.map(holder));
    const calls = aws.fake.callsTo('ListEntitiesForPolicy');
    expect(calls.map((call) => call.params.Marker)).toEqual([undefined, '2', '4']);
    expect(calls[0]?.params).toMatchObject({ PolicyArn: POLICY, EntityFilter: 'User' });
    expect(aws.recorded.filter((call) => call.action === 'aws.iam.ListEntitiesForPolicy')).toHaveLength(3);
  });

  it('cannot be read without ListEntitiesForPolicy: the error names the call and the account', async () => {
    const { policy, iam } = providers();
    iam.addPolicy(POLICY);
    aws.fake.failNext('ListEntitiesForPolicy', { code: 'AccessDenied', status: 403 });

    await expect(policy.listHolders?.(policyTarget(), context())).rejects.toMatchObject({
      name: 'ProviderError',
      code: 'aws_access_denied',
      message: expect.stringMatching(
        /^AWS refused: jitbot's connector role in account 111111111111 is not allowed to iam:ListEntitiesForPolicy on policy \/jit\/read-logs/,
      ),
    });
  });
});
