import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  compactPolicyJson,
  expiryText,
  POLICY_SIZE_LIMIT,
  policyDocument,
  policyHash,
  policySize,
  readablePolicyJson,
} from '../../src/policy/policy-document.js';

const statements = [
  { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::team-a-logs'] },
  { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: ['arn:aws:s3:::team a/*'] },
];
const expiry = new Date('2026-03-04T16:00:00.789Z');

describe('policyDocument', () => {
  it('ends every statement at the expiry, written in UTC without milliseconds', () => {
    expect(policyDocument(statements, expiry)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: ['arn:aws:s3:::team-a-logs'],
          Condition: { DateLessThan: { 'aws:CurrentTime': '2026-03-04T16:00:00Z' } },
        },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: ['arn:aws:s3:::team a/*'],
          Condition: { DateLessThan: { 'aws:CurrentTime': '2026-03-04T16:00:00Z' } },
        },
      ],
    });
  });

  it('shows approvers a placeholder before the expiry is fixed', () => {
    const doc = policyDocument(statements, '<1h after approval>');
    expect(doc.Statement.map((statement) => statement.Condition.DateLessThan['aws:CurrentTime'])).toEqual([
      '<1h after approval>',
      '<1h after approval>',
    ]);
  });
});

describe('expiryText', () => {
  it('writes YYYY-MM-DDTHH:MM:SSZ in UTC', () => {
    expect(expiryText(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31T23:59:59Z');
    expect(expiryText(new Date(Date.UTC(2027, 0, 2, 3, 4, 5)))).toBe('2027-01-02T03:04:05Z');
  });
});

describe('the JSON of a policy', () => {
  const doc = policyDocument(statements, expiry);

  it('is compact for CreatePolicy and 2-space pretty for Slack, the same document', () => {
    expect(compactPolicyJson(doc)).not.toMatch(/\n|": /);
    expect(readablePolicyJson(doc)).toContain('\n  "Statement": [\n    {\n      "Effect": "Allow",');
    expect(JSON.parse(readablePolicyJson(doc))).toEqual(JSON.parse(compactPolicyJson(doc)));
  });

  it('is sized as IAM counts it: whitespace outside strings excluded, inside strings kept', () => {
    const size = policySize(doc);
    expect(size).toBe(compactPolicyJson(doc).length);
    expect(size).toBe(readablePolicyJson(doc).replace(/\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/g, '').length);
    expect(compactPolicyJson(doc)).toContain('team a/*');
    expect(POLICY_SIZE_LIMIT).toBe(6144);
  });

  it('is hashed as sha256 of the compact JSON, so a changed expiry changes the hash', () => {
    expect(policyHash(doc)).toBe(createHash('sha256').update(compactPolicyJson(doc)).digest('hex'));
    expect(policyHash(policyDocument(statements, new Date(expiry.getTime() + 1000)))).not.toBe(
      policyHash(doc),
    );
  });
});
