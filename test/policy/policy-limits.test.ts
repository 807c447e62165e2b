import { describe, expect, it } from 'vitest';
import { generatePolicy, type PolicyBounds } from '../../src/policy/generate-policy.js';
import { POLICY_SIZE_LIMIT } from '../../src/policy/policy-document.js';

/** A generous target, so the only limits reached are IAM's size and what jitbot proves. */
const bounds: PolicyBounds = {
  allow: { actions: ['s3:*'], resources: ['arn:aws:s3:::team-a-*'] },
  deny: { actions: [] },
  maxActions: 500,
  accountId: '111111111111',
  partition: 'aws',
};

/** Every s3 action on `buckets` buckets and their objects: well under 3000 characters of text. */
function everything(buckets: number): string {
  const names = Array.from(
    { length: buckets },
    (_, i) => `arn:aws:s3:::team-a-bucket-${String(i).padStart(3, '0')}`,
  );
  return `s3:* ${[...names, ...names.map((name) => `${name}/*`)].join(',')}`;
}

describe('the limits of a generated policy', () => {
  it('refuses a policy over IAM size limit, saying the size and the limit', async () => {
    const result = await generatePolicy(everything(44), bounds);
    expect(result.ok).toBe(false);
    const [problem, ...others] = result.ok ? [] : result.problems;
    expect(others).toEqual([]);
    const size = Number(/^The policy would be (\d+) characters/.exec(problem ?? '')?.[1]);
    expect(size).toBeGreaterThan(POLICY_SIZE_LIMIT);
    expect(problem).toBe(
      `The policy would be ${size} characters and IAM allows at most 6144 in a managed policy; narrow the wildcards or ask for fewer resources.`,
    );
  });

  it('refuses more action and resource pairs than jitbot proves in one request', async () => {
    const result = await generatePolicy(everything(20), bounds);
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringMatching(
        /^This request comes to \d+ pairs of an action and a resource and jitbot proves at most 500 in one request; use a wildcard resource \(e\.g\. arn:aws:s3:::my-bucket\/\* rather than each object\) or ask for fewer actions\.$/,
      ),
    ]);
  });
});
