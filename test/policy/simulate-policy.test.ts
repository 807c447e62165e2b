import { describe, expect, it } from 'vitest';
import { type PolicyDocument, policyDocument } from '../../src/policy/policy-document.js';
import { failedChecks, type SimulationCheck } from '../../src/policy/simulate-policy.js';

/** The proof itself must be able to fail: each deliberately wrong document is caught. */

const account = { accountId: '111111111111', partition: 'aws' };
const expiry = new Date('2030-01-01T00:00:00Z');
const before = new Date('2029-12-31T23:59:59Z');
const after = new Date('2030-01-01T00:00:01Z');
const OBJECT = 'arn:aws:s3:::team-a-logs/report.csv';

const checks: SimulationCheck[] = [
  {
    action: 's3:GetObject',
    resource: OBJECT,
    at: before,
    expect: 'allowed',
    when: 'one second before expiry',
  },
  { action: 's3:GetObject', resource: OBJECT, at: after, expect: 'denied', when: 'one second after expiry' },
  {
    action: 's3:DeleteObject',
    resource: OBJECT,
    at: before,
    expect: 'denied',
    when: 'one second before expiry',
  },
];

const good = policyDocument(
  [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::team-a-logs/*'] }],
  expiry,
);

describe('failedChecks', () => {
  it('passes the right document', async () => {
    expect(await failedChecks(good, checks, account)).toEqual([]);
  });

  it('catches a document that does not grant what was asked', async () => {
    const wrong = policyDocument(
      [{ actions: ['s3:GetObjectVersion'], resources: ['arn:aws:s3:::team-a-logs/*'] }],
      expiry,
    );
    expect(await failedChecks(wrong, checks, account)).toEqual([
      `s3:GetObject on ${OBJECT} must be allowed one second before expiry but the simulation said ImplicitlyDenied`,
    ]);
  });

  it('catches a document that outlives its expiry', async () => {
    const late = policyDocument(
      good.Statement.map((s) => ({ actions: s.Action, resources: s.Resource })),
      new Date('2031-01-01T00:00:00Z'),
    );
    expect(await failedChecks(late, checks, account)).toEqual([
      `s3:GetObject on ${OBJECT} must be denied one second after expiry but the simulation said Allowed`,
    ]);
  });

  it('catches a document that grants more than it should', async () => {
    const wide = policyDocument(
      [{ actions: ['s3:GetObject', 's3:DeleteObject'], resources: ['arn:aws:s3:::team-a-logs/*'] }],
      expiry,
    );
    expect(await failedChecks(wide, checks, account)).toEqual([
      `s3:DeleteObject on ${OBJECT} must be denied one second before expiry but the simulation said Allowed`,
    ]);
  });

  it('counts a document the simulator cannot read as failed, never as passed', async () => {
    const unreadable = {
      ...good,
      Statement: [{ ...good.Statement[0], Effect: 'Permit' }],
    } as unknown as PolicyDocument;
    const failures = await failedChecks(unreadable, checks, account);
    expect(failures).toHaveLength(3);
    expect(failures[2]).toMatch(
      /^s3:DeleteObject on .* must be denied one second before expiry but the simulation said an error \(/,
    );
  });

  it('checks in the GovCloud partition too', async () => {
    const gov = { accountId: '111111111111', partition: 'aws-us-gov' };
    const govDoc = policyDocument(
      [{ actions: ['s3:GetObject'], resources: ['arn:aws-us-gov:s3:::team-a-logs/*'] }],
      expiry,
    );
    const govChecks = checks.map((c) => ({
      ...c,
      resource: c.resource.replace('arn:aws:', 'arn:aws-us-gov:'),
    }));
    expect(await failedChecks(govDoc, govChecks, gov)).toEqual([]);
  });
});
