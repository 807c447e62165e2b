import { describe, expect, it } from 'vitest';
import type { AwsIamPolicyTarget } from '../../src/domain/catalog.js';
import { createAwsIamPolicyProvider } from '../../src/providers/aws-iam-policy.js';
import { buildAccount, buildTarget, context, useFakeAws } from './aws-fixtures.js';

const aws = useFakeAws();
const POLICY = 'arn:aws:iam::111111111111:policy/jit/read-logs';
const ALICE = { userId: 'UALICE1', email: 'alice@example.com' };

function policyTarget(): AwsIamPolicyTarget {
  const { group: _group, ...common } = buildTarget();
  return { ...common, id: 'read-logs', kind: 'aws-iam-policy', policyArn: POLICY };
}

function provider() {
  const account = buildAccount();
  const iam = aws.fake.account(account.accountId);
  iam.addPolicy(POLICY);
  const accessProvider = createAwsIamPolicyProvider({
    accountFor: () => account,
    connector: aws.connect([account]),
    record: async (call) => {
      aws.recorded.push(call);
    },
  });
  return { accessProvider, iam };
}

describe('the aws-iam-policy provider', () => {
  it('says exactly what it grants, and names the resource by account and policy', () => {
    const { accessProvider } = provider();
    expect(accessProvider.describe(policyTarget())).toBe(
      "IAM policy /jit/read-logs on the requester's IAM user in Production (111111111111)",
    );
    expect(accessProvider.resourceOf(policyTarget())).toBe(`aws:111111111111:user-policy/${POLICY}`);
    // What was granted, even after the catalog named another policy; never in another account.
    const corrected = { ...policyTarget(), policyArn: 'arn:aws:iam::111111111111:policy/jit/read-logs-v2' };
    expect(accessProvider.asGranted(corrected, `aws:111111111111:user-policy/${POLICY}`)?.policyArn).toBe(
      POLICY,
    );
    expect(accessProvider.asGranted(corrected, `aws:999999999999:user-policy/${POLICY}`)).toBeUndefined();
  });

  it('finds the IAM user, and refuses a person without one in words', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    expect(await accessProvider.resolvePrincipal(policyTarget(), ALICE, context())).toEqual({
      ok: true,
      principal: 'alice',
    });
    const bob = { userId: 'UBOB1', email: 'bob@example.com' };
    expect(await accessProvider.resolvePrincipal(policyTarget(), bob, context())).toMatchObject({
      ok: false,
      reason: expect.stringContaining('There is no IAM user bob in Production (111111111111)'),
    });
  });

  it('attaches, sees it attached across pages of policies, detaches, and reports already-gone', async () => {
    const { accessProvider, iam } = provider();
    aws.fake.pageSize = 2;
    iam.addUser('alice');
    for (const name of ['a', 'b', 'c']) {
      const other = `arn:aws:iam::111111111111:policy/team/${name}`;
      iam.addPolicy(other);
      iam.attachPolicy(other, 'alice');
    }
    expect(await accessProvider.isMember(policyTarget(), 'alice', context())).toBe(false);
    await accessProvider.grant(policyTarget(), 'alice', context());
    await accessProvider.grant(policyTarget(), 'alice', context()); // attaching twice is fine
    expect(await accessProvider.isMember(policyTarget(), 'alice', context())).toBe(true);
    expect(await accessProvider.revoke(policyTarget(), 'alice', context())).toBe('removed');
    expect(iam.hasPolicy('alice', POLICY)).toBe(false);
    expect(await accessProvider.revoke(policyTarget(), 'alice', context())).toBe('already-gone');
    // The person's other policies are never touched.
    expect(iam.policiesOf('alice')).toHaveLength(3);
  });

  it('audits each call with the policy as its resource and the AWS request id', async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    await accessProvider.grant(policyTarget(), 'alice', context());
    const attach = aws.fake.callsTo('AttachUserPolicy')[0];
    expect(attach?.params).toMatchObject({ PolicyArn: POLICY, UserName: 'alice' });
    expect(aws.recorded.find((call) => call.action === 'aws.iam.AttachUserPolicy')).toEqual({
      action: 'aws.iam.AttachUserPolicy',
      outcome: 'ok',
      context: context(),
      targetId: 'read-logs',
      account: '111111111111',
      resource: POLICY,
      principal: 'alice',
      providerRequestId: attach?.requestId,
    });
  });

  it("turns IAM's quota refusal into a final error that quotes IAM", async () => {
    const { accessProvider, iam } = provider();
    iam.addUser('alice');
    for (let index = 0; index < 10; index += 1) {
      const other = `arn:aws:iam::111111111111:policy/team/p${index}`;
      iam.addPolicy(other);
      iam.attachPolicy(other, 'alice');
    }
    await expect(accessProvider.grant(policyTarget(), 'alice', context())).rejects.toMatchObject({
      code: 'aws_limit_exceeded',
      retryable: false,
      message: expect.stringContaining('PoliciesPerUser'),
    });
  });
});
