import { describe, expect, it } from 'vitest';
import { generatePolicy, type PolicyBounds } from '../../src/policy/generate-policy.js';

/** The shape of the "Permissions" text, through generatePolicy as the form uses it. */

const bounds: PolicyBounds = {
  allow: {
    actions: ['s3:Get*', 's3:List*'],
    resources: ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-a-*/*'],
  },
  deny: { actions: [] },
  maxActions: 25,
  accountId: '111111111111',
  partition: 'aws',
};

const EXAMPLE = 's3:GetObject,s3:ListBucket arn:aws:s3:::my-bucket,arn:aws:s3:::my-bucket/*';
const OBJECTS = 'arn:aws:s3:::team-a-logs/*';

async function problemsOf(text: string): Promise<readonly string[]> {
  const result = await generatePolicy(text, bounds);
  return result.ok ? [] : result.problems;
}

describe('the permissions text', () => {
  it.each(['', '  \n\r\n  '])('refuses %j: nothing asked for', async (text) => {
    expect(await problemsOf(text)).toEqual([
      `Write at least one line of permissions: the actions, a space, then the resource ARNs, e.g. ${EXAMPLE}.`,
    ]);
  });

  it('reads 50 lines and refuses 51', async () => {
    const line = `s3:GetObject ${OBJECTS}`;
    expect(await problemsOf(Array(50).fill(line).join('\n'))).toEqual([]);
    expect(await problemsOf(Array(51).fill(line).join('\n'))).toEqual([
      'The permissions have 51 lines and at most 50 are read; put several actions or resources on one line, separated by commas.',
    ]);
  });

  it('does not count blank lines against the 50, and numbers lines as the requester sees them', async () => {
    const text = `${Array(50).fill(`s3:GetObject ${OBJECTS}\n`).join('\n')}s3:GetObjcet ${OBJECTS}`;
    expect(await problemsOf(text)).toEqual([
      'The permissions have 51 lines and at most 50 are read; put several actions or resources on one line, separated by commas.',
    ]);
    expect(await problemsOf(`\n\ns3:GetObjcet ${OBJECTS}`)).toEqual([
      expect.stringMatching(/^line 3: s3:GetObjcet is not an action of s3/),
    ]);
  });

  it('reads 3000 characters and refuses 3001', async () => {
    const line = `s3:GetObject ${OBJECTS}`;
    const filler = (length: number) => `${line}${' '.repeat(length - line.length)}`;
    expect(await problemsOf(filler(3000))).toEqual([]);
    expect(await problemsOf(filler(3001))).toEqual([
      'The permissions are 3001 characters long and at most 3000 are read; use wildcards such as s3:Get* or fewer resources.',
    ]);
  });

  it.each([
    [
      's3:GetObject',
      `line 1: has no space between the actions and the resources; write the actions, one space, then the resource ARNs, each list separated by commas, e.g. ${EXAMPLE}.`,
    ],
    [
      `s3:GetObject on ${OBJECTS}`,
      `line 1: has 3 parts separated by spaces; write the actions, one space, then the resource ARNs, each list separated by commas, e.g. ${EXAMPLE}.`,
    ],
    [
      `${OBJECTS} s3:GetObject`,
      `line 1: starts with a resource; write the actions first, then the resources, e.g. ${EXAMPLE}.`,
    ],
    [
      `s3:GetObject,,s3:GetObjectVersion ${OBJECTS}`,
      'line 1: has an empty item between commas or a comma at an end; remove the extra comma.',
    ],
    [
      `s3:GetObject ${OBJECTS},`,
      'line 1: has an empty item between commas or a comma at an end; remove the extra comma.',
    ],
    [
      `s3:GetObject arn:aws:s3:::team-a-lögs/*`,
      'line 1: has a character that cannot be part of an action or an ARN (a control character or a non-ASCII letter); retype the line by hand.',
    ],
  ])('refuses the malformed line %j', async (text, problem) => {
    expect(await problemsOf(text)).toEqual([problem]);
  });

  it('lists every malformed line, not only the first', async () => {
    expect(
      (await problemsOf(`s3:GetObject\n${OBJECTS} s3:GetObject\ns3:GetObject ${OBJECTS}`)).map((p) =>
        p.slice(0, 7),
      ),
    ).toEqual(['line 1:', 'line 2:']);
  });
});
