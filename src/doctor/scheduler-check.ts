import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { awsErrorCode, toProviderError } from '../aws/aws-errors.js';
import type { AwsConnector } from '../aws/connector.js';
import { SCHEDULE_GROUP } from '../aws/scheduler-backstop.js';
import type { Account, Catalog } from '../domain/catalog.js';
import { partitionOf } from '../domain/partition.js';
import { DOCTOR_CONTEXT } from './assume-role-check.js';
import { answeredWithin } from './deadline.js';
import { type CheckLine, fail, pass, warn } from './report.js';
import { readSchedulerTrust } from './scheduler-trust.js';

type Connector = Pick<AwsConnector, 'clientsFor'>;

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);
/** What these two reads need, which connector roles deployed before them may lack. */
const READS = {
  role: 'iam:GetRole on the scheduler role',
  group: `scheduler:GetScheduleGroup on schedule-group/${SCHEDULE_GROUP}`,
} as const;

/**
 * The regions this account's backstop schedules are made in: the account's own for IAM grants,
 * identityCenter.region for Identity Center's (see identityCenterAccount).
 */
export function backstopRegions(account: Account, catalog: Catalog): string[] {
  const regions = new Set<string>();
  const identityCenter = catalog.identityCenter;
  const isIdentityCenterAccount = identityCenter?.account === account.id;
  const grantsHere = catalog.targets.some((target) => 'account' in target && target.account === account.id);
  if (grantsHere || !isIdentityCenterAccount) regions.add(account.region);
  if (isIdentityCenterAccount && identityCenter) regions.add(identityCenter.region);
  return [...regions];
}

function groupArn(account: Account, region: string): string {
  return `arn:${partitionOf(account.connectorRoleArn)}:scheduler:${region}:${account.accountId}:schedule-group/${SCHEDULE_GROUP}`;
}

/** Where the connector role that grants the doctor's reads is defined, for this account. */
type PolicySource = 'target-account' | 'identity-center';

const POLICY_SOURCES: Record<PolicySource, string> = {
  'target-account':
    'infra/policies/connector-permissions.json (or the connector-role Terraform module, or jitbot-target-account.yaml)',
  'identity-center':
    'infra/policies/identity-center-connector-permissions.json (or the identity-center-connector Terraform module, or jitbot-identity-center.yaml)',
};

function notReadable(name: string, account: Account, read: string, source: PolicySource): CheckLine {
  return warn(
    name,
    `not checked: the connector role of ${account.id} may not read it (${read})`,
    `deploy the current ${POLICY_SOURCES[source]}, which allows this read`,
  );
}

function otherFailure(name: string, account: Account, error: unknown, operation: string): CheckLine {
  const failure = toProviderError(error, { operation, accountId: account.accountId });
  return fail(
    name,
    failure.message,
    failure.retryable
      ? 'try again in a minute'
      : `check the account's region (${account.region}) and network access to AWS`,
  );
}

/** GetRole: the role exists, and its trust lets Scheduler assume it for jitbot's group in each region. */
async function roleLine(
  name: string,
  account: Account,
  roleArn: string,
  regions: string[],
  connector: Connector,
  source: PolicySource,
) {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  let found: { Arn?: string; AssumeRolePolicyDocument?: string } | undefined;
  try {
    const { iam } = await connector.clientsFor(account, DOCTOR_CONTEXT);
    found = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'NoSuchEntity')
      return fail(
        name,
        `${roleArn} does not exist in ${account.name} (${account.accountId})`,
        "deploy the scheduler role in that account (the connector-role Terraform module or CloudFormation template), or correct the account's schedulerRoleArn in the catalog",
      );
    if (ACCESS_DENIED.has(code)) return notReadable(name, account, READS.role, source);
    return otherFailure(name, account, error, 'iam:GetRole');
  }
  if (found?.Arn !== undefined && found.Arn !== roleArn)
    return fail(
      name,
      `the role named ${roleName} in ${account.name} (${account.accountId}) is ${found.Arn}, not ${roleArn}`,
      "correct the account's schedulerRoleArn in the catalog",
    );
  const refused = regions.filter(
    (region) =>
      !readSchedulerTrust(found?.AssumeRolePolicyDocument ?? '', groupArn(account, region), account.accountId)
        .admitted,
  );
  if (refused.length === 0)
    return pass(
      name,
      `${roleArn}: EventBridge Scheduler may assume it for schedule-group/${SCHEDULE_GROUP} in ${regions.join(' and ')}`,
    );
  const trust = readSchedulerTrust(found?.AssumeRolePolicyDocument ?? '', '', account.accountId);
  const wanted = refused.map((region) => groupArn(account, region)).join(' and ');
  if (!trust.schedulerTrusted)
    return fail(
      name,
      `the trust policy of ${roleArn} does not let EventBridge Scheduler (scheduler.amazonaws.com) assume it, so a backstop could not remove anything`,
      'redeploy the scheduler role (the connector-role Terraform module or CloudFormation template), whose trust policy is infra/policies/scheduler-trust.json',
    );
  return fail(
    name,
    `the trust policy of ${roleArn} lets EventBridge Scheduler assume it only for ${trust.sourceArns.join(', ') || 'other sources'}, but jitbot's schedules are in ${wanted}: a backstop there could not remove anything`,
    `if the role and the schedule group were deployed in another region, set the account's region in the catalog to it; otherwise redeploy the scheduler role for ${refused.join(' and ')}`,
  );
}

/** GetScheduleGroup in the region: where CreateSchedule will put every grant's backstop. */
async function groupLine(
  name: string,
  account: Account,
  region: string,
  connector: Connector,
  source: PolicySource,
) {
  const where = `${SCHEDULE_GROUP} in ${region}`;
  try {
    const { scheduler } = await connector.clientsFor({ ...account, region }, DOCTOR_CONTEXT);
    const group = await scheduler.send(new GetScheduleGroupCommand({ Name: SCHEDULE_GROUP }));
    if (group.State === undefined || group.State === 'ACTIVE') return pass(name, where);
    return fail(
      name,
      `schedule group ${where} is ${group.State}`,
      'wait until it is gone, then create it again (the connector-role Terraform module or CloudFormation template does)',
    );
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'ResourceNotFoundException')
      return fail(
        name,
        `there is no schedule group ${SCHEDULE_GROUP} in ${region} in ${account.name} (${account.accountId}), so no backstop could be made there`,
        `if the roles were deployed in another region, set the account's region in the catalog to it; otherwise deploy the connector-role Terraform module or CloudFormation template in ${region}, which creates the group`,
      );
    if (ACCESS_DENIED.has(code)) return notReadable(name, account, READS.group, source);
    return otherFailure(name, account, error, 'scheduler:GetScheduleGroup');
  }
}

/**
 * For an account with a scheduler role, once its connector role is assumed: the scheduler role
 * (exists, trusted by EventBridge Scheduler for jitbot's group in the right region) and the
 * `jitbot` schedule group in each region backstops are made in.
 */
export async function checkScheduler(
  label: string,
  account: Account,
  catalog: Catalog,
  connector: Connector,
  timeoutMs: number,
): Promise<CheckLine[]> {
  const roleArn = account.schedulerRoleArn;
  if (roleArn === undefined) return [];
  const regions = backstopRegions(account, catalog);
  const roleName = `${label}: scheduler role`;
  const groupName = `${label}: schedule group`;
  const source: PolicySource =
    catalog.identityCenter?.account === account.id ? 'identity-center' : 'target-account';
  return Promise.all([
    within(
      roleName,
      roleLine(roleName, account, roleArn, regions, connector, source),
      account.region,
      timeoutMs,
    ),
    ...regions.map((region) =>
      within(groupName, groupLine(groupName, account, region, connector, source), region, timeoutMs),
    ),
  ]);
}

async function within(
  name: string,
  line: Promise<CheckLine>,
  region: string,
  ms: number,
): Promise<CheckLine> {
  const result = await answeredWithin(line, ms, {
    from: `AWS in ${region}`,
    fix: `check the account's region and that this machine can reach AWS IAM and EventBridge Scheduler in ${region}`,
  });
  return 'status' in result ? result : fail(name, result.problem, result.fix);
}
