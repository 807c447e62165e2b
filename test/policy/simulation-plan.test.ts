import { describe, expect, it } from 'vitest';
import { actionRules } from '../../src/policy/action-bounds.js';
import { actionInfo } from '../../src/policy/action-data.js';
import type { PolicyBounds } from '../../src/policy/generate-policy.js';
import { NOMINAL_EXPIRY, simulationPlan } from '../../src/policy/simulation-plan.js';

const bounds: PolicyBounds = {
  allow: {
    actions: ['s3:Get*', 's3:List*'],
    resources: ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-a-*/*'],
  },
  deny: { actions: ['s3:GetObjectAcl', 's3:GetObjectVersionAcl'] },
  maxActions: 25,
  accountId: '111111111111',
  partition: 'aws',
};
const second = 1000;

describe('simulationPlan', () => {
  it('checks every pair on a concrete sample just before and just after the expiry', async () => {
    const plan = await simulationPlan(
      [
        { action: 's3:GetObject', resource: 'arn:aws:s3:::team-a-*' },
        { action: 's3:ListBucket', resource: 'arn:aws:s3:::team-a-logs' },
      ],
      await actionRules(bounds),
    );
    expect(plan.untestable).toEqual([]);
    const inside = plan.checks.filter(
      (check) => check.action === 's3:GetObject' || check.action === 's3:ListBucket',
    );
    expect(
      inside.map(({ action, resource, at, expect }) => [
        action,
        resource,
        at.getTime() - NOMINAL_EXPIRY.getTime(),
        expect,
      ]),
    ).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::team-a-jitbot/jitbot', -second, 'allowed'],
      ['s3:GetObject', 'arn:aws:s3:::team-a-jitbot/jitbot', second, 'denied'],
      ['s3:ListBucket', 'arn:aws:s3:::team-a-logs', -second, 'allowed'],
      ['s3:ListBucket', 'arn:aws:s3:::team-a-logs', second, 'denied'],
    ]);
  });

  it("tries the target's denied actions first, then Write actions of the same service, all before expiry", async () => {
    const plan = await simulationPlan(
      [{ action: 's3:GetObject', resource: 'arn:aws:s3:::team-a-logs/*' }],
      await actionRules(bounds),
    );
    const outside = plan.checks.filter((check) => check.action !== 's3:GetObject');
    expect(outside.slice(0, 2).map((check) => check.action)).toEqual([
      's3:GetObjectAcl',
      's3:GetObjectVersionAcl',
    ]);
    expect(outside.length).toBeGreaterThan(2);
    for (const check of outside.slice(2)) {
      expect(check.action.startsWith('s3:')).toBe(true);
      expect((await actionInfo(check.action))?.levels).toEqual(
        expect.arrayContaining([expect.stringMatching(/Write|Permissions management/)]),
      );
    }
    expect(outside.every((check) => check.expect === 'denied' && check.at < NOMINAL_EXPIRY)).toBe(true);
    // Tried on the policy's own object, where the difference between granted and not matters.
    expect(new Set(outside.map((check) => check.resource))).toEqual(
      new Set(['arn:aws:s3:::team-a-logs/jitbot']),
    );
  });
});
