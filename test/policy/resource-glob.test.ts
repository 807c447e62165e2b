import { describe, expect, it } from 'vitest';
import { concreteSample, globCovers } from '../../src/policy/resource-glob.js';

describe('globCovers (is every resource the request matches also matched by the bound?)', () => {
  it.each([
    ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-a-logs'],
    ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-a-logs/*'],
    ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-a-*'],
    ['arn:aws:s3:::team-a-*/*', 'arn:aws:s3:::team-a-logs/2024/*'],
    ['arn:aws:s3:::team-?', 'arn:aws:s3:::team-a'],
    ['arn:aws:s3:::team-?', 'arn:aws:s3:::team-?'],
    ['*', '*'],
    ['*', 'arn:aws:s3:::anything'],
    ['a*b', 'a*b'],
    ['a*b', 'a**b'],
  ])('%s covers %s', (outer, inner) => {
    expect(globCovers(outer, inner)).toBe(true);
  });

  it.each([
    ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-b-logs'],
    ['arn:aws:s3:::team-a-*', 'arn:aws:s3:::team-*'],
    ['arn:aws:s3:::team-a-*', '*'],
    ['arn:aws:s3:::team-a-*/*', 'arn:aws:s3:::team-a-logs'],
    ['arn:aws:s3:::team-?', 'arn:aws:s3:::team-*'],
    ['arn:aws:s3:::team-?', 'arn:aws:s3:::team-ab'],
    ['arn:aws:s3:::team-a-logs', 'arn:aws:s3:::team-a-logs*'],
    ['arn:aws:s3:::team-a-logs', 'arn:aws:s3:::team-a-log?'],
    ['arn:aws:s3:::Team-a-*', 'arn:aws:s3:::team-a-logs'],
    ['a?b', 'a*b'],
  ])('%s does not cover %s', (outer, inner) => {
    expect(globCovers(outer, inner)).toBe(false);
  });
});

describe('concreteSample', () => {
  it('fills wildcards with the first filling the test accepts', () => {
    expect(concreteSample('arn:aws:s3:::b/*', () => true)).toBe('arn:aws:s3:::b/jitbot');
    expect(concreteSample('arn:aws:s3:::b-*', (r) => r.includes('/'))).toBe('arn:aws:s3:::b-jitbot/jitbot');
    expect(concreteSample('arn:aws:s3:::b?', () => true)).toBe('arn:aws:s3:::bx');
  });

  it('gives nothing when no filling is accepted', () => {
    expect(concreteSample('arn:aws:s3:::b/*', () => false)).toBeUndefined();
    expect(concreteSample('arn:aws:s3:::b', () => false)).toBeUndefined();
  });
});
