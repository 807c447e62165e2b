/**
 * The catalog after loading: validated, defaults filled in, durations in whole seconds, and
 * deep-frozen. Built by config/ from the YAML file; every layer reads it through these types.
 */

export interface Catalog {
  readonly settings: Settings;
  readonly accounts: readonly Account[];
  readonly okta?: OktaSettings;
  readonly identityCenter?: IdentityCenterSettings;
  readonly targets: readonly Target[];
}

export interface Settings {
  /** Slack channel id for breakglass notices and operational alerts. */
  readonly adminChannel: string;
  readonly expiryWarningSeconds: number;
  readonly approvalTimeoutSeconds: number;
  /** How long after a request its approvers who have not decided are reminded, once. */
  readonly approvalReminderSeconds: number;
  /** jitbot admins: may end anyone's access early ("Revoke now") and review breakglass grants. */
  readonly admins: RequesterRestriction;
  /** At most `requests` requests per person in any `perSeconds`; cancelled ones count. */
  readonly requestRateLimit: { readonly requests: number; readonly perSeconds: number };
  /** At most this many of one person's requests wait for approval at once. */
  readonly maxPendingRequests: number;
  /** How often targets are compared with what jitbot granted (drift), once across replicas. */
  readonly reconcileIntervalSeconds: number;
  /**
   * Lower case. When set, only people whose Slack email is in one of these domains (exactly, not
   * a subdomain) can get access: the email is what finds their IAM or Okta user.
   */
  readonly allowedEmailDomains?: readonly string[];
}

export interface Account {
  /** The catalog's own id for the account, referenced by `AwsTarget.account`. */
  readonly id: string;
  readonly name: string;
  /** The 12-digit AWS account id. */
  readonly accountId: string;
  readonly region: string;
  readonly connectorRoleArn: string;
  /** Secret: never log it. */
  readonly externalId: string;
  readonly schedulerRoleArn?: string;
  /** SQS queue ARN: every backstop schedule in this account sends its failed runs there. */
  readonly deadLetterArn?: string;
  readonly userMapping: UserMapping;
}

export type UserMappingRule = 'email' | 'email-local-part';

/**
 * Which IAM user a Slack user is. `explicit` is consulted first (keys are Slack user ids, or
 * emails in lower case); otherwise `otherwise` derives the name from the email, and with no
 * `otherwise` the user has no IAM user. `userMapping: email` is `{ explicit: {}, otherwise: 'email' }`.
 */
export interface UserMapping {
  readonly explicit: Readonly<Record<string, string>>;
  readonly otherwise?: UserMappingRule;
}

export interface OktaSettings {
  /** Without a trailing slash. */
  readonly orgUrl: string;
  /** Secret: never log it. */
  readonly token: string;
  readonly userMatch: 'login' | 'email';
}

/**
 * IAM Identity Center: the instance, its identity store, and the account (an `Account.id`: the
 * management or delegated administrator account) whose connector role jitbot assumes to call it.
 */
export interface IdentityCenterSettings {
  readonly account: string;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** Identity Center's home region (default: that account's region). */
  readonly region: string;
  /** How a Slack email finds the Identity Store user: its userName, or one of its emails. */
  readonly userMatch: 'userName' | 'email';
  /** The AWS access portal, told to the requester; absent: not told. */
  readonly portalUrl?: string;
  /** `aws`, `aws-us-gov` or `aws-cn`: taken from the instance ARN, used in every ARN jitbot builds. */
  readonly partition: string;
}

export type Target =
  | AwsIamGroupTarget
  | AwsIamPolicyTarget
  | AwsIamGeneratedPolicyTarget
  | OktaGroupTarget
  | AwsSsoPermissionSetTarget
  | AwsSsoGroupTarget;

/** A target granted through IAM Identity Center (the catalog's `identityCenter`). */
export type IdentityCenterTarget = AwsSsoPermissionSetTarget | AwsSsoGroupTarget;

/** A USER assignment of a permission set in one account, for the grant. */
export interface AwsSsoPermissionSetTarget extends TargetCommon {
  readonly kind: 'aws-sso-permission-set';
  readonly permissionSetArn: string;
  /** The 12-digit account the permission set is assigned in. */
  readonly accountId: string;
}

/** Membership of an Identity Store group, for the grant. */
export interface AwsSsoGroupTarget extends TargetCommon {
  readonly kind: 'aws-sso-group';
  /** The Identity Store group id (a UUID, which real stores may prefix with 10 hex digits and -). */
  readonly groupId: string;
}

/** A target that lives in one of the catalog's AWS accounts. */
export type AwsTarget = AwsIamGroupTarget | AwsIamPolicyTarget | AwsIamGeneratedPolicyTarget;

export interface AwsIamGroupTarget extends TargetCommon {
  readonly kind: 'aws-iam-group';
  /** An `Account.id`; see `accountFor`. */
  readonly account: string;
  /** The IAM group name (not its ARN). */
  readonly group: string;
}

/** A managed policy attached to the person's IAM user for the grant, and detached after. */
export interface AwsIamPolicyTarget extends TargetCommon {
  readonly kind: 'aws-iam-policy';
  /** An `Account.id`; see `accountFor`. */
  readonly account: string;
  /** A customer managed policy under /jit/ in that account. */
  readonly policyArn: string;
}

/**
 * A least-privilege policy generated for each request from the permissions the requester asks
 * for, inside these bounds; created at grant time under /jit/generated/, attached to the person's
 * IAM user, and detached and deleted at expiry. It stops working by itself at expiry: every
 * statement carries an aws:CurrentTime condition.
 */
export interface AwsIamGeneratedPolicyTarget extends TargetCommon {
  readonly kind: 'aws-iam-generated-policy';
  /** An `Account.id`; see `accountFor`. */
  readonly account: string;
  /** Every request must fall inside these: IAM action patterns (`s3:Get*`) and resource ARN patterns. */
  readonly allow: { readonly actions: readonly string[]; readonly resources: readonly string[] };
  /** Never granted, even inside `allow` (action patterns); empty when the catalog names none. */
  readonly deny: { readonly actions: readonly string[] };
  /** The most actions one request may hold once wildcards are expanded (default 25). */
  readonly maxActions: number;
}

export interface OktaGroupTarget extends TargetCommon {
  readonly kind: 'okta-group';
  readonly groupId: string;
}

export interface TargetCommon {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly durations: { readonly defaultSeconds: number; readonly maxSeconds: number };
  /** Empty lists only on a breakglass-only target. */
  readonly approvers: Approvers;
  /** Whether a requester who is also an approver may approve their own request. */
  readonly selfApproval: boolean;
  /** Whether the requester may grant themself at once, with a loud notice in the admin channel. */
  readonly breakglass: boolean;
  /** Requests up to this long are approved without anyone; never more than `durations.maxSeconds`. */
  readonly autoApprove?: { readonly maxDurationSeconds: number };
  /** A channel that also receives this target's approval messages. */
  readonly approvalChannel?: string;
  /** Who may request; absent means anyone. */
  readonly requesters?: RequesterRestriction;
  /**
   * Who may hold the access without a grant, never reported as drift: IAM user names, Okta
   * logins or Identity Center user names as written in the catalog (empty when it names none).
   */
  readonly standingMembers: readonly string[];
  /** What a reconcile does about standing access: report it with a Remove button, or remove it at once. */
  readonly onDrift: 'alert' | 'remove';
}

export interface Approvers {
  readonly users: readonly string[];
  readonly userGroups: readonly string[];
  /** How many distinct approvals a request needs. */
  readonly required: number;
}

export interface RequesterRestriction {
  readonly users: readonly string[];
  readonly userGroups: readonly string[];
}

export function findAccount(catalog: Catalog, id: string): Account | undefined {
  return catalog.accounts.find((account) => account.id === id);
}

export function findTarget(catalog: Catalog, id: string): Target | undefined {
  return catalog.targets.find((target) => target.id === id);
}

/** The account of an AWS target. Loading guarantees it exists, so a miss is a bug, not a user error. */
export function accountFor(catalog: Catalog, target: AwsTarget): Account {
  const account = findAccount(catalog, target.account);
  if (account === undefined)
    throw new Error(`target ${target.id} names account ${target.account}, which is not in the catalog`);
  return account;
}

/** A target with no approvers: breakglass is the only way to get it. */
export function isBreakglassOnly(target: Target): boolean {
  return target.breakglass && target.approvers.users.length === 0 && target.approvers.userGroups.length === 0;
}

/** Whether the catalog grants IAM access in this account (so its connector is the IAM one). */
export function grantsInIam(catalog: Catalog, accountId: string): boolean {
  return catalog.targets.some((target) => 'account' in target && target.account === accountId);
}
