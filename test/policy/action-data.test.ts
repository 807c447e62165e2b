import { describe, expect, it } from 'vitest';
import {
  actionInfo,
  actionsMatching,
  serviceExists,
  suggestActions,
  warmActionData,
} from '../../src/policy/action-data.js';

describe('actionsMatching', () => {
  it('expands a wildcard to every real action it matches, canonical case, sorted', async () => {
    const actions = await actionsMatching('s3:Get*');
    expect(actions).toContain('s3:GetObject');
    expect(actions).toContain('s3:GetBucketPolicy');
    expect(actions.every((action) => action.startsWith('s3:Get'))).toBe(true);
    expect([...actions].sort()).toEqual(actions);
  });

  it('matches case-insensitively, as IAM does, and answers in the data case', async () => {
    expect(await actionsMatching('S3:gEt*')).toEqual(await actionsMatching('s3:Get*'));
    expect(await actionsMatching('s3:getobject')).toEqual(['s3:GetObject']);
  });

  it('answers a pattern of many wildcards at once, without backtracking for minutes', async () => {
    // Forty `?` need forty characters before Acl, which no S3 action has; a backtracking matcher never gets there.
    expect(await actionsMatching(`s3:${'*?'.repeat(40)}Acl`)).toEqual([]);
    expect(await actionsMatching(`s3:${'*?'.repeat(4)}Acl`)).toEqual([
      's3:GetBucketAcl',
      's3:GetObjectAcl',
      's3:GetObjectVersionAcl',
      's3:PutBucketAcl',
      's3:PutObjectAcl',
      's3:PutObjectVersionAcl',
    ]);
  });

  it('reads ? as exactly one character', async () => {
    expect(await actionsMatching('s3:GetObjec?')).toEqual(['s3:GetObject']);
    expect(await actionsMatching('s3:GetObje?')).toEqual([]);
  });

  it.each([
    ['*', 'every action of every service is never asked for'],
    ['s3*', 'no service named'],
    ['s*:GetObject', 'a wildcard in the service'],
    ['s3:', 'no action part'],
    ['nosuchservice:Get*', 'an unknown service'],
    ['s3:NoSuchAction', 'an unknown action'],
    ['s3:Get.*', 'a regular expression, not IAM syntax'],
    ['../actions/s3:GetObject', 'a path, not a service'],
    ['constructor:GetObject', 'an object property, not a service'],
    ['s3:constructor', 'an object property, not an action'],
  ])('matches nothing for %j (%s)', async (pattern) => {
    expect(await actionsMatching(pattern)).toEqual([]);
  });
});

describe('actionInfo', () => {
  it('splits an action with two access levels', async () => {
    expect((await actionInfo('iam:AttachUserPolicy'))?.levels).toEqual(['Permissions management', 'Write']);
    expect((await actionInfo('s3:GetObject'))?.levels).toEqual(['Read']);
  });

  it('gives the resource types with their ARN formats', async () => {
    const info = await actionInfo('s3:getobject');
    expect(info?.action).toBe('s3:GetObject');
    expect(info?.resourceTypes).toContainEqual({
      name: 'object',
      arnFormat: `arn:\${Partition}:s3:::\${BucketName}/\${ObjectName}`,
      required: false,
    });
  });

  it('gives no resource types for an action that takes only *', async () => {
    expect((await actionInfo('s3:ListAllMyBuckets'))?.resourceTypes).toEqual([]);
  });

  it('knows no wildcard, unknown action or unknown service', async () => {
    expect(await actionInfo('s3:Get*')).toBeUndefined();
    expect(await actionInfo('s3:GetObjcet')).toBeUndefined();
    expect(await actionInfo('s4:GetObject')).toBeUndefined();
  });
});

describe('suggestActions', () => {
  it('offers the real action nearest a typo, at most three', async () => {
    const suggestions = await suggestActions('s3:GetObjcet');
    expect(suggestions[0]).toBe('s3:GetObject');
    expect(suggestions.length).toBeLessThanOrEqual(3);
  });

  it('offers service prefixes for an unknown service', async () => {
    expect(await suggestActions('s4:GetObject')).toContain('s3');
    expect(await suggestActions('lgos:FilterLogEvents')).toContain('logs');
  });

  it('offers nothing when nothing is near', async () => {
    expect(await suggestActions('qqqqqqqqqq:Zzzzzz')).toEqual([]);
  });
});

describe('serviceExists', () => {
  it('knows services case-insensitively and nothing else', async () => {
    expect(await serviceExists('S3')).toBe(true);
    expect(await serviceExists('logs')).toBe(true);
    expect(await serviceExists('s4')).toBe(false);
    expect(await serviceExists('constructor')).toBe(false);
  });
});

describe('warmActionData', () => {
  it('loads without error and can be called again', async () => {
    await expect(warmActionData()).resolves.toBeUndefined();
    await expect(warmActionData()).resolves.toBeUndefined();
  });
});
