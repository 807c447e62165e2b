import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  DeleteConflictException,
  DeletePolicyCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  type Policy,
  paginateListPolicies,
} from '@aws-sdk/client-iam';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws } from '../support/fake-aws.js';

/**
 * The fake IAM's customer managed policies, through the real IAMClient over HTTP: what jitbot's
 * generated policies rely on (CreatePolicy with a document, GetPolicyVersion handing it back,
 * DeletePolicy refused while attached) behaves as IAM does.
 */

const ACCOUNT = '111111111111';
const CONNECTOR = `arn:aws:iam::${ACCOUNT}:role/jitbot-connector`;
const GENERATED = '/jit/generated/';
const DOCUMENT = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: ['arn:aws:s3:::team-a-logs/*'],
      Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T16:00:00Z' } },
    },
  ],
};
/** As a person would write it: IAM keeps and returns the whitespace. */
const DOCUMENT_TEXT = JSON.stringify(DOCUMENT, null, 2);

let aws: FakeAws;
let iam: IAMClient;
let url: string;

beforeEach(async () => {
  aws = new FakeAws();
  url = await aws.start();
  aws.addRole(CONNECTOR, undefined);
  aws.account(ACCOUNT).addUser('alice');
  iam = new IAMClient({ region: 'us-east-1', endpoint: url, credentials: await assume(), maxAttempts: 1 });
});

afterEach(async () => {
  iam.destroy();
  await aws.stop();
});

async function assume() {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: CONNECTOR, RoleSessionName: 'jitbot-test' }),
  );
  sts.destroy();
  return {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken ?? '',
  };
}

const create = (name: string, document = DOCUMENT_TEXT, path: string | null = GENERATED) =>
  iam.send(
    new CreatePolicyCommand({
      PolicyName: name,
      PolicyDocument: document,
      ...(path === null ? {} : { Path: path }),
    }),
  );

/** The error a call rejects with (fails the test when it succeeds). */
async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

/** A document of exactly `size` characters once whitespace is left out, padded with much whitespace. */
function documentOfSize(size: number): string {
  const shell = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: '', Effect: 'Deny', Action: 'x:y', Resource: '*' }],
  });
  const sid = 'A'.repeat(size - shell.length);
  const compact = shell.replace('"Sid":""', `"Sid":"${sid}"`);
  return `${' '.repeat(200)}${compact.replace(/,/g, ',\n        ')}\n`;
}

describe('the fake IAM keeps managed policies with their documents', () => {
  it('creates, reads back the exact document, refuses to delete while attached, then deletes', async () => {
    const created = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'jit-g-1',
        Path: GENERATED,
        PolicyDocument: DOCUMENT_TEXT,
        Description: 'R-2026-0001 for alice',
      }),
    );
    const arn = `arn:aws:iam::${ACCOUNT}:policy/jit/generated/jit-g-1`;
    expect(created.Policy).toMatchObject({
      PolicyName: 'jit-g-1',
      Arn: arn,
      Path: GENERATED,
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
      IsAttachable: true,
    });
    expect(created.Policy?.PolicyId).toMatch(/^ANPA[0-9A-F]{17}$/);
    expect(created.Policy?.CreateDate).toBeInstanceOf(Date);
    // IAM gives the description back from GetPolicy only.
    expect(created.Policy?.Description).toBeUndefined();

    const { Policy: read } = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    expect(read).toMatchObject({ Arn: arn, AttachmentCount: 0, Description: 'R-2026-0001 for alice' });

    const { PolicyVersion: version } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }),
    );
    expect(version).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true });
    // The SDK hands the document over URL-encoded, as IAM sends it.
    expect(version?.Document).not.toContain('{');
    expect(decodeURIComponent(version?.Document ?? '')).toBe(DOCUMENT_TEXT);
    expect(aws.account(ACCOUNT).policyDocument(arn)).toEqual(DOCUMENT);
    expect(aws.account(ACCOUNT).policyPath(arn)).toBe(GENERATED);

    await iam.send(new AttachUserPolicyCommand({ PolicyArn: arn, UserName: 'alice' }));
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(1);
    const refused = await failure(iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
    expect(refused).toBeInstanceOf(DeleteConflictException);
    expect(refused.message).toBe('Cannot delete a policy attached to entities.');
    expect(refused.$metadata.httpStatusCode).toBe(409);
    expect(aws.account(ACCOUNT).hasPolicy('alice', arn)).toBe(true);

    await iam.send(new DetachUserPolicyCommand({ PolicyArn: arn, UserName: 'alice' }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    const gone = await failure(iam.send(new GetPolicyCommand({ PolicyArn: arn })));
    expect(gone).toBeInstanceOf(NoSuchEntityException);
    expect(gone.$metadata.httpStatusCode).toBe(404);
    expect(aws.account(ACCOUNT).policyDocument(arn)).toBeUndefined();
    expect(aws.account(ACCOUNT).policyPath(arn)).toBeUndefined();
  });

  it('refuses a name the account already has, on any path and in any case, and keeps the first', async () => {
    const first = await create('jit-g-1');
    for (const [name, path] of [
      ['jit-g-1', GENERATED],
      ['jit-g-1', '/other/'],
      ['JIT-G-1', '/'],
    ] as const) {
      const refused = await failure(create(name, '{"Statement":[]}', path));
      expect(refused, `${path}${name}`).toBeInstanceOf(EntityAlreadyExistsException);
      expect(refused.message).toBe(
        `A policy called ${name} already exists. Duplicate names are not allowed.`,
      );
      expect(refused.$metadata.httpStatusCode).toBe(409);
    }
    expect(
      aws
        .account(ACCOUNT)
        .listPolicies()
        .map((policy) => policy.arn),
    ).toEqual([first.Policy?.Arn]);
    expect(aws.account(ACCOUNT).policyDocument(first.Policy?.Arn ?? '')).toEqual(DOCUMENT);
  });

  it('gives a policy created again under a deleted name a new id', async () => {
    const first = await create('jit-g-1');
    await iam.send(new DeletePolicyCommand({ PolicyArn: first.Policy?.Arn }));
    const second = await create('jit-g-1');
    expect(second.Policy?.Arn).toBe(first.Policy?.Arn);
    expect(second.Policy?.PolicyId).not.toBe(first.Policy?.PolicyId);
  });

  it.each([
    ['not JSON', '{"Version": "2012-10-17", "Statement": ['],
    ['JSON but not a policy', '["s3:GetObject"]'],
  ])('refuses a document that is %s as malformed, and creates nothing', async (_what, document) => {
    const refused = await failure(create('jit-g-1', document));
    expect(refused).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(refused.message).toBe('Syntax errors in policy.');
    expect(refused.$metadata.httpStatusCode).toBe(400);
    expect(aws.account(ACCOUNT).listPolicies()).toEqual([]);
  });

  it('counts the size without whitespace: 6,144 characters fit, 6,145 are over the quota', async () => {
    const fits = documentOfSize(6144);
    expect(fits.length).toBeGreaterThan(6200);
    expect(JSON.parse(fits)).toBeTruthy();
    await create('jit-fits', fits);
    const refused = await failure(create('jit-too-big', documentOfSize(6145)));
    expect(refused).toBeInstanceOf(LimitExceededException);
    expect(refused.message).toBe('Cannot exceed quota for PolicySize: 6144');
    expect(refused.$metadata.httpStatusCode).toBe(409);
    expect(
      aws
        .account(ACCOUNT)
        .listPolicies()
        .map((policy) => policy.name),
    ).toEqual(['jit-fits']);
  });

  it('refuses a path that does not begin and end with a slash', async () => {
    const refused = await failure(create('jit-g-1', DOCUMENT_TEXT, 'jit/generated'));
    expect(refused.name).toBe('ValidationError');
    expect(refused.message).toContain("'jit/generated'");
    expect(aws.account(ACCOUNT).listPolicies()).toEqual([]);
  });

  it('puts a policy at / when no path is given', async () => {
    const { Policy } = await create('jit-root', DOCUMENT_TEXT, null);
    expect(Policy).toMatchObject({ Path: '/', Arn: `arn:aws:iam::${ACCOUNT}:policy/jit-root` });
  });

  it('answers NoSuchEntity to deleting a policy that is not there, or reading a version it lacks', async () => {
    const absent = `arn:aws:iam::${ACCOUNT}:policy/jit/generated/never`;
    const deleted = await failure(iam.send(new DeletePolicyCommand({ PolicyArn: absent })));
    expect(deleted).toBeInstanceOf(NoSuchEntityException);
    expect(deleted.message).toBe(`Policy ${absent} was not found.`);
    const { Policy } = await create('jit-g-1');
    const version = await failure(
      iam.send(new GetPolicyVersionCommand({ PolicyArn: Policy?.Arn, VersionId: 'v2' })),
    );
    expect(version).toBeInstanceOf(NoSuchEntityException);
  });

  it('lists the local policies under a path prefix, page by page', async () => {
    aws.pageSize = 2;
    const account = aws.account(ACCOUNT);
    account.addPolicy('arn:aws:iam::aws:policy/AdministratorAccess');
    account.addPolicy(`arn:aws:iam::${ACCOUNT}:policy/jit/read-logs`);
    for (const name of ['jit-g-1', 'jit-g-2', 'jit-g-3']) await create(name);
    await create('team-x', DOCUMENT_TEXT, '/team/');
    const names = async (input: { PathPrefix?: string; OnlyAttached?: boolean }) => {
      const listed: Policy[] = [];
      for await (const page of paginateListPolicies({ client: iam }, { Scope: 'Local', ...input }))
        listed.push(...(page.Policies ?? []));
      return listed.map((policy) => policy.PolicyName);
    };
    expect(await names({ PathPrefix: GENERATED })).toEqual(['jit-g-1', 'jit-g-2', 'jit-g-3']);
    expect(await names({ PathPrefix: '/jit/' })).toEqual(['read-logs', 'jit-g-1', 'jit-g-2', 'jit-g-3']);
    expect(await names({})).toEqual(['read-logs', 'jit-g-1', 'jit-g-2', 'jit-g-3', 'team-x']);
    expect(aws.callsTo('ListPolicies').length).toBeGreaterThan(3);
    account.attachPolicy(`arn:aws:iam::${ACCOUNT}:policy/jit/generated/jit-g-2`, 'alice');
    expect(await names({ PathPrefix: GENERATED, OnlyAttached: true })).toEqual(['jit-g-2']);
  });

  it('gives a policy a test put in place a document to read back', async () => {
    const account = aws.account(ACCOUNT);
    const preset = `arn:aws:iam::${ACCOUNT}:policy/jit/read-logs`;
    account.addPolicy(preset);
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: preset, VersionId: 'v1' }),
    );
    expect(JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? ''))).toEqual(
      account.policyDocument(preset),
    );
    const withDocument = `arn:aws:iam::${ACCOUNT}:policy/jit/write-logs`;
    account.addPolicy(withDocument, DOCUMENT_TEXT);
    expect(account.policyDocument(withDocument)).toEqual(DOCUMENT);
    expect(account.policyPath(withDocument)).toBe('/jit/');
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: withDocument }))).Policy?.PolicyName).toBe(
      'write-logs',
    );
  });
});

describe('failure injection and the call record', () => {
  it('fails the next CreatePolicy as asked, creating nothing, and records each call with its document', async () => {
    aws.failNext('CreatePolicy', { code: 'ServiceFailure', status: 500, message: 'try again' });
    const failed = await failure(create('jit-g-1'));
    expect(failed.name).toBe('ServiceFailureException');
    expect(aws.account(ACCOUNT).listPolicies()).toEqual([]);
    await create('jit-g-1');
    expect(aws.callsTo('CreatePolicy').map((call) => [call.status, call.errorCode])).toEqual([
      [500, 'ServiceFailure'],
      [200, undefined],
    ]);
    expect(aws.callsTo('CreatePolicy')[1]?.params).toMatchObject({
      PolicyName: 'jit-g-1',
      Path: GENERATED,
      PolicyDocument: DOCUMENT_TEXT,
    });
    expect(aws.callsTo('CreatePolicy')[1]?.session?.roleArn).toBe(CONNECTOR);
  });

  it('fails DeletePolicy and GetPolicyVersion as asked, and the policy stays', async () => {
    const { Policy } = await create('jit-g-1');
    const arn = Policy?.Arn ?? '';
    aws.failNext('DeletePolicy', { code: 'Throttling', status: 400, times: 2 });
    aws.failNext('GetPolicyVersion', { code: 'ServiceFailure', status: 500 });
    for (let attempt = 0; attempt < 2; attempt += 1)
      expect((await failure(iam.send(new DeletePolicyCommand({ PolicyArn: arn })))).name).toBe('Throttling');
    expect(aws.account(ACCOUNT).policyPath(arn)).toBe(GENERATED);
    const read = await failure(iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })));
    expect(read.name).toBe('ServiceFailureException');
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect(aws.account(ACCOUNT).policyPath(arn)).toBeUndefined();
  });
});

describe("the Scheduler's detachUserPolicy target", () => {
  it('detaches a created policy at expiry, which can then be deleted', async () => {
    const { Policy } = await create('jit-g-1');
    const arn = Policy?.Arn ?? '';
    await iam.send(new AttachUserPolicyCommand({ PolicyArn: arn, UserName: 'alice' }));
    const scheduler = new SchedulerClient({
      region: 'us-east-1',
      endpoint: url,
      credentials: await assume(),
      maxAttempts: 1,
    });
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'jitbot-g-1',
        GroupName: 'jitbot',
        ScheduleExpression: 'at(2030-01-01T16:00:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: 'arn:aws:scheduler:::aws-sdk:iam:detachUserPolicy',
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/jitbot-scheduler`,
          Input: JSON.stringify({ PolicyArn: arn, UserName: 'alice' }),
        },
      }),
    );
    scheduler.destroy();
    expect(aws.fireSchedulesDueBy(new Date('2030-01-01T15:59:59Z'))).toEqual([]);
    expect(aws.fireSchedulesDueBy(new Date('2030-01-01T16:00:00Z'))).toEqual(['jitbot-g-1']);
    expect(aws.account(ACCOUNT).fired).toEqual([{ schedule: 'jitbot-g-1', outcome: 'removed' }]);
    expect(aws.account(ACCOUNT).hasPolicy('alice', arn)).toBe(false);
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect(aws.account(ACCOUNT).listPolicies()).toEqual([]);
  });
});
