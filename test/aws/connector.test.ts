import { GetUserCommand, ListGroupsForUserCommand } from '@aws-sdk/client-iam';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAwsConnector, sessionNameFor } from '../../src/aws/connector.js';
import { ProviderError } from '../../src/ports/access-provider.js';
import { BASE_CREDENTIALS, buildAccount, context, EXTERNAL_ID, useFakeAws } from './aws-fixtures.js';

const aws = useFakeAws();

describe('the AWS connector', () => {
  it('assumes the connector role with the external id, in a session named after the request', async () => {
    const account = buildAccount();
    aws.fake.account(account.accountId).addUser('alice', ['dev']);
    const { iam } = await aws.connect([account]).clientsFor(account, context({ requestId: 'R-42' }));
    await iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));

    const [assume] = aws.fake.callsTo('AssumeRole');
    expect(assume?.params).toMatchObject({
      RoleArn: account.connectorRoleArn,
      ExternalId: EXTERNAL_ID,
      RoleSessionName: 'jitbot-R-42',
      DurationSeconds: '900',
    });
    // The IAM call was signed by that session, not by jitbot's own identity.
    expect(aws.fake.callsTo('ListGroupsForUser')[0]?.session?.sessionName).toBe('jitbot-R-42');
    expect(aws.recorded).toEqual([
      {
        action: 'aws.sts.AssumeRole',
        outcome: 'ok',
        context: context({ requestId: 'R-42' }),
        account: '111111111111',
        resource: account.connectorRoleArn,
        providerRequestId: assume?.requestId,
      },
    ]);
  });

  it('reuses the session for the same request and assumes again for another request', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    await connector.clientsFor(account, context({ requestId: 'R-1' }));
    await connector.clientsFor(account, context({ requestId: 'R-1' }));
    expect(aws.fake.callsTo('AssumeRole')).toHaveLength(1);
    await connector.clientsFor(account, context({ requestId: 'R-2' }));
    expect(aws.fake.callsTo('AssumeRole').map((call) => call.params.RoleSessionName)).toEqual([
      'jitbot-R-1',
      'jitbot-R-2',
    ]);
  });

  it('keeps a session in use while one-request sessions come and go: the least used one is evicted', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    const revocations = context({ session: 'jitbot-revoke-1a2b3c4d' });
    await connector.clientsFor(account, revocations);
    for (let request = 1; request <= 40; request += 1) {
      await connector.clientsFor(account, context({ requestId: `R-${request}` }));
      if (request % 10 === 0) await connector.clientsFor(account, revocations);
    }
    const names = aws.fake.callsTo('AssumeRole').map((call) => call.params.RoleSessionName);
    expect(names.filter((name) => name === 'jitbot-revoke-1a2b3c4d')).toHaveLength(1);
    expect(names).toHaveLength(41);
  });

  it('shares one AssumeRole between concurrent callers of the same session', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    await Promise.all([1, 2, 3, 4].map(() => connector.clientsFor(account, context())));
    expect(aws.fake.callsTo('AssumeRole')).toHaveLength(1);
  });

  it('assumes again when the cached credentials have less than two minutes left', async () => {
    const account = buildAccount();
    aws.fake.credentialLifetimeSeconds = 90;
    const connector = aws.connect([account]);
    await connector.clientsFor(account, context());
    await connector.clientsFor(account, context());
    expect(aws.fake.callsTo('AssumeRole')).toHaveLength(2);
  });

  it('says in plain words that the role cannot be assumed with a wrong external id, without the id', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    aws.fake.addRole(account.connectorRoleArn, 'the-real-external-id');
    const failure = await connector.clientsFor(account, context()).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ code: 'assume_role_denied', retryable: false });
    expect((failure as ProviderError).message).toBe(
      "jitbot could not assume arn:aws:iam::111111111111:role/jitbot-connector in account 111111111111: check the role's trust policy and external ID",
    );
    expect(JSON.stringify(aws.recorded)).not.toContain(EXTERNAL_ID);
    expect(aws.recorded).toEqual([
      expect.objectContaining({
        action: 'aws.sts.AssumeRole',
        outcome: 'error',
        errorCode: 'AccessDenied',
        providerRequestId: aws.fake.callsTo('AssumeRole')[0]?.requestId,
      }),
    ]);
  });

  it('does not cache a failed AssumeRole, so a fixed trust policy works on the next call', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    aws.fake.failNext('AssumeRole', { code: 'AccessDenied', status: 403 });
    await expect(connector.clientsFor(account, context())).rejects.toThrow(/trust policy/);
    await expect(connector.clientsFor(account, context())).resolves.toBeDefined();
  });

  it('turns a throttled AssumeRole into a retryable error', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    aws.fake.failNext('AssumeRole', { code: 'Throttling', status: 400 });
    await expect(connector.clientsFor(account, context())).rejects.toMatchObject({
      code: 'aws_throttled',
      retryable: true,
    });
  });

  it("rides out a run of throttles in a revocation's session that a request's call gives up on", async () => {
    const account = buildAccount();
    aws.fake.account(account.accountId).addUser('alice', ['dev']);
    const connector = aws.connect([account], 'production');
    const list = new ListGroupsForUserCommand({ UserName: 'alice' });

    // A request's call: five tries, then jitbot's own retry takes over.
    aws.fake.failNext('ListGroupsForUser', { code: 'Throttling', status: 400, times: 6 });
    const request = await connector.clientsFor(account, context({ requestId: 'R-7' }));
    await expect(request.iam.send(list)).rejects.toMatchObject({ name: 'Throttling' });
    expect(aws.fake.callsTo('ListGroupsForUser')).toHaveLength(5);

    // A revocation's: throttled eight times, removed on the ninth try, within the one call.
    aws.fake.failNext('ListGroupsForUser', { code: 'Throttling', status: 400, times: 8 });
    const revocation = await connector.clientsFor(account, context({ session: 'jitbot-revoke-5e6f7a8b' }));
    const startedAt = Date.now();
    await expect(revocation.iam.send(list)).resolves.toMatchObject({ Groups: [{ GroupName: 'dev' }] });
    expect(aws.fake.callsTo('ListGroupsForUser')).toHaveLength(5 + 9);
    // Short steps: eight waits of at most 25, 50, 100, then 200 ms.
    expect(Date.now() - startedAt).toBeLessThan(2_500);

    // And not for ever: a ninth throttle in a row goes back to jitbot's durable retry.
    aws.fake.failNext('ListGroupsForUser', { code: 'Throttling', status: 400, times: 9 });
    await expect(revocation.iam.send(list)).rejects.toMatchObject({ name: 'Throttling' });
    expect(aws.fake.callsTo('ListGroupsForUser')).toHaveLength(5 + 9 + 9);
  });

  it("does not retry a revocation's call that AWS refused outright", async () => {
    const account = buildAccount();
    aws.fake.account(account.accountId).addUser('alice', ['dev']);
    const connector = aws.connect([account], 'production');
    aws.fake.failNext('ListGroupsForUser', { code: 'AccessDenied', status: 403 });
    const revocation = await connector.clientsFor(account, context({ session: 'jitbot-revoke-5e6f7a8b' }));
    await expect(
      revocation.iam.send(new ListGroupsForUserCommand({ UserName: 'alice' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(aws.fake.callsTo('ListGroupsForUser')).toHaveLength(1);
  });

  it('reports AWS out of reach as retryable', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    await aws.fake.stop();
    await expect(connector.clientsFor(account, context())).rejects.toMatchObject({
      code: 'aws_unreachable',
      retryable: true,
      message: expect.stringContaining('jitbot could not reach AWS for sts:AssumeRole'),
    });
  });

  it('follows AWS_ENDPOINT_URL when no endpoint is given, as the service under test does', async () => {
    const account = buildAccount();
    aws.fake.addRole(account.connectorRoleArn, account.externalId);
    aws.fake.account(account.accountId).addUser('alice');
    const connector = createAwsConnector({
      accounts: [account],
      credentials: BASE_CREDENTIALS,
      maxAttempts: 1,
      logger: pino({ level: 'silent' }),
      record: async () => {},
    });
    process.env.AWS_ENDPOINT_URL = aws.url;
    try {
      const { iam } = await connector.clientsFor(account, context());
      await iam.send(new GetUserCommand({ UserName: 'alice' }));
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
      connector.close();
    }
    expect(aws.fake.calls.map((call) => call.action)).toEqual(['AssumeRole', 'GetUser']);
  });

  it('names sessions within the limits STS allows', () => {
    expect(sessionNameFor('R 1/2:3')).toBe('jitbot-R-1-2-3');
    expect(sessionNameFor('x'.repeat(100))).toHaveLength(64);
  });
});
