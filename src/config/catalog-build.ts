import type {
  Account,
  Catalog,
  IdentityCenterSettings,
  Target,
  TargetCommon,
  UserMapping,
} from '../domain/catalog.js';
import {
  INSTANCE_ARN,
  type RawAccount,
  type RawCatalog,
  type RawIdentityCenter,
  type RawTarget,
} from './catalog-schema.js';

/** The validated raw catalog in its loaded shape, frozen so no caller can change policy at run time. */
export function buildCatalog(raw: RawCatalog): Catalog {
  return deepFreeze({
    settings: {
      adminChannel: raw.settings.adminChannel,
      expiryWarningSeconds: raw.settings.expiryWarning,
      approvalTimeoutSeconds: raw.settings.approvalTimeout,
      // Halfway by default: early enough to act on, late enough not to nag the prompt.
      approvalReminderSeconds: raw.settings.approvalReminder ?? Math.floor(raw.settings.approvalTimeout / 2),
      admins: { users: raw.settings.admins?.users ?? [], userGroups: raw.settings.admins?.userGroups ?? [] },
      requestRateLimit: {
        requests: raw.settings.requestRateLimit.requests,
        perSeconds: raw.settings.requestRateLimit.per,
      },
      maxPendingRequests: raw.settings.maxPendingRequests,
      reconcileIntervalSeconds: raw.settings.reconcileInterval,
      allowedEmailDomains: raw.settings.allowedEmailDomains?.map((domain) => domain.toLowerCase()),
    },
    accounts: raw.accounts.map(buildAccount),
    okta: raw.okta && { ...raw.okta, orgUrl: raw.okta.orgUrl.replace(/\/+$/, '') },
    identityCenter: raw.identityCenter && buildIdentityCenter(raw.identityCenter, raw.accounts),
    targets: raw.targets.map(buildTarget),
  });
}

function buildAccount(raw: RawAccount): Account {
  return { ...raw, name: raw.name ?? raw.id, userMapping: buildUserMapping(raw.userMapping) };
}

/** checkCatalog has refused a missing account and a malformed ARN, so a miss here is a bug. */
function buildIdentityCenter(
  raw: RawIdentityCenter,
  accounts: readonly RawAccount[],
): IdentityCenterSettings {
  const account = accounts.find(({ id }) => id === raw.account);
  const partition = INSTANCE_ARN.exec(raw.instanceArn)?.[1];
  if (account === undefined || partition === undefined)
    throw new Error('identityCenter was validated without its account or instance partition');
  return { ...raw, region: raw.region ?? account.region, partition };
}

function buildUserMapping(raw: RawAccount['userMapping']): UserMapping {
  if (typeof raw === 'string') return { explicit: {}, otherwise: raw };
  const explicit: Record<string, string> = {};
  for (const [user, iamUser] of Object.entries(raw.explicit)) explicit[explicitKey(user)] = iamUser;
  return { explicit, otherwise: raw.otherwise };
}

/** Emails are compared in lower case (mail systems treat them so); Slack ids are kept as written. */
export function explicitKey(user: string): string {
  return user.includes('@') ? user.toLowerCase() : user;
}

function buildTarget(raw: RawTarget): Target {
  const common: TargetCommon = {
    id: raw.id,
    name: raw.name ?? raw.id,
    description: raw.description,
    durations: { defaultSeconds: raw.durations.default, maxSeconds: raw.durations.max },
    approvers: raw.approvers ?? { users: [], userGroups: [], required: 1 },
    selfApproval: raw.selfApproval,
    breakglass: raw.breakglass,
    autoApprove: raw.autoApprove && { maxDurationSeconds: raw.autoApprove.maxDuration },
    approvalChannel: raw.approvalChannel,
    requesters: raw.requesters,
    standingMembers: raw.standingMembers,
    onDrift: raw.onDrift,
  };
  if (raw.kind === 'aws-iam-group')
    return { ...common, kind: raw.kind, account: raw.account, group: raw.group };
  if (raw.kind === 'aws-iam-policy')
    return { ...common, kind: raw.kind, account: raw.account, policyArn: raw.policyArn };
  if (raw.kind === 'aws-iam-generated-policy') {
    const { account, allow, deny, maxActions } = raw;
    return { ...common, kind: raw.kind, account, allow, deny: { actions: deny?.actions ?? [] }, maxActions };
  }
  if (raw.kind === 'aws-sso-permission-set')
    return { ...common, kind: raw.kind, permissionSetArn: raw.permissionSetArn, accountId: raw.accountId };
  return { ...common, kind: raw.kind, groupId: raw.groupId };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
