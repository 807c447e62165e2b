import { describe, expect, it } from 'vitest';
import { createAwsChecks } from '../../src/aws/aws-checks.js';
import { buildAccount, EXTERNAL_ID, useFakeAws } from './aws-fixtures.js';

const aws = useFakeAws();

describe('doctor checks for an AWS account', () => {
  it('passes when the role can be assumed and the group exists', async () => {
    const account = buildAccount();
    const checks = createAwsChecks(aws.connect([account]));
    aws.fake.account(account.accountId).addGroup('jit-admin');
    await expect(checks.checkAssumeRole(account)).resolves.toEqual({ ok: true });
    await expect(checks.checkGroupExists(account, 'jit-admin')).resolves.toEqual({ ok: true });
  });

  it('explains a trust policy or external id problem without showing the id', async () => {
    const account = buildAccount();
    const checks = createAwsChecks(aws.connect([account]));
    aws.fake.addRole(account.connectorRoleArn, 'another-id');
    const result = await checks.checkAssumeRole(account);
    expect(result).toMatchObject({
      ok: false,
      problem: expect.stringContaining('trust policy and external ID'),
    });
    expect(JSON.stringify(result)).not.toContain(EXTERNAL_ID);
  });

  it('names a missing group and how to fix it', async () => {
    const account = buildAccount();
    const checks = createAwsChecks(aws.connect([account]));
    await expect(checks.checkGroupExists(account, 'jit-typo')).resolves.toEqual({
      ok: false,
      problem: 'IAM group jit-typo does not exist in Production (111111111111)',
      fix: 'create the group in that account, or correct the group name in the catalog',
    });
  });

  it('fails a group outside /jit/, which the connector role may not manage, and says how to move it', async () => {
    const account = buildAccount();
    const checks = createAwsChecks(aws.connect([account]));
    aws.fake.account(account.accountId).addGroup('Admins', '/');
    await expect(checks.checkGroupExists(account, 'Admins')).resolves.toEqual({
      ok: false,
      problem:
        "IAM group Admins in Production (111111111111) has the path /, but jitbot's roles manage only groups under /jit/",
      fix: 'move it: aws iam update-group --group-name Admins --new-path /jit/',
    });
  });
});
