import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/domain/catalog.js';
import { isProviderError, ProviderError } from '../../src/ports/access-provider.js';
import { createAwsIamGroupProvider } from '../../src/providers/aws-iam-group.js';
import { buildAccount, buildTarget, context, useFakeAws } from './aws-fixtures.js';

const aws = useFakeAws();
const ALICE = { userId: 'UALICE1', email: 'alice@example.com' };

function provider(account: Account = buildAccount()) {
  const connector = aws.connect([account]);
  const iam = aws.fake.account(account.accountId);
  iam.addGroup('jit-admin');
  const accessProvider = createAwsIamGroupProvider({
    accountFor: () => account,
    connector,
    record: async (call) => {
      aws.recorded.push(call);
    },
  });
  return { accessProvider, iam };
}

describe('describing an IAM group target', () => {
  it('names the group and the account', () => {
    const { accessProvider } = provider();
    expect(accessProvider.resourceOf(buildTarget())).toBe('aws:111111111111:group/jit-admin');
    expect(accessProvider.describe(buildTarget())).toBe('IAM group jit-admin in Production (111111111111)');
    expect(accessProvider.location(buildTarget())).toBe('Production (111111111111)');
  });

  it('gives back the target as granted, for a group the catalog no longer names, in its account only', () => {
    const { accessProvider } = provider();
    const granted = accessProvider.asGranted(
      buildTarget({ group: 'jit-admin-v2' }),
      'aws:111111111111:group/jit-admin',
    );
    expect(granted).toMatchObject({ id: 'prod-admin', group: 'jit-admin' });
    expect(accessProvider.asGranted(buildTarget(), 'aws:222222222222:group/jit-admin')).toBeUndefined();
  });
});

describe("finding the requester's IAM user", () => {
  it('maps the Slack email to an existing IAM user', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice', ['dev']);
    await expect(accessProvider.resolvePrincipal(buildTarget(), ALICE, context())).resolves.toEqual({
      ok: true,
      principal: 'alice',
    });
  });

  it('uses the explicit mapping before the email rule', async () => {
    const account = buildAccount({ userMapping: { explicit: { UALICE1: 'a.smith' }, otherwise: 'email' } });
    const { accessProvider, iam } = provider(account);
    iam.addUser('a.smith');
    await expect(accessProvider.resolvePrincipal(buildTarget(), ALICE, context())).resolves.toEqual({
      ok: true,
      principal: 'a.smith',
    });
  });

  it('says plainly when the IAM user does not exist, and what to do', async () => {
    const { accessProvider } = provider();
    await expect(accessProvider.resolvePrincipal(buildTarget(), ALICE, context())).resolves.toEqual({
      ok: false,
      reason:
        'There is no IAM user alice in Production (111111111111). Ask an admin of that account to create it, or a jitbot admin to map you to your IAM user in the catalog.',
    });
  });

  it('says plainly when the Slack profile has no email to map from, without calling AWS', async () => {
    const { accessProvider } = provider();
    const outcome = await accessProvider.resolvePrincipal(buildTarget(), { userId: 'UALICE1' }, context());
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining('no email address') });
    expect(aws.fake.calls).toEqual([]);
  });

  it('refuses a user already in 10 groups, because IAM cannot add an 11th', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser(
      'alice',
      Array.from({ length: 10 }, (_, index) => `team-${index}`),
    );
    aws.fake.pageSize = 3; // so the groups come in pages, as they can from IAM
    const outcome = await accessProvider.resolvePrincipal(buildTarget(), ALICE, context());
    expect(outcome).toEqual({
      ok: false,
      reason:
        'Your IAM user alice in Production (111111111111) is already in 10 groups, and IAM allows at most 10 groups per user, so it cannot be added to jit-admin. Leave a group you no longer need, or ask an admin of that account to remove you from one.',
    });
    expect(aws.fake.callsTo('ListGroupsForUser')).toHaveLength(4);
  });

  it('accepts a user in 10 groups when the target group is one of them (already a member)', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice', ['jit-admin', ...Array.from({ length: 9 }, (_, index) => `team-${index}`)]);
    await expect(accessProvider.resolvePrincipal(buildTarget(), ALICE, context())).resolves.toEqual({
      ok: true,
      principal: 'alice',
    });
  });

  it('throws a retryable error when IAM is throttling, rather than telling the requester no', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    aws.fake.failNext('GetUser', { code: 'Throttling', status: 400 });
    await expect(accessProvider.resolvePrincipal(buildTarget(), ALICE, context())).rejects.toMatchObject({
      code: 'aws_throttled',
      retryable: true,
    });
  });
});

describe('granting and revoking membership', () => {
  it('adds the user to the group, and sees the membership afterwards', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    expect(await accessProvider.isMember(buildTarget(), 'alice', context())).toBe(false);
    await accessProvider.grant(buildTarget(), 'alice', context());
    await accessProvider.grant(buildTarget(), 'alice', context()); // granting twice is fine
    expect(iam.isMember('jit-admin', 'alice')).toBe(true);
    expect(await accessProvider.isMember(buildTarget(), 'alice', context())).toBe(true);
  });

  it('removes the user, and reports already-gone when someone else removed them first', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice', ['jit-admin']);
    expect(await accessProvider.revoke(buildTarget(), 'alice', context())).toBe('removed');
    expect(iam.isMember('jit-admin', 'alice')).toBe(false);
    expect(await accessProvider.revoke(buildTarget(), 'alice', context())).toBe('already-gone');
  });

  it('reports an IAM outage on revoke as retryable, so the revocation is tried again', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice', ['jit-admin']);
    aws.fake.failNext('RemoveUserFromGroup', { code: 'ServiceUnavailable', status: 503 });
    await expect(accessProvider.revoke(buildTarget(), 'alice', context())).rejects.toMatchObject({
      code: 'aws_unavailable',
      retryable: true,
    });
    expect(iam.isMember('jit-admin', 'alice')).toBe(true);
  });

  it('turns a denied grant into a final error naming the role, the action and the group', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    aws.fake.failNext('AddUserToGroup', { code: 'AccessDenied', status: 403 });
    const failure = await accessProvider
      .grant(buildTarget(), 'alice', context())
      .catch((error: unknown) => error);
    expect(isProviderError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'aws_access_denied', retryable: false });
    expect((failure as ProviderError).message).toMatch(
      /^AWS refused: jitbot's connector role in account 111111111111 is not allowed to iam:AddUserToGroup on group jit-admin: check the connector role policy \(AWS error AccessDenied, request id [\w-]+\)$/,
    );
  });

  it('records every IAM call with the request, the actor, the outcome and the AWS request id', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    await accessProvider.grant(buildTarget(), 'alice', context());
    await accessProvider.revoke(buildTarget(), 'alice', context({ actor: 'jitbot' }));
    await accessProvider.revoke(buildTarget(), 'alice', context({ actor: 'jitbot' }));
    const [add, remove, removeAgain] = aws.fake.calls.filter((call) => call.service === 'iam');
    const base = {
      targetId: 'prod-admin',
      account: '111111111111',
      resource: 'jit-admin',
      principal: 'alice',
    };
    expect(aws.recorded.filter((call) => call.action.startsWith('aws.iam.'))).toEqual([
      {
        ...base,
        action: 'aws.iam.AddUserToGroup',
        outcome: 'ok',
        context: context(),
        providerRequestId: add?.requestId,
      },
      {
        ...base,
        action: 'aws.iam.RemoveUserFromGroup',
        outcome: 'ok',
        context: context({ actor: 'jitbot' }),
        providerRequestId: remove?.requestId,
      },
      {
        ...base,
        action: 'aws.iam.RemoveUserFromGroup',
        outcome: 'error',
        context: context({ actor: 'jitbot' }),
        providerRequestId: removeAgain?.requestId,
        errorCode: 'NoSuchEntity',
        error: expect.stringContaining('(AWS error NoSuchEntity'),
      },
    ]);
  });

  it('reports each throttled attempt as retryable until AWS accepts the call', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    aws.fake.failNext('AddUserToGroup', { code: 'Throttling', status: 400, times: 3 });
    const outcomes: unknown[] = [];
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      // Each retry is a new job run; a fresh request id keeps the SDK's adaptive limiter out of the timing.
      const outcome = await accessProvider
        .grant(buildTarget(), 'alice', context({ requestId: `R-${attempt}` }))
        .then(
          () => 'granted',
          (error: unknown) => error,
        );
      outcomes.push(
        outcome instanceof ProviderError ? { code: outcome.code, retryable: outcome.retryable } : outcome,
      );
    }
    const throttled = { code: 'aws_throttled', retryable: true };
    expect(outcomes).toEqual([throttled, throttled, throttled, 'granted']);
    expect(aws.fake.callsTo('AddUserToGroup')).toHaveLength(4); // maxAttempts 1: the SDK did not retry
    expect(iam.isMember('jit-admin', 'alice')).toBe(true);
  });
});
