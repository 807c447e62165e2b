import { describe, expect, it, vi } from 'vitest';

/**
 * A simulator that errors, or that allows everything, must turn into a refusal: a policy jitbot
 * could not prove never reaches an approver.
 */

const simulator = vi.hoisted(() => ({ answer: 'error' as 'error' | 'allow-all' }));

vi.mock('@cloud-copilot/iam-simulate', () => ({
  runSimulation: async () =>
    simulator.answer === 'error'
      ? { resultType: 'error', errors: { message: 'policy.invalid' } }
      : { resultType: 'single', overallResult: 'Allowed', result: {} },
}));

const { generatePolicy } = await import('../../src/policy/generate-policy.js');

const bounds = {
  allow: { actions: ['s3:Get*'], resources: ['arn:aws:s3:::team-a-*/*'] },
  deny: { actions: [] },
  maxActions: 25,
  accountId: '111111111111',
  partition: 'aws',
};
const text = 's3:GetObject arn:aws:s3:::team-a-logs/*';

describe('generatePolicy when the simulation does not prove the policy', () => {
  it('refuses when the simulator errors', async () => {
    simulator.answer = 'error';
    expect(await generatePolicy(text, bounds)).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(
          /^jitbot could not prove this policy \(s3:GetObject on arn:aws:s3:::team-a-logs\/jitbot must be allowed one second before expiry but the simulation said an error \(policy\.invalid\) and \d+ other checks failed too\), so nothing was sent to approvers; this is a fault in jitbot, not in the request, so tell a jitbot admin\.$/,
        ),
      ],
    });
  });

  it('refuses when the policy would still work after its expiry', async () => {
    simulator.answer = 'allow-all';
    const result = await generatePolicy(text, bounds);
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringContaining(
        'jitbot could not prove this policy (s3:GetObject on arn:aws:s3:::team-a-logs/jitbot must be denied one second after expiry but the simulation said Allowed',
      ),
    ]);
  });
});
