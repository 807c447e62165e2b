import type { AwsConnector } from '../aws/connector.js';
import {
  type CheckFailure,
  createIdentityCenterChecks,
  type GroupFound,
  type IdentityCenterChecks,
  type InstanceFound,
  type PermissionSetFound,
} from '../aws/identity-center-checks.js';
import { identityCenterBackstopWarning } from '../config/catalog-identity-center.js';
import {
  type Account,
  type AwsSsoPermissionSetTarget,
  type Catalog,
  findAccount,
  type IdentityCenterSettings,
  type IdentityCenterTarget,
} from '../domain/catalog.js';
import { formatDuration, isoDurationSeconds } from '../domain/duration.js';
import { identityCenterAccount } from '../providers/identity-center-providers.js';
import { answeredWithin } from './deadline.js';
import { type CheckLine, type CheckResult, fail, fromResult, pass, skip, warn } from './report.js';

const NAME = 'identity center';
/** What AWS gives a permission set that does not say: one hour. */
const DEFAULT_SESSION_SECONDS = 3600;
/** AWS allows no shorter session duration. */
const MIN_SESSION_SECONDS = 3600;
const MODULE = 'infra/terraform/modules/identity-center-connector';

function targetsOf(catalog: Catalog): IdentityCenterTarget[] {
  return catalog.targets.filter(
    (target): target is IdentityCenterTarget =>
      target.kind === 'aws-sso-permission-set' || target.kind === 'aws-sso-group',
  );
}

function targetName(target: IdentityCenterTarget): string {
  return `${NAME} target ${target.id}: ${target.kind === 'aws-sso-group' ? 'group' : 'permission set'}`;
}

/** `PT4H`, `PT1H30M`: as AWS writes session durations. */
function isoDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
}

function timed<T extends object>(work: Promise<T>, ms: number, settings: IdentityCenterSettings) {
  return answeredWithin(work, ms, {
    from: `AWS Identity Center in ${settings.region}`,
    fix: `check that this machine can reach AWS sso-admin and identitystore in ${settings.region} (proxy, firewall, AWS_ENDPOINT_URL)`,
  });
}

/**
 * A session started just before the access is removed goes on until the permission set's session
 * duration ends: removing the assignment does not end it. Warns when that outlasts durations.max.
 */
function sessionLine(
  target: AwsSsoPermissionSetTarget,
  found: PermissionSetFound,
  settings: IdentityCenterSettings,
): CheckLine | undefined {
  const name = `${NAME} target ${target.id}: session duration`;
  const max = target.durations.maxSeconds;
  const written = found.sessionDuration;
  const seconds = written === undefined ? DEFAULT_SESSION_SECONDS : isoDurationSeconds(written);
  if (seconds === undefined)
    return warn(
      name,
      `permission set ${found.name} has the session duration ${written}, which jitbot cannot read`,
      `check it in the IAM Identity Center console: a session lasts that long after the access is removed, so keep it <= ${formatDuration(max)}`,
    );
  if (seconds <= max) return undefined;
  const problem =
    `permission set ${found.name} has the session duration ${written ?? isoDuration(seconds)}, longer than durations.max ${formatDuration(max)}: ` +
    `sessions already started last up to ${formatDuration(seconds)} after the access is removed`;
  if (max < MIN_SESSION_SECONDS) {
    const accept = 'raise durations.max to 1h, or accept that sessions outlast the access by up to 1h';
    return warn(
      name,
      problem,
      seconds > MIN_SESSION_SECONDS
        ? `shorten the permission set's session duration to PT1H, the shortest AWS allows; then ${accept}`
        : `AWS allows no session duration shorter than 1h (PT1H): ${accept}`,
    );
  }
  return warn(
    name,
    problem,
    `shorten the permission set's session duration to <= ${formatDuration(max)} ` +
      `(aws sso-admin update-permission-set --instance-arn ${settings.instanceArn} --permission-set-arn ${target.permissionSetArn} --session-duration ${isoDuration(max)}, ` +
      `or in the IAM Identity Center console: Permission sets > ${found.name} > Edit)`,
  );
}

/** The connector role refuses assignments in the organization's management account, by design. */
function managementLine(target: AwsSsoPermissionSetTarget, instance: InstanceFound): CheckLine | undefined {
  if (instance.ownerAccountId === undefined || instance.ownerAccountId !== target.accountId) return undefined;
  return fail(
    `${NAME} target ${target.id}: account`,
    `${target.accountId} is the organization's management account (it owns the Identity Center instance): ` +
      `the connector role (${MODULE}) refuses assignments there, by design (see that module's README)`,
    'remove the target, or grant that access another way',
  );
}

async function targetLines(
  targets: readonly IdentityCenterTarget[],
  instance: InstanceFound,
  checks: IdentityCenterChecks,
  settings: IdentityCenterSettings,
  ms: number,
): Promise<CheckLine[]> {
  // One call per permission set or group, however many targets name it.
  const permissionSets = new Map<string, Promise<PermissionSetFound | CheckFailure>>();
  const groups = new Map<string, Promise<GroupFound | CheckFailure>>();
  for (const target of targets) {
    if (target.kind === 'aws-sso-group') {
      if (!groups.has(target.groupId))
        groups.set(target.groupId, timed(checks.describeGroup(target.groupId), ms, settings));
    } else if (!permissionSets.has(target.permissionSetArn)) {
      const described = timed(checks.describePermissionSet(target.permissionSetArn), ms, settings);
      permissionSets.set(target.permissionSetArn, described);
    }
  }
  const lines: CheckLine[] = [];
  for (const target of targets) {
    if (target.kind === 'aws-sso-group') {
      const found = await groups.get(target.groupId);
      if (found === undefined) continue;
      lines.push(
        found.ok
          ? pass(targetName(target), `${found.name} (${target.groupId}) exists`)
          : fromResult(targetName(target), found),
      );
      continue;
    }
    const found = await permissionSets.get(target.permissionSetArn);
    if (found === undefined) continue;
    if (found.ok) {
      const duration = found.sessionDuration ? ` (session duration ${found.sessionDuration})` : '';
      lines.push(pass(targetName(target), `${found.name} exists${duration}`));
      const session = sessionLine(target, found, settings);
      if (session) lines.push(session);
    } else {
      lines.push(fromResult(targetName(target), found));
    }
    const management = managementLine(target, instance);
    if (management) lines.push(management);
  }
  return lines;
}

/** Where the backstop schedules are, when that is not where the account's other schedules are. */
function schedulerLines(catalog: Catalog, settings: IdentityCenterSettings): CheckLine[] {
  const lines: CheckLine[] = [];
  const account = findAccount(catalog, settings.account);
  if (account?.schedulerRoleArn && account.region !== settings.region)
    lines.push(
      pass(
        `${NAME}: scheduler role`,
        `${account.schedulerRoleArn}; the Identity Center backstop schedules live in ${settings.region} (identityCenter.region), not in ${account.region}`,
      ),
    );
  const backstop = identityCenterBackstopWarning(catalog);
  if (backstop) lines.push(warn(`${NAME}: backstop`, backstop.problem, backstop.fix));
  return lines;
}

function skipped(targets: readonly IdentityCenterTarget[], reason: string): CheckLine[] {
  return [
    skip(`${NAME}: instance`, reason),
    skip(`${NAME}: identity store`, reason),
    ...targets.map((target) => skip(targetName(target), reason)),
  ];
}

/**
 * ListInstances finds the catalog's instance (and its owner: the management account), then the
 * identity store answers, and DescribePermissionSet or DescribeGroup for every target, as the
 * connector role of identityCenter.account in Identity Center's home region. `assumed` is that
 * role's check from the per-account lines: it is not repeated here.
 */
export async function checkIdentityCenter(
  catalog: Catalog,
  connector: Pick<AwsConnector, 'clientsFor'>,
  assumed: (account: Account) => Promise<CheckResult>,
  timeoutMs: number,
): Promise<CheckLine[]> {
  const settings = catalog.identityCenter;
  if (settings === undefined) return [];
  const account = identityCenterAccount(catalog, settings);
  const targets = targetsOf(catalog);
  const tail = schedulerLines(catalog, settings);
  const role = await assumed(account);
  if (!role.ok) {
    const reason = `not checked: needs the connector role of ${account.id} (see "aws ${account.id} (${account.accountId}): assume connector role")`;
    return [...skipped(targets, reason), ...tail];
  }
  const checks = createIdentityCenterChecks(connector, settings, account);
  const instance = await timed(checks.findInstance(), timeoutMs, settings);
  const instanceLine = fromResult(
    `${NAME}: instance`,
    instance,
    `${settings.instanceArn} in ${settings.region}, identity store ${settings.identityStoreId}`,
  );
  if (!instance.ok) {
    const [, ...rest] = skipped(targets, 'not checked: needs the instance');
    return [instanceLine, ...rest, ...tail];
  }
  const [store, perTarget] = await Promise.all([
    timed(checks.checkIdentityStore(), timeoutMs, settings),
    targetLines(targets, instance, checks, settings, timeoutMs),
  ]);
  return [
    instanceLine,
    fromResult(`${NAME}: identity store`, store, `${settings.identityStoreId} answers`),
    ...perTarget,
    ...tail,
  ];
}
