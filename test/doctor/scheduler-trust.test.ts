import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSchedulerTrust } from '../../src/doctor/scheduler-trust.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const ACCOUNT = '111111111111';
const group = (region: string) => `arn:aws:scheduler:${region}:${ACCOUNT}:schedule-group/jitbot`;

/** infra/policies/scheduler-trust.json as the Terraform module fills it in, URL-encoded as IAM returns it. */
function deployedTrust(region: string): string {
  const values: Record<string, string> = { partition: 'aws', account_id: ACCOUNT, region };
  const text = readFileSync(join(PACKAGE_ROOT, 'infra', 'policies', 'scheduler-trust.json'), 'utf8');
  return encodeURIComponent(text.replace(/\$\{(\w+)\}/g, (_match, key: string) => values[key] ?? ''));
}

function encoded(document: object): string {
  return encodeURIComponent(JSON.stringify(document));
}

describe('readSchedulerTrust', () => {
  it("admits jitbot's group in the region the deployed trust names, and no other region", () => {
    expect(readSchedulerTrust(deployedTrust('eu-west-1'), group('eu-west-1'), ACCOUNT)).toEqual({
      admitted: true,
      schedulerTrusted: true,
      sourceArns: [group('eu-west-1')],
    });
    expect(readSchedulerTrust(deployedTrust('eu-west-1'), group('us-east-1'), ACCOUNT).admitted).toBe(false);
    expect(readSchedulerTrust(deployedTrust('eu-west-1'), group('eu-west-1'), '222222222222').admitted).toBe(
      false,
    );
  });

  it('takes ArnLike wildcards, and a statement without conditions', () => {
    const like = {
      Statement: {
        Effect: 'Allow',
        Principal: { Service: ['scheduler.amazonaws.com'] },
        Action: ['sts:AssumeRole'],
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:scheduler:*:${ACCOUNT}:schedule-group/*` } },
      },
    };
    expect(readSchedulerTrust(encoded(like), group('ap-south-2'), ACCOUNT).admitted).toBe(true);
    const { Condition: _none, ...open } = like.Statement;
    expect(readSchedulerTrust(encoded({ Statement: [open] }), group('us-east-1'), ACCOUNT).admitted).toBe(
      true,
    );
  });

  it('finds no Scheduler trust in a role for another service, or in a Deny', () => {
    const lambda = {
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    expect(readSchedulerTrust(encoded(lambda), group('us-east-1'), ACCOUNT)).toEqual({
      admitted: false,
      schedulerTrusted: false,
      sourceArns: [],
    });
    const denied = {
      Statement: [
        { Effect: 'Deny', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    expect(readSchedulerTrust(encoded(denied), group('us-east-1'), ACCOUNT).schedulerTrusted).toBe(false);
    expect(readSchedulerTrust('%7Bnot json', group('us-east-1'), ACCOUNT).admitted).toBe(false);
  });
});
