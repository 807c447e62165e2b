import { describe, expect, it } from 'vitest';
import {
  buildAccount,
  buildAwsTarget,
  buildCatalogData,
  parse,
  problemLines,
  withTarget,
} from './catalog-builders.js';

const HINT = 'a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m';

describe('targets', () => {
  it('must include at least one', () => {
    expect(problemLines(buildCatalogData({ targets: [] }))).toEqual([
      'targets: must list at least one target',
    ]);
    expect(problemLines(buildCatalogData({ targets: undefined }))).toEqual([
      'targets: is required: list at least one target (see examples/jitbot.yaml)',
    ]);
  });

  it('have unique ids', () => {
    const data = buildCatalogData({ targets: [buildAwsTarget(), buildAwsTarget({ group: 'other' })] });
    expect(problemLines(data)).toEqual([
      'targets[1].id: "prod-admin" is already the id of targets[0]; ids must be unique, so rename one',
    ]);
  });

  it('name an account that exists, listing the accounts when not', () => {
    const accounts = [buildAccount(), buildAccount({ id: 'staging' })];
    expect(
      problemLines(buildCatalogData({ accounts, targets: [buildAwsTarget({ account: 'prd' })] })),
    ).toEqual(['targets[0].account: no account with id "prd"; the accounts are: prod, staging']);
    expect(problemLines(buildCatalogData({ accounts: [], targets: [buildAwsTarget()] }))).toEqual([
      'targets[0].account: no account with id "prod"; there are no accounts: add one under accounts:',
    ]);
  });

  it('have a known kind, and an unknown one lists the kinds', () => {
    expect(problemLines(withTarget({ kind: 'aws-iam-grp' }))).toEqual([
      'targets[0].kind: "aws-iam-grp" is not a kind (did you mean aws-iam-group?); the kinds are: aws-iam-group, aws-iam-policy, aws-iam-generated-policy, okta-group, aws-sso-permission-set, aws-sso-group',
    ]);
    expect(problemLines(withTarget({ kind: undefined }))).toEqual([
      'targets[0].kind: is required: write kind: aws-iam-group or kind: aws-iam-policy or kind: aws-iam-generated-policy or kind: okta-group or kind: aws-sso-permission-set or kind: aws-sso-group',
    ]);
  });

  it('of kind aws-iam-group name an IAM group by name, not ARN', () => {
    expect(problemLines(withTarget({ group: 'arn:aws:iam::111111111111:group/admins' }))).toEqual([
      'targets[0].group: "arn:aws:iam::111111111111:group/admins" must be an IAM group name: 1-128 letters, digits or +=,.@_-',
    ]);
    expect(problemLines(withTarget({ group: undefined }))).toEqual([
      'targets[0].group: is required: the name of the IAM group that grants the access',
    ]);
  });

  it('of kind aws-iam-policy name a customer managed policy under /jit/ of their own account', () => {
    const policy = (policyArn: unknown) =>
      withTarget({ kind: 'aws-iam-policy', group: undefined, policyArn });
    const parsed = parse(policy('arn:aws:iam::111111111111:policy/jit/read-logs'));
    expect(parsed.targets[0]).toMatchObject({
      kind: 'aws-iam-policy',
      account: 'prod',
      policyArn: 'arn:aws:iam::111111111111:policy/jit/read-logs',
    });
    const notJit =
      "must be the ARN of a customer managed policy under the path /jit/, like arn:aws:iam::123456789012:policy/jit/read-logs: jitbot's roles may attach no other policy";
    expect(problemLines(policy('arn:aws:iam::aws:policy/AdministratorAccess'))).toEqual([
      `targets[0].policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" ${notJit}`,
    ]);
    expect(problemLines(policy('arn:aws:iam::111111111111:policy/team/read-logs'))).toEqual([
      `targets[0].policyArn: "arn:aws:iam::111111111111:policy/team/read-logs" ${notJit}`,
    ]);
    expect(problemLines(policy(undefined))).toEqual([
      'targets[0].policyArn: is required: the ARN of the managed policy under /jit/ that grants the access',
    ]);
    expect(problemLines(policy('arn:aws:iam::222222222222:policy/jit/read-logs'))).toEqual([
      "targets[0].policyArn: is a policy of account 222222222222, but the target's account is 111111111111; IAM attaches a managed policy only to users of its own account: use that account's policy, or change account",
    ]);
  });

  it('take Slack ids for approvers, requesters and the approval channel', () => {
    const data = withTarget({
      approvers: { users: ['alice'], userGroups: ['@sre'] },
      requesters: { users: ['U0OK'], userGroups: ['sre'] },
      approvalChannel: 'jit-approvals',
    });
    expect(problemLines(data)).toEqual([
      `targets[0].approvers.users[0]: "alice" must be a Slack user id like U0123ABCD (in Slack: the person's profile > Copy member ID)`,
      'targets[0].approvers.userGroups[0]: "@sre" must be a Slack user group id like S0123ABCD, not its @handle',
      'targets[0].requesters.userGroups[0]: "sre" must be a Slack user group id like S0123ABCD, not its @handle',
      'targets[0].approvalChannel: "jit-approvals" must be a Slack channel id like C0123ABCD (channel details > About), not its #name',
    ]);
  });
});

describe('target durations', () => {
  it('are read into seconds', () => {
    const target = parse(withTarget({ durations: { default: '90m', max: '1d' } })).targets[0];
    expect(target?.durations).toEqual({ defaultSeconds: 5400, maxSeconds: 86_400 });
  });

  it('must be durations', () => {
    expect(problemLines(withTarget({ durations: { default: '1 hour', max: '4h' } }))).toEqual([
      `targets[0].durations.default: "1 hour" is not a duration; write ${HINT}`,
    ]);
  });

  it('may have a default equal to max but not above it', () => {
    expect(parse(withTarget({ durations: { default: '4h', max: '4h' } })).targets).toHaveLength(1);
    expect(problemLines(withTarget({ durations: { default: '8h', max: '4h' } }))).toEqual([
      'targets[0].durations.default: "8h" is longer than durations.max (4h); shorten it or raise max',
    ]);
  });

  it('allow auto-approval up to max, and not beyond', () => {
    const target = parse(withTarget({ autoApprove: { maxDuration: '30m' } })).targets[0];
    expect(target?.autoApprove).toEqual({ maxDurationSeconds: 1800 });
    expect(problemLines(withTarget({ autoApprove: { maxDuration: '5h' } }))).toEqual([
      'targets[0].autoApprove.maxDuration: "5h" is longer than durations.max (4h); a request can never be that long, so shorten it',
    ]);
    expect(problemLines(withTarget({ autoApprove: { maxDuration: 'soon' } }))).toEqual([
      `targets[0].autoApprove.maxDuration: "soon" is not a duration; write ${HINT}`,
    ]);
  });
});

describe('target approvers', () => {
  const noApprovers =
    'list the Slack users or userGroups who approve requests, or set breakglass: true for a breakglass-only target';

  it('are required unless the target is breakglass-only', () => {
    expect(problemLines(withTarget({ approvers: undefined }))).toEqual([
      `targets[0].approvers: is required: ${noApprovers}`,
    ]);
    expect(problemLines(withTarget({ approvers: { users: [], userGroups: [] } }))).toEqual([
      `targets[0].approvers: lists nobody: ${noApprovers}`,
    ]);
  });

  it('may be absent on a breakglass-only target, or present on a breakglass target', () => {
    expect(parse(withTarget({ breakglass: true, approvers: undefined })).targets[0]?.breakglass).toBe(true);
    expect(parse(withTarget({ breakglass: true })).targets[0]?.approvers.users).toEqual(['U0EXAMPLE1']);
  });

  it('cannot require more approvals than users listed when there are no user groups', () => {
    expect(problemLines(withTarget({ approvers: { users: ['U0A', 'U0B'], required: 3 } }))).toEqual([
      'targets[0].approvers.required: 3 is more than the 2 users listed, so no request could be approved; lower required or add approvers',
    ]);
  });

  it('may require as many approvals as users, or more when user groups are listed', () => {
    expect(
      parse(withTarget({ approvers: { users: ['U0A', 'U0B'], required: 2 } })).targets[0]?.approvers.required,
    ).toBe(2);
    const withGroups = { users: ['U0A'], userGroups: ['S0SRE'], required: 3 };
    expect(parse(withTarget({ approvers: withGroups })).targets[0]?.approvers.required).toBe(3);
  });

  it('require a whole number of approvals, 1 or more', () => {
    expect(problemLines(withTarget({ approvers: { users: ['U0A'], required: 0 } }))).toEqual([
      'targets[0].approvers.required: 0 must be 1 or more',
    ]);
    expect(problemLines(withTarget({ approvers: { users: ['U0A', 'U0B'], required: 1.5 } }))).toEqual([
      'targets[0].approvers.required: 1.5 must be a whole number, 1 or more',
    ]);
  });

  it('take self-approval and breakglass as true or false', () => {
    expect(problemLines(withTarget({ selfApproval: 'yes' }))).toEqual([
      'targets[0].selfApproval: "yes" must be true or false, not text',
    ]);
    expect(parse(withTarget({ selfApproval: true })).targets[0]?.selfApproval).toBe(true);
  });
});

describe('target requesters', () => {
  it('are anyone when absent', () => {
    expect(parse(withTarget()).targets[0]?.requesters).toBeUndefined();
  });

  it('restrict who may request when present', () => {
    const target = parse(withTarget({ requesters: { userGroups: ['S0FIN'] } })).targets[0];
    expect(target?.requesters).toEqual({ users: [], userGroups: ['S0FIN'] });
  });

  it('must name someone, since an empty list would let nobody request', () => {
    expect(problemLines(withTarget({ requesters: { users: [] } }))).toEqual([
      'targets[0].requesters: lists nobody, so nobody could request this target; list users or userGroups, or remove requesters to let anyone request',
    ]);
  });
});
