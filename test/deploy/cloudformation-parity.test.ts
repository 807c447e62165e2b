import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  deployTemplate,
  inlinePolicyDocuments,
  type Ref,
  readTemplate,
  resourceOf,
  tagsAsDeployed,
  takesStackTags,
} from '../support/cloudformation.js';
import { fillPolicy, list, type PolicyDocument, REPO_ROOT as ROOT } from '../support/policy-documents.js';
import { attributeOf, type Block, blocksOf, hclString } from '../support/terraform-text.js';

/**
 * The CloudFormation templates offer what the Terraform modules offer: every module variable has
 * its parameter (or a written reason why the template needs none), every module resource its
 * counterpart, every role the permissions boundary and path, every taggable resource the tags, and
 * every policy the document of its infra/policies file. A variable or resource added to a module
 * without its CloudFormation side fails here.
 */

const MODULES = join(ROOT, 'infra', 'terraform', 'modules');
const TEMPLATES = join(ROOT, 'infra', 'cloudformation');

/** What stands, in the template, for one input of a module. */
type Input =
  | { readonly parameter: string }
  /** Not a parameter: the template takes it from the stack, or makes it itself. */
  | { readonly instead: 'AWS::Region' | 'SchedulerRole.Arn'; readonly why: string }
  /** Terraform's tags map: the stack's tags (aws cloudformation deploy --tags). */
  | { readonly stackTags: true }
  /** What CloudFormation cannot do, and why. */
  | { readonly impossible: string };

/** What stands, in the template, for one resource of a module. */
type Output =
  | { readonly resource: string; readonly type: string }
  | { readonly role: string; readonly policyName: string }
  | { readonly resource: string; readonly property: string };

interface Parity {
  readonly template: string;
  readonly inputs: Readonly<Record<string, Input>>;
  readonly resources: Readonly<Record<string, Output>>;
}

const STACK_REGION = {
  instead: 'AWS::Region',
  why: 'the schedule group is created in the stack: deploy the stack in the catalog region',
} as const;

/** Every module but `runtime`, which runs jitbot itself on ECS and has no template. */
const PARITY: Readonly<Record<string, Parity>> = {
  'connector-role': {
    template: 'jitbot-target-account.yaml',
    inputs: {
      jitbot_principal_arn: { parameter: 'JitbotPrincipalArn' },
      external_id: { parameter: 'ExternalId' },
      scheduler_role_arn: {
        instead: 'SchedulerRole.Arn',
        why: 'the template creates the scheduler role beside the connector role',
      },
      name: { parameter: 'ConnectorRoleName' },
      path: { parameter: 'RolePath' },
      region: STACK_REGION,
      permissions_boundary_arn: { parameter: 'PermissionsBoundaryArn' },
      tags: { stackTags: true },
    },
    resources: {
      'aws_iam_role.connector': { resource: 'ConnectorRole', type: 'AWS::IAM::Role' },
      'aws_iam_role_policy.connector': { role: 'ConnectorRole', policyName: 'jitbot-connector-permissions' },
      'aws_scheduler_schedule_group.jitbot': {
        resource: 'ScheduleGroup',
        type: 'AWS::Scheduler::ScheduleGroup',
      },
    },
  },
  'scheduler-role': {
    template: 'jitbot-target-account.yaml',
    inputs: {
      name: { parameter: 'SchedulerRoleName' },
      path: { parameter: 'RolePath' },
      region: STACK_REGION,
      dead_letter_arn: { parameter: 'DeadLetterQueueArn' },
      permissions_boundary_arn: { parameter: 'PermissionsBoundaryArn' },
      tags: { stackTags: true },
    },
    resources: {
      'aws_iam_role.scheduler': { resource: 'SchedulerRole', type: 'AWS::IAM::Role' },
      'aws_iam_role_policy.scheduler': { role: 'SchedulerRole', policyName: 'jitbot-scheduler-permissions' },
      'aws_iam_role_policy.dead_letter': {
        role: 'SchedulerRole',
        policyName: 'jitbot-scheduler-dead-letter',
      },
    },
  },
  'identity-center-connector': {
    template: 'jitbot-identity-center.yaml',
    inputs: {
      jitbot_principal_arn: { parameter: 'JitbotPrincipalArn' },
      external_id: { parameter: 'ExternalId' },
      instance_arn: { parameter: 'InstanceArn' },
      identity_store_id: { parameter: 'IdentityStoreId' },
      management_account_id: { parameter: 'ManagementAccountId' },
      // Whole ARNs: CloudFormation has no loop to put the partition before each id.
      allowed_group_ids: { parameter: 'AllowedGroupArns' },
      permission_set_arns: { parameter: 'PermissionSetArns' },
      region: STACK_REGION,
      dead_letter_arn: { parameter: 'DeadLetterQueueArn' },
      create_schedule_group: { parameter: 'CreateScheduleGroup' },
      connector_role_name: { parameter: 'ConnectorRoleName' },
      scheduler_role_name: { parameter: 'SchedulerRoleName' },
      path: { parameter: 'RolePath' },
      permissions_boundary_arn: { parameter: 'PermissionsBoundaryArn' },
      tags: { stackTags: true },
    },
    resources: {
      'aws_iam_role.connector': { resource: 'ConnectorRole', type: 'AWS::IAM::Role' },
      'aws_iam_role_policy.connector': {
        role: 'ConnectorRole',
        policyName: 'jitbot-identity-center-connector-permissions',
      },
      'aws_iam_role.scheduler': { resource: 'SchedulerRole', type: 'AWS::IAM::Role' },
      'aws_iam_role_policy.scheduler': {
        role: 'SchedulerRole',
        policyName: 'jitbot-identity-center-scheduler-permissions',
      },
      'aws_iam_role_policy.dead_letter': {
        role: 'SchedulerRole',
        policyName: 'jitbot-scheduler-dead-letter',
      },
      'aws_scheduler_schedule_group.jitbot': {
        resource: 'ScheduleGroup',
        type: 'AWS::Scheduler::ScheduleGroup',
      },
    },
  },
  'jit-group': {
    template: 'jitbot-jit-group.yaml',
    inputs: {
      name: { parameter: 'GroupName' },
      managed_policy_arns: { parameter: 'ManagedPolicyArns' },
      inline_policy_json: { parameter: 'InlinePolicyDocument' },
      inline_policy_name: { parameter: 'InlinePolicyName' },
    },
    resources: {
      'aws_iam_group.this': { resource: 'Group', type: 'AWS::IAM::Group' },
      'aws_iam_group_policy_attachment.managed': { resource: 'Group', property: 'ManagedPolicyArns' },
      'aws_iam_group_policy.inline': { resource: 'Group', property: 'Policies' },
    },
  },
  'jit-policy': {
    template: 'jitbot-jit-policy.yaml',
    inputs: {
      name: { parameter: 'PolicyName' },
      policy_json: { parameter: 'PolicyDocument' },
      description: { parameter: 'PolicyDescription' },
      tags: {
        impossible:
          'AWS::IAM::ManagedPolicy has no Tags, and the stack tags do not reach it: tag it with aws iam tag-policy',
      },
    },
    resources: { 'aws_iam_policy.this': { resource: 'Policy', type: 'AWS::IAM::ManagedPolicy' } },
  },
};

// ---- one deployment of each template, every optional input given ----------------------------

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const JITBOT = 'arn:aws:iam::999999999999:role/jitbot';
const EXTERNAL_ID = 'b4f0c2d1-external-id';
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/org/role-boundary`;
const DEAD_LETTER = `arn:aws:sqs:${REGION}:${ACCOUNT}:jitbot-backstop-dlq`;
const INSTANCE_ID = 'ssoins-1234567890abcdef';
const STORE_ID = 'd-1234567890';
const GROUP_ID = '9a67a5c2-1111-4000-8000-000000000001';
const PERMISSION_SET = `arn:aws:sso:::permissionSet/${INSTANCE_ID}/ps-1111111111111111`;
const INLINE_POLICY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
const roleArn = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:role${path}${name}`;

/** Each template's parameters (its defaults, and every optional input set) and the values of its own resources. */
const REFS: Readonly<Record<string, Readonly<Record<string, Ref>>>> = {
  'jitbot-target-account.yaml': {
    JitbotPrincipalArn: JITBOT,
    ExternalId: EXTERNAL_ID,
    ConnectorRoleName: 'jitbot-connector',
    SchedulerRoleName: 'jitbot-scheduler',
    RolePath: '/jitbot/',
    PermissionsBoundaryArn: BOUNDARY,
    DeadLetterQueueArn: DEAD_LETTER,
    'SchedulerRole.Arn': roleArn('jitbot-scheduler', '/jitbot/'),
    'ConnectorRole.Arn': roleArn('jitbot-connector', '/jitbot/'),
    ScheduleGroup: 'jitbot',
  },
  'jitbot-identity-center.yaml': {
    JitbotPrincipalArn: JITBOT,
    ExternalId: EXTERNAL_ID,
    InstanceArn: `arn:aws:sso:::instance/${INSTANCE_ID}`,
    IdentityStoreId: STORE_ID,
    ManagementAccountId: '222222222222',
    AllowedGroupArns: [`arn:aws:identitystore:::group/${GROUP_ID}`],
    PermissionSetArns: [PERMISSION_SET],
    ConnectorRoleName: 'jitbot-identity-center-connector',
    SchedulerRoleName: 'jitbot-identity-center-scheduler',
    RolePath: '/jitbot/',
    PermissionsBoundaryArn: BOUNDARY,
    CreateScheduleGroup: 'true',
    DeadLetterQueueArn: DEAD_LETTER,
    'SchedulerRole.Arn': roleArn('jitbot-identity-center-scheduler', '/jitbot/'),
    'ConnectorRole.Arn': roleArn('jitbot-identity-center-connector', '/jitbot/'),
  },
  'jitbot-jit-group.yaml': {
    GroupName: 'jit-prod-admin',
    ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    InlinePolicyDocument: INLINE_POLICY,
    InlinePolicyName: 'jit-access',
    Group: 'jit-prod-admin',
    'Group.Arn': `arn:aws:iam::${ACCOUNT}:group/jit/jit-prod-admin`,
  },
  'jitbot-jit-policy.yaml': {
    PolicyName: 'jit-read-logs',
    PolicyDocument: INLINE_POLICY,
    PolicyDescription: 'Granted for a limited time through jitbot.',
    Policy: `arn:aws:iam::${ACCOUNT}:policy/jit/jit-read-logs`,
  },
};

const TEMPLATE_FILES = Object.keys(REFS);
const raw = (file: string): CfnTemplate => readTemplate(join(TEMPLATES, file));
const deploy = (file: string, parameters: Readonly<Record<string, Ref>> = {}): CfnTemplate =>
  deployTemplate(raw(file), {
    'AWS::Partition': 'aws',
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': REGION,
    ...REFS[file],
    ...parameters,
  });

// ---- the modules as written --------------------------------------------------------------------

const moduleFile = (module: string, file: string) => readFileSync(join(MODULES, module, file), 'utf8');
const variablesOf = (module: string): Block[] =>
  blocksOf(moduleFile(module, 'variables.tf')).filter((block) => block.kind === 'variable');
const resourcesOf = (module: string): Block[] =>
  blocksOf(moduleFile(module, 'main.tf')).filter((block) => block.kind === 'resource');
const addressOf = (block: Block) => block.labels.join('.');

/** A variable's default as a CloudFormation parameter writes it: null and [] are "", a string is itself. */
function defaultAsParameter(expression: string | undefined): string | undefined {
  if (expression === undefined) return undefined;
  if (expression === 'null' || expression === '[]') return '';
  if (expression === 'true' || expression === 'false') return expression;
  if (expression.startsWith('"')) return hclString(expression);
  throw new Error(`no CloudFormation default for ${expression}`);
}

const modules = Object.entries(PARITY);
const parameterInputs = (parity: Parity) =>
  Object.entries(parity.inputs).flatMap(([variable, input]) =>
    'parameter' in input ? [[variable, input.parameter] as const] : [],
  );

describe('every Terraform module has its CloudFormation template', () => {
  it('each module but runtime (jitbot itself on ECS) is in the parity table', () => {
    const found = readdirSync(MODULES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(found.filter((name) => name !== 'runtime').sort()).toEqual(Object.keys(PARITY).sort());
    const templates = readdirSync(TEMPLATES).filter((file) => file.endsWith('.yaml'));
    expect(templates.sort()).toEqual([...new Set(modules.map(([, parity]) => parity.template))].sort());
  });

  it.each(modules)('%s: every variable has its counterpart, which exists', (module, parity) => {
    expect(variablesOf(module).map(addressOf).sort()).toEqual(Object.keys(parity.inputs).sort());
    const template = raw(parity.template);
    for (const [variable, parameter] of parameterInputs(parity))
      expect(template.Parameters, `${module} ${variable}`).toHaveProperty([parameter]);
    const resources = JSON.stringify(template.Resources);
    for (const input of Object.values(parity.inputs))
      if ('instead' in input) expect(resources.includes(input.instead), input.why).toBe(true);
  });

  it.each(TEMPLATE_FILES)('%s: every parameter stands for a Terraform variable', (file) => {
    const mapped = modules
      .filter(([, parity]) => parity.template === file)
      .flatMap(([, parity]) => parameterInputs(parity).map(([, parameter]) => parameter));
    expect(Object.keys(raw(file).Parameters).sort()).toEqual([...new Set(mapped)].sort());
  });

  it.each(modules)(
    '%s: each parameter has the default, kind and secrecy of its variable',
    (module, parity) => {
      const template = raw(parity.template);
      for (const variable of variablesOf(module)) {
        const input = parity.inputs[addressOf(variable)];
        if (input === undefined || !('parameter' in input)) continue;
        const parameter = template.Parameters[input.parameter];
        const what = `${module} ${addressOf(variable)} -> ${input.parameter}`;
        expect(parameter?.Default, what).toBe(defaultAsParameter(attributeOf(variable.body, 'default')));
        const type = attributeOf(variable.body, 'type');
        if (type === 'list(string)') expect(parameter?.Type, what).toBe('CommaDelimitedList');
        else expect(parameter?.Type, what).toBe('String');
        if (type === 'bool') expect(parameter?.AllowedValues, what).toEqual(['true', 'false']);
        expect(parameter?.NoEcho === true, what).toBe(attributeOf(variable.body, 'sensitive') === 'true');
      }
    },
  );

  it.each(modules)('%s: every resource has its counterpart', (module, parity) => {
    const blocks = resourcesOf(module);
    expect(blocks.map(addressOf).sort()).toEqual(Object.keys(parity.resources).sort());
    const deployed = deploy(parity.template);
    for (const block of blocks) {
      const output = parity.resources[addressOf(block)];
      const what = `${module} ${addressOf(block)}`;
      if (output === undefined) continue;
      if ('type' in output) expect(resourceOf(deployed, output.resource).Type, what).toBe(output.type);
      else if ('property' in output)
        expect(resourceOf(deployed, output.resource).Properties, what).toHaveProperty([output.property]);
      else {
        expect(hclString(attributeOf(block.body, 'name') ?? '""'), what).toBe(output.policyName);
        const policies = resourceOf(deployed, output.role).Properties.Policies as { PolicyName: string }[];
        expect(
          policies.map((policy) => policy.PolicyName),
          what,
        ).toContain(output.policyName);
      }
    }
  });
});

// ---- permissions boundary, path and names -------------------------------------------------------

const rolesOf = (deployed: CfnTemplate) =>
  Object.entries(deployed.Resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role');
const ROLE_TEMPLATES = ['jitbot-target-account.yaml', 'jitbot-identity-center.yaml'];

describe('the permissions boundary and the path', () => {
  it.each(ROLE_TEMPLATES)('%s: with a boundary, every role has it; without, none has one', (file) => {
    const bounded = rolesOf(deploy(file));
    expect(bounded.length).toBe(2);
    for (const [name, role] of bounded) expect(role.Properties.PermissionsBoundary, name).toBe(BOUNDARY);
    for (const [name, role] of rolesOf(deploy(file, { PermissionsBoundaryArn: '' })))
      expect(role.Properties, name).not.toHaveProperty('PermissionsBoundary');
  });

  it.each(ROLE_TEMPLATES)('%s: every role is on the path given, / by default', (file) => {
    for (const [name, role] of rolesOf(deploy(file))) expect(role.Properties.Path, name).toBe('/jitbot/');
    expect(raw(file).Parameters.RolePath?.Default).toBe('/');
  });

  it('every Terraform role takes the boundary, the path and the tags from its variables', () => {
    const roles = modules.flatMap(([module]) =>
      resourcesOf(module)
        .filter((block) => block.labels[0] === 'aws_iam_role')
        .map((block) => [`${module} ${addressOf(block)}`, block.body] as const),
    );
    expect(roles.length).toBe(4);
    for (const [what, body] of roles) {
      expect(attributeOf(body, 'permissions_boundary'), what).toBe('var.permissions_boundary_arn');
      expect(attributeOf(body, 'path'), what).toBe('var.path');
      expect(attributeOf(body, 'tags'), what).toBe('var.tags');
    }
  });

  it('the boundary and path parameters take what IAM takes, and nothing that would not be one', () => {
    for (const file of ROLE_TEMPLATES) {
      const accepts = (parameter: string, value: string) =>
        new RegExp(String(raw(file).Parameters[parameter]?.AllowedPattern)).test(value);
      for (const good of ['', BOUNDARY, 'arn:aws-us-gov:iam::aws:policy/PowerUserAccess'])
        expect(accepts('PermissionsBoundaryArn', good), good).toBe(true);
      for (const bad of [`arn:aws:iam::${ACCOUNT}:role/jitbot`, 'role-boundary', `${BOUNDARY} `])
        expect(accepts('PermissionsBoundaryArn', bad), bad).toBe(false);
      for (const good of ['/', '/jitbot/', '/org/jitbot/'])
        expect(accepts('RolePath', good), good).toBe(true);
      for (const bad of ['', 'jitbot', '/jitbot', '//']) expect(accepts('RolePath', bad), bad).toBe(false);
    }
  });

  it('groups and policies are under /jit/ on both sides', () => {
    expect(resourceOf(deploy('jitbot-jit-group.yaml'), 'Group').Properties.Path).toBe('/jit/');
    expect(resourceOf(deploy('jitbot-jit-policy.yaml'), 'Policy').Properties.Path).toBe('/jit/');
    for (const module of ['jit-group', 'jit-policy']) {
      const [resource] = resourcesOf(module);
      expect(attributeOf(resource?.body ?? '', 'path'), module).toBe('"/jit/"');
    }
  });
});

// ---- tags ------------------------------------------------------------------------------------------

describe("tags: Terraform's tags map is the stack's tags", () => {
  const STACK_TAGS = { Owner: 'platform', CostCenter: '4200' };

  it.each(TEMPLATE_FILES)("%s: every resource that can carry tags carries the stack's", (file) => {
    const deployed = deploy(file);
    const tags = tagsAsDeployed(deployed, STACK_TAGS);
    for (const [name, resource] of Object.entries(deployed.Resources))
      if (takesStackTags(resource.Type)) expect(tags[name], name).toEqual(STACK_TAGS);
      else expect(tags[name], name).toEqual({});
  });

  it.each(modules)(
    '%s: what Terraform tags, CloudFormation tags too, except what it cannot',
    (module, parity) => {
      const deployed = deploy(parity.template);
      for (const block of resourcesOf(module)) {
        const output = parity.resources[addressOf(block)];
        if (output === undefined || !('type' in output)) continue;
        const tagged = attributeOf(block.body, 'tags') === 'var.tags';
        const what = `${module} ${addressOf(block)}`;
        const cannot = 'impossible' in (parity.inputs.tags ?? {});
        expect(takesStackTags(resourceOf(deployed, output.resource).Type), what).toBe(tagged && !cannot);
      }
    },
  );

  it('the one exception is written down: a managed policy, which CloudFormation cannot tag', () => {
    const impossible = modules.filter(([, parity]) => 'impossible' in (parity.inputs.tags ?? {}));
    expect(impossible.map(([module]) => module)).toEqual(['jit-policy']);
    expect(takesStackTags('AWS::IAM::ManagedPolicy')).toBe(false);
    expect(readFileSync(join(TEMPLATES, 'jitbot-jit-policy.yaml'), 'utf8')).toContain('aws iam tag-policy');
  });

  it('a new resource type must be classified before it counts as tagged', () => {
    expect(() => takesStackTags('AWS::Lambda::Function')).toThrow(/do not know/);
  });
});

// ---- the documents -----------------------------------------------------------------------------

/** Resource and Action as lists, so that "*" and ["*"] compare equal. */
const normalize = (document: PolicyDocument): PolicyDocument => ({
  ...document,
  Statement: document.Statement.map((statement) => ({
    ...statement,
    Action: list(statement.Action),
    Resource: list(statement.Resource),
  })),
});

const TAG_STATEMENT = 'PermissionSetsTaggedJitbotAllowedOnly';

/**
 * A file of infra/policies as the modules render it (infra/policies/README.md): the scalar
 * placeholders filled, a Resource entry holding a list placeholder repeated for each value, a
 * statement whose list is empty left out, and the tag statement left out when permission sets
 * are listed.
 */
function rendered(
  file: string,
  scalars: Readonly<Record<string, string>>,
  lists: Readonly<Record<string, readonly string[]>> = {},
): PolicyDocument {
  const marker = (name: string) => `@@${name}@@`;
  const markers = Object.fromEntries(Object.keys(lists).map((name) => [name, marker(name)]));
  const document = fillPolicy(file, { ...scalars, ...markers });
  const listIn = (entry: string) => Object.keys(lists).find((name) => entry.includes(marker(name)));
  const statements = document.Statement.filter((statement) => {
    if (statement.Sid === TAG_STATEMENT && (lists.permission_set_arns?.length ?? 0) > 0) return false;
    return list(statement.Resource).every((entry) => (lists[listIn(entry) ?? ''] ?? ['kept']).length > 0);
  }).map((statement) => ({
    ...statement,
    Resource: list(statement.Resource).flatMap((entry) => {
      const name = listIn(entry);
      return name === undefined
        ? [entry]
        : (lists[name] ?? []).map((value) => entry.replace(marker(name), value));
    }),
  }));
  return normalize({ ...document, Statement: statements });
}

describe('every policy document is its infra/policies file, filled in', () => {
  const SCALARS = {
    partition: 'aws',
    account_id: ACCOUNT,
    region: REGION,
    jitbot_principal_arn: JITBOT,
    external_id: EXTERNAL_ID,
    dead_letter_arn: DEAD_LETTER,
  };
  const documents = (deployed: CfnTemplate, role: string) => ({
    trust: normalize(resourceOf(deployed, role).Properties.AssumeRolePolicyDocument as PolicyDocument),
    inline: inlinePolicyDocuments(deployed, role).map((document) => normalize(document as PolicyDocument)),
  });

  it('jitbot-target-account.yaml, with a boundary, a path and a queue', () => {
    const deployed = deploy('jitbot-target-account.yaml');
    const values = { ...SCALARS, scheduler_role_arn: roleArn('jitbot-scheduler', '/jitbot/') };
    expect(documents(deployed, 'ConnectorRole')).toEqual({
      trust: rendered('connector-trust.json', values),
      inline: [rendered('connector-permissions.json', values)],
    });
    expect(documents(deployed, 'SchedulerRole')).toEqual({
      trust: rendered('scheduler-trust.json', values),
      inline: [
        rendered('scheduler-permissions.json', values),
        rendered('scheduler-dead-letter.json', values),
      ],
    });
  });

  it.each([
    [
      'listed permission sets, one group',
      {},
      { allowed_group_ids: [GROUP_ID], permission_set_arns: [PERMISSION_SET] },
    ],
    [
      'permission sets by tag, no group',
      { PermissionSetArns: [''], AllowedGroupArns: [''] },
      { allowed_group_ids: [], permission_set_arns: [] },
    ],
  ] as const)('jitbot-identity-center.yaml, with a boundary and a path: %s', (_name, parameters, lists) => {
    const deployed = deploy('jitbot-identity-center.yaml', parameters);
    const values = {
      ...SCALARS,
      instance_id: INSTANCE_ID,
      identity_store_id: STORE_ID,
      management_account_id: '222222222222',
      scheduler_role_arn: roleArn('jitbot-identity-center-scheduler', '/jitbot/'),
    };
    expect(documents(deployed, 'ConnectorRole')).toEqual({
      trust: rendered('connector-trust.json', values),
      inline: [rendered('identity-center-connector-permissions.json', values, lists)],
    });
    expect(documents(deployed, 'SchedulerRole')).toEqual({
      trust: rendered('scheduler-trust.json', values),
      inline: [
        rendered('identity-center-scheduler-permissions.json', values, lists),
        rendered('scheduler-dead-letter.json', values),
      ],
    });
  });

  it('the rendering would notice a statement left in or an entry not repeated', () => {
    const lists = { allowed_group_ids: [GROUP_ID, 'other'], permission_set_arns: [] };
    const file = 'identity-center-scheduler-permissions.json';
    const values = { partition: 'aws', instance_id: INSTANCE_ID, identity_store_id: STORE_ID };
    const sids = rendered(file, values, lists).Statement.map((statement) => statement.Sid);
    expect(sids).not.toContain('ListedPermissionSetsOnly');
    expect(sids).toContain(TAG_STATEMENT);
    const groups = rendered(file, values, lists).Statement.flatMap((statement) => list(statement.Resource));
    expect(groups.filter((arn) => arn.includes(':group/'))).toEqual([
      `arn:aws:identitystore:::group/${GROUP_ID}`,
      'arn:aws:identitystore:::group/other',
    ]);
  });

  it('jitbot-jit-group.yaml and jitbot-jit-policy.yaml grant the document given, as the modules do', () => {
    const group = resourceOf(deploy('jitbot-jit-group.yaml'), 'Group').Properties;
    expect(group.Policies).toEqual([{ PolicyName: 'jit-access', PolicyDocument: INLINE_POLICY }]);
    expect(group.ManagedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    const bare = resourceOf(
      deploy('jitbot-jit-group.yaml', { ManagedPolicyArns: [''], InlinePolicyDocument: '' }),
      'Group',
    ).Properties;
    expect(bare).toEqual({ GroupName: 'jit-prod-admin', Path: '/jit/' });
    expect(resourceOf(deploy('jitbot-jit-policy.yaml'), 'Policy').Properties).toEqual({
      ManagedPolicyName: 'jit-read-logs',
      Path: '/jit/',
      Description: 'Granted for a limited time through jitbot.',
      PolicyDocument: INLINE_POLICY,
    });
  });

  it("writes every ARN in the stack's partition", () => {
    for (const file of TEMPLATE_FILES) {
      const template = raw(file);
      expect(JSON.stringify([template.Resources, template.Outputs, template.Conditions]), file).not.toContain(
        'arn:aws:',
      );
    }
  });
});
