import { describe, expect, it } from 'vitest';
import { actionsMatching } from '../../src/policy/action-data.js';
import {
  generatePolicy,
  type PolicyBounds,
  type PolicyGeneration,
} from '../../src/policy/generate-policy.js';
import { EXAMPLE_ACCOUNT_ID, EXAMPLE_ALLOW, EXAMPLE_DENY } from '../support/example-bounds.js';

/** The bounds of the example target, prod-s3-scoped. */
const bounds: PolicyBounds = {
  allow: EXAMPLE_ALLOW,
  deny: EXAMPLE_DENY,
  maxActions: 25,
  accountId: EXAMPLE_ACCOUNT_ID,
  partition: 'aws',
};

const LOG_GROUP = 'arn:aws:logs:us-east-1:111111111111:log-group:/team-a/app';

async function statementsOf(text: string, within: PolicyBounds = bounds) {
  const result = await generatePolicy(text, within);
  if (!result.ok) throw new Error(`refused: ${result.problems.join(' | ')}`);
  return result.policy.statements;
}

async function problemsOf(text: string, within: PolicyBounds = bounds): Promise<readonly string[]> {
  const result: PolicyGeneration = await generatePolicy(text, within);
  if (result.ok) throw new Error(`granted: ${JSON.stringify(result.policy.statements)}`);
  return result.problems;
}

describe('generatePolicy: the smallest policy for a valid request', () => {
  it("gives each action of the issue's example only the resources it acts on", async () => {
    expect(
      await statementsOf('s3:GetObject,s3:ListBucket arn:aws:s3:::team-a-logs,arn:aws:s3:::team-a-logs/*'),
    ).toEqual([
      { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::team-a-logs'] },
      { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::team-a-logs/*'] },
    ]);
  });

  it('groups actions by identical resource sets, sorts and dedupes, whatever the spacing and line endings', async () => {
    const text = [
      '  s3:ListBucket arn:aws:s3:::team-a-logs',
      's3:GetObject,s3:GetObjectVersion arn:aws:s3:::team-a-logs/*,arn:aws:s3:::team-a-data/*',
      '',
      's3:getobjectversion, s3:GetObject   arn:aws:s3:::team-a-data/* , arn:aws:s3:::team-a-logs/*  ',
      `logs:FilterLogEvents ${LOG_GROUP}`,
      's3:ListBucket arn:aws:s3:::team-a-data',
    ].join('\r\n');
    expect(await statementsOf(text)).toEqual([
      { actions: ['logs:FilterLogEvents'], resources: [LOG_GROUP] },
      { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::team-a-data', 'arn:aws:s3:::team-a-logs'] },
      {
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: ['arn:aws:s3:::team-a-data/*', 'arn:aws:s3:::team-a-logs/*'],
      },
    ]);
  });

  it('lists the actions a wildcard expands to, less what the target denies', async () => {
    const [statement, ...others] = await statementsOf('s3:GetObject* arn:aws:s3:::team-a-logs/*');
    const expected = (await actionsMatching('s3:GetObject*')).filter(
      (action) => action !== 's3:GetObjectAcl',
    );
    expect(others).toEqual([]);
    expect(statement).toEqual({ actions: expected, resources: ['arn:aws:s3:::team-a-logs/*'] });
    expect(statement?.actions).toContain('s3:GetObjectVersionAcl');
  });

  it("keeps only the expanded actions that act on the line's resources", async () => {
    const [statement, ...others] = await statementsOf('s3:List* arn:aws:s3:::team-a-logs');
    expect(others).toEqual([]);
    expect(statement?.actions).toEqual(expect.arrayContaining(['s3:ListBucket', 's3:ListBucketVersions']));
    // s3:ListAllMyBuckets takes only *, s3:ListMultipartUploadParts acts on objects.
    expect(statement?.actions).not.toContain('s3:ListAllMyBuckets');
    expect(statement?.actions).not.toContain('s3:ListMultipartUploadParts');
  });

  it('summarises the levels from the action data and flags Write and Permissions management', async () => {
    const result = await generatePolicy(
      `s3:GetObject,s3:ListBucket,s3:PutObject,iam:AttachUserPolicy arn:aws:s3:::team-a-logs,arn:aws:s3:::team-a-logs/*,arn:aws:iam::111111111111:user/team-a-bot`,
      {
        ...bounds,
        allow: {
          actions: [...bounds.allow.actions, 's3:PutObject', 'iam:AttachUserPolicy'],
          resources: [...bounds.allow.resources, 'arn:aws:iam::111111111111:user/team-a-*'],
        },
      },
    );
    expect(result.ok && result.policy.summary).toEqual({
      actions: 4,
      resources: 3,
      byLevel: { List: 1, Read: 1, Write: 1, 'Permissions management': 1 },
      flagged: [
        { action: 'iam:AttachUserPolicy', level: 'Permissions management' },
        { action: 's3:PutObject', level: 'Write' },
      ],
    });
  });
});

describe('generatePolicy: the actions asked for', () => {
  it('refuses an unknown action with a did-you-mean', async () => {
    expect(await problemsOf('s3:GetObjcet arn:aws:s3:::team-a-logs/*')).toEqual([
      expect.stringMatching(/^line 1: s3:GetObjcet is not an action of s3; did you mean s3:GetObject\b.*\?$/),
    ]);
  });

  it('refuses an unknown service with the nearest prefix', async () => {
    expect(await problemsOf('s4:GetObject arn:aws:s3:::team-a-logs/*')).toEqual([
      'line 1: s4:GetObject names no IAM service (there is no service s4); did you mean s3?',
    ]);
  });

  it('refuses a wildcard that matches no action', async () => {
    expect(await problemsOf('s3:GetObjcet* arn:aws:s3:::team-a-logs/*')).toEqual([
      expect.stringMatching(/^line 1: s3:GetObjcet\* matches no action of s3; did you mean .*s3:GetObject/),
    ]);
  });

  it('refuses an action outside allow, naming the rule', async () => {
    expect(await problemsOf('s3:PutObject arn:aws:s3:::team-a-logs/*')).toEqual([
      'line 1: s3:PutObject is outside what this target allows (s3:Get*, s3:List*, logs:FilterLogEvents); ask only for actions inside those, or pick a target that grants it.',
    ]);
  });

  it('refuses an action inside deny, naming the rule', async () => {
    expect(await problemsOf('s3:getobjectacl arn:aws:s3:::team-a-logs/*')).toEqual([
      'line 1: s3:GetObjectAcl is never granted by this target (it denies s3:GetObjectAcl); remove it from the request.',
    ]);
  });

  it('refuses a wildcard only when nothing inside the bounds remains', async () => {
    expect(await problemsOf('s3:Put* arn:aws:s3:::team-a-logs/*')).toEqual([
      expect.stringMatching(
        /^line 1: s3:Put\* matches \d+ actions but none that this target grants \(it allows s3:Get\*, s3:List\*, logs:FilterLogEvents and never s3:GetObjectAcl\); ask for actions inside those\.$/,
      ),
    ]);
    expect(await problemsOf('s3:GetObjectAc? arn:aws:s3:::team-a-logs/*')).toEqual([
      expect.stringContaining('line 1: s3:GetObjectAc? matches 1 action but none that this target grants'),
    ]);
  });

  it.each([
    [
      '*',
      'line 1: * would ask for every action of every service, which jitbot never grants; name the service and the actions, e.g. s3:Get*.',
    ],
    ['s3*', 'line 1: s3* is not an action; write service:Action, e.g. s3:GetObject or s3:Get*.'],
    ['GetObject', 'line 1: GetObject is not an action; write service:Action, e.g. s3:GetObject or s3:Get*.'],
    [
      's*:GetObject',
      'line 1: s*:GetObject has a wildcard in the service; name the service exactly and put wildcards after the colon, e.g. s3:Get*.',
    ],
    [
      's3:Get.Object',
      'line 1: s3:Get.Object is not an action; an action is service:Action with only letters and digits, and * or ? as wildcards, e.g. s3:GetObject.',
    ],
  ])('refuses %j as an action', async (action, problem) => {
    expect(await problemsOf(`${action} arn:aws:s3:::team-a-logs/*`)).toEqual([problem]);
  });

  it('collects every problem of every line, in order', async () => {
    const problems = await problemsOf(
      [
        's3:GetObjcet,s3:PutObject arn:aws:s3:::team-a-logs/*',
        `logs:FilterLogEvents ${LOG_GROUP}`,
        's4:Get* arn:aws:s3:::team-b',
      ].join('\n'),
    );
    expect(problems.map((problem) => problem.slice(0, problem.indexOf(' ', 8)))).toEqual([
      'line 1: s3:GetObjcet',
      'line 1: s3:PutObject',
      'line 3: s4:Get*',
      'line 3: arn:aws:s3:::team-b',
    ]);
  });

  it('refuses more distinct actions than the target allows, saying how many and the limit', async () => {
    expect(
      await problemsOf('s3:GetObject,s3:GetObjectVersion,s3:GetObjectTagging arn:aws:s3:::team-a-logs/*', {
        ...bounds,
        maxActions: 2,
      }),
    ).toEqual([
      'This request comes to 3 actions once wildcards are expanded and this target grants at most 2 in one request; narrow the wildcards (e.g. s3:GetObject* instead of s3:Get*) or ask for fewer actions.',
    ]);
  });
});

describe('generatePolicy: the resources asked for', () => {
  it.each([
    [
      'arn:aws:s3:::team-b-logs/*',
      'line 1: arn:aws:s3:::team-b-logs/* is outside the resources this target allows (arn:aws:s3:::team-a-*, arn:aws:s3:::team-a-*/*, arn:aws:logs:us-east-1:111111111111:log-group:/team-a/*); ask for resources inside those.',
    ],
    [
      'arn:aws:s3:::team-*/*',
      'line 1: arn:aws:s3:::team-*/* is outside the resources this target allows (arn:aws:s3:::team-a-*, arn:aws:s3:::team-a-*/*, arn:aws:logs:us-east-1:111111111111:log-group:/team-a/*); ask for resources inside those.',
    ],
    [
      'arn:aws-cn:s3:::team-a-logs/*',
      "line 1: arn:aws-cn:s3:::team-a-logs/* is in partition aws-cn but this target's account is in aws; write it as arn:aws:s3:... instead.",
    ],
    [
      'team-a-logs/*',
      'line 1: team-a-logs/* is not a resource ARN; write it as arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE, e.g. arn:aws:s3:::my-bucket/*.',
    ],
    [
      'arn:aws:s3:::team-a-x```*Approved*```/*',
      'line 1: arn:aws:s3:::team-a-x```*Approved*```/* has a backtick, which no ARN jitbot grants has; remove it.',
    ],
    [
      `arn:aws:s3:::team-a-\${aws:username}/*`,
      `line 1: arn:aws:s3:::team-a-\${aws:username}/* has a policy variable (\${...}), which jitbot does not grant; write the resource's own name.`,
    ],
  ])('refuses %s', async (resource, problem) => {
    expect(await problemsOf(`s3:GetObject ${resource}`)).toEqual([problem]);
  });

  it('refuses an ARN of another account', async () => {
    expect(
      await problemsOf('logs:FilterLogEvents arn:aws:logs:us-east-1:222222222222:log-group:/team-a/app'),
    ).toEqual([
      "line 1: arn:aws:logs:us-east-1:222222222222:log-group:/team-a/app names account 222222222222 but this target is account 111111111111; use the target's account, or pick the target for that account.",
    ]);
  });

  it('refuses a bucket ARN for s3:GetObject and an object ARN for s3:ListBucket', async () => {
    expect(await problemsOf('s3:GetObject arn:aws:s3:::team-a-logs')).toEqual([
      'line 1: s3:GetObject acts on accesspointobject (arn:aws:s3:REGION:111111111111:accesspoint/ACCESS_POINT_NAME/object/OBJECT_NAME) or object (arn:aws:s3:::BUCKET_NAME/OBJECT_NAME), not on arn:aws:s3:::team-a-logs; add an ARN of that kind to the line, or move the action to a line that has one.',
    ]);
    expect(await problemsOf('s3:ListBucket arn:aws:s3:::team-a-logs/*')).toEqual([
      'line 1: s3:ListBucket acts on accesspoint (arn:aws:s3:REGION:111111111111:accesspoint/ACCESS_POINT_NAME) or bucket (arn:aws:s3:::BUCKET_NAME), not on arn:aws:s3:::team-a-logs/*; add an ARN of that kind to the line, or move the action to a line that has one.',
    ]);
  });

  it('refuses a resource no action on its line acts on', async () => {
    expect(await problemsOf(`s3:GetObject arn:aws:s3:::team-a-logs/*,${LOG_GROUP}`)).toEqual([
      `line 1: no action on this line acts on ${LOG_GROUP}; put it on a line with actions that act on it, or remove it.`,
    ]);
  });

  it("refuses a wildcard none of whose actions act on the line's resources", async () => {
    expect(await problemsOf(`s3:GetObject,logs:Filter* arn:aws:s3:::team-a-logs/*`)).toEqual([
      "line 1: none of the actions logs:Filter* matches inside this target's bounds acts on arn:aws:s3:::team-a-logs/*; put it on a line with resources it acts on.",
    ]);
  });
});

describe('generatePolicy: * as the resource', () => {
  const withStar: PolicyBounds = {
    ...bounds,
    allow: { ...bounds.allow, resources: [...bounds.allow.resources, '*'] },
  };

  it('is granted for an action without resource types when the bounds allow *', async () => {
    expect(await statementsOf('s3:ListAllMyBuckets *', withStar)).toEqual([
      { actions: ['s3:ListAllMyBuckets'], resources: ['*'] },
    ]);
  });

  it('is refused when the bounds do not allow it', async () => {
    expect(await problemsOf('s3:ListAllMyBuckets *')).toEqual([
      'line 1: * (every resource) is outside what this target allows (arn:aws:s3:::team-a-*, arn:aws:s3:::team-a-*/*, arn:aws:logs:us-east-1:111111111111:log-group:/team-a/*); name the resources instead.',
    ]);
  });

  it('is refused for an action that acts on specific resources, even when the bounds allow *', async () => {
    expect(await problemsOf('s3:GetObject *', withStar)).toEqual([
      'line 1: s3:GetObject acts on accesspointobject (arn:aws:s3:REGION:111111111111:accesspoint/ACCESS_POINT_NAME/object/OBJECT_NAME) or object (arn:aws:s3:::BUCKET_NAME/OBJECT_NAME), and * would grant it on every one; name the resources instead.',
    ]);
  });

  it('is the only resource an action without resource types can have', async () => {
    expect(await problemsOf('s3:ListAllMyBuckets arn:aws:s3:::team-a-logs', withStar)).toEqual([
      'line 1: s3:ListAllMyBuckets cannot be limited to a resource, IAM only grants it on * (every resource), not on arn:aws:s3:::team-a-logs; add * to the resources of its line.',
    ]);
    expect(await problemsOf('s3:ListAllMyBuckets arn:aws:s3:::team-a-logs')).toEqual([
      'line 1: s3:ListAllMyBuckets cannot be limited to a resource, IAM only grants it on * (every resource), not on arn:aws:s3:::team-a-logs; this target does not allow *, so it cannot grant it.',
    ]);
  });
});
