/**
 * Builders for the catalogs the end-to-end tests start jitbot with, as the YAML would hold them.
 * Each writes out what every entry of its kind repeats (the connector role's ARN, the user mapping,
 * the kind) and leaves at the call site what tells one test's catalog from another's: the account,
 * the group or policy, the durations and the approvers.
 */

type Data = Record<string, unknown>;

/** `arn:aws:iam::<accountId>:role/jitbot-connector`, the role jitbot assumes in an account. */
const connectorRoleArn = (accountId: string) => `arn:aws:iam::${accountId}:role/jitbot-connector`;

/** `arn:aws:iam::<accountId>:role/jitbot-scheduler`, the role the backstop schedules run as. */
const schedulerRoleArn = (accountId: string) => `arn:aws:iam::${accountId}:role/jitbot-scheduler`;

export interface AwsAccountFields {
  readonly id: string;
  readonly name?: string;
  readonly accountId: string;
  readonly region: string;
  readonly externalId: string;
  /** With the account's jitbot-scheduler role (`schedulerRoleArn`): its grants get a backstop schedule. */
  readonly scheduler?: boolean;
  readonly deadLetterArn?: string;
}

/**
 * An accounts[] entry: jitbot assumes `arn:aws:iam::<accountId>:role/jitbot-connector` with the
 * external id, and finds a person's IAM user by the local part of their Slack email.
 */
export function awsAccount(account: AwsAccountFields): Data {
  return {
    id: account.id,
    ...(account.name === undefined ? {} : { name: account.name }),
    accountId: account.accountId,
    region: account.region,
    connectorRoleArn: connectorRoleArn(account.accountId),
    externalId: account.externalId,
    ...(account.scheduler ? { schedulerRoleArn: schedulerRoleArn(account.accountId) } : {}),
    ...(account.deadLetterArn === undefined ? {} : { deadLetterArn: account.deadLetterArn }),
    userMapping: 'email-local-part',
  };
}

/**
 * The Operations account most lifecycle tests grant in: id `ops`, named Operations, in eu-west-1.
 * Each test file gives it an account number and external id of its own.
 */
export const opsAccount = (fields: Omit<AwsAccountFields, 'id' | 'name' | 'region'>) =>
  awsAccount({ id: 'ops', name: 'Operations', region: 'eu-west-1', ...fields });

/** The Production account: id `prod`, named Production, in us-east-1 (as in the shared test catalog). */
export const prodAccount = (fields: Omit<AwsAccountFields, 'id' | 'name' | 'region'>) =>
  awsAccount({ id: 'prod', name: 'Production', region: 'us-east-1', ...fields });

/** Who approves: a list is `{ users: [...] }`; anything else (user groups, required) is written as is. */
type ApproversField = readonly string[] | Data;

interface TargetFields {
  readonly name?: string;
  /** `{ default: '1h', max: '4h' }` unless given. */
  readonly durations?: { readonly default: string; readonly max: string };
  /** None for a breakglass target. */
  readonly approvers?: ApproversField;
  /** Anything else the target has: autoApprove, breakglass, selfApproval, ... */
  readonly [field: string]: unknown;
}

/** The target `id` as the catalog holds it: `kind`, then where the access is (account and group, ...). */
function target(kind: string, id: string, { name, durations, approvers, ...where }: TargetFields): Data {
  return {
    id,
    ...(name === undefined ? {} : { name }),
    kind,
    ...where,
    durations: durations ?? { default: '1h', max: '4h' },
    ...(approvers === undefined
      ? {}
      : { approvers: isUserList(approvers) ? { users: approvers } : approvers }),
  };
}

function isUserList(approvers: ApproversField): approvers is readonly string[] {
  return Array.isArray(approvers);
}

/** Target fields, with the ones (`K`) that say where the access is. */
type At<K extends string> = TargetFields & { readonly [key in K]: string };

/** An aws-iam-group target: membership of `group` in the catalog account `account`. */
export const iamGroupTarget = (id: string, fields: At<'account' | 'group'>) =>
  target('aws-iam-group', id, fields);

/** An aws-iam-policy target: `policyArn` attached to the requester's IAM user in `account`. */
export const iamPolicyTarget = (id: string, fields: At<'account' | 'policyArn'>) =>
  target('aws-iam-policy', id, fields);

/** An aws-iam-generated-policy target: a policy made per request inside `allow`, in `account`. */
export const generatedPolicyTarget = (
  id: string,
  fields: At<'account'> & { readonly allow: { readonly actions: string[]; readonly resources: string[] } },
) => target('aws-iam-generated-policy', id, fields);

/** An okta-group target: membership of the Okta group `groupId`. */
export const oktaGroupTarget = (id: string, fields: At<'groupId'>) => target('okta-group', id, fields);

/** An aws-sso-permission-set target: `permissionSetArn` assigned in the AWS account `accountId`. */
export const permissionSetTarget = (id: string, fields: At<'permissionSetArn' | 'accountId'>) =>
  target('aws-sso-permission-set', id, fields);

/** An aws-sso-group target: membership of the identity store group `groupId`. */
export const ssoGroupTarget = (id: string, fields: At<'groupId'>) => target('aws-sso-group', id, fields);
