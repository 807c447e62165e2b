import { describe, expect, it } from 'vitest';
import { checkRegion } from '../../src/doctor/region-check.js';
import type { Account } from '../../src/domain/catalog.js';

function account(region: string, partition = 'aws'): Account {
  return {
    id: 'prod',
    name: 'Production',
    accountId: '111111111111',
    region,
    connectorRoleArn: `arn:${partition}:iam::111111111111:role/jitbot-connector`,
    externalId: 'ext-id-not-shown',
    userMapping: { explicit: {} },
  };
}

describe('checkRegion', () => {
  it('passes a region of the partition the roles are in, with its name', () => {
    expect(checkRegion(account('eu-central-1'))).toEqual({
      ok: true,
      detail: 'eu-central-1 (Europe (Frankfurt))',
    });
    expect(checkRegion(account('us-gov-west-1', 'aws-us-gov')).ok).toBe(true);
  });

  it.each(['us-est-1', 'eu-west-9', 'aws-global'])('refuses %s, which is no region', (region) => {
    expect(checkRegion(account(region))).toMatchObject({
      ok: false,
      problem: `${region} is not an AWS region (none of the aws partition's regions known to this jitbot has that name)`,
    });
  });

  it("refuses a region of another partition than the roles'", () => {
    expect(checkRegion(account('cn-north-1'))).toMatchObject({
      ok: false,
      problem:
        "cn-north-1 is a region of the aws-cn partition, but the account's connector role (arn:aws:iam::111111111111:role/jitbot-connector) is in aws",
    });
  });
});
