import type { Catalog } from '../domain/catalog.js';
import type { Path, Problem, Redaction } from './catalog-problems.js';
import { INSTANCE_ARN, PERMISSION_SET_ARN, ROLE_ARN } from './catalog-schema.js';
import type { Data } from './catalog-target-checks.js';

/**
 * The rules of the identityCenter section and its two target kinds that relate several values:
 * the account it is called through, one partition, one instance. Like catalog-checks.ts they read
 * the unvalidated data and skip what the schema reports as malformed.
 *
 * Not checked here: whether a permission set target's accountId is the organization's management
 * account, where the connector role is denied assignments (infra identity-center-connector). The
 * catalog cannot know which account that is; the provider and `jitbot doctor` say so.
 */

/** What the targets are checked against: the section as written, when there is one. */
export interface IdentityCenterContext {
  readonly present: boolean;
  /** From a well-formed instanceArn only. */
  readonly instance?: { readonly partition: string; readonly id: string; readonly hidden: boolean };
}

export interface AccountReference {
  readonly id: string;
  /** What may be shown: an id that came from the environment is listed as its `${VAR}`. */
  readonly written: string;
  readonly fields: Data;
  readonly index: number;
}

const SECTION: Path = ['identityCenter'];

export function identityCenterContext(
  section: Data | undefined,
  redaction: Redaction,
): IdentityCenterContext {
  if (section === undefined) return { present: false };
  const arn = section.instanceArn;
  const match = typeof arn === 'string' ? INSTANCE_ARN.exec(arn) : null;
  const [, partition, id] = match ?? [];
  if (partition === undefined || id === undefined) return { present: true };
  return { present: true, instance: { partition, id, hidden: redaction.hides([...SECTION, 'instanceArn']) } };
}

export function checkIdentityCenter(
  section: Data | undefined,
  accounts: readonly AccountReference[],
  redaction: Redaction,
): Problem[] {
  const name = section?.account;
  if (section === undefined || typeof name !== 'string') return [];
  const at = [...SECTION, 'account'];
  const account = accounts.find(({ id }) => id === name);
  if (account !== undefined) return partitionProblems(section, account, redaction);
  const known =
    accounts.length === 0
      ? 'there are no accounts: add the Identity Center account under accounts:'
      : `the accounts are: ${accounts.map(({ written }) => written).join(', ')}`;
  const message = `no account with id ${redaction.subject(at, name)}; ${known} (jitbot calls Identity Center with that account's connector role)`;
  return [{ path: at, message }];
}

/** jitbot calls Identity Center with the account's connector role, so both are in one partition. */
function partitionProblems(section: Data, account: AccountReference, redaction: Redaction): Problem[] {
  const instance = identityCenterContext(section, redaction).instance;
  const role = account.fields.connectorRoleArn;
  const roles = typeof role === 'string' ? partitionOf(role, ROLE_ARN) : undefined;
  if (instance === undefined || roles === undefined || roles === instance.partition) return [];
  const roleHidden = redaction.hides(['accounts', account.index, 'connectorRoleArn']);
  const which =
    instance.hidden || roleHidden
      ? `is in another partition than the roles of account ${account.written}`
      : `is in the partition ${instance.partition}, but the roles of account ${account.written} are in ${roles}`;
  const message = `${which}; jitbot calls Identity Center with that account's connector role, so both must be in one partition: correct instanceArn or identityCenter.account`;
  return [{ path: [...SECTION, 'instanceArn'], message }];
}

export function checkIdentityCenterTarget(
  target: Data | undefined,
  path: Path,
  context: IdentityCenterContext,
  redaction: Redaction,
): Problem[] {
  const kind = target?.kind;
  if (kind !== 'aws-sso-permission-set' && kind !== 'aws-sso-group') return [];
  if (!context.present) {
    const message = `${kind} targets need the identityCenter section; add identityCenter: with account, instanceArn and identityStoreId (see examples/jitbot.yaml)`;
    return [{ path: [...path, 'kind'], message }];
  }
  const arn = target?.permissionSetArn;
  if (typeof arn !== 'string' || context.instance === undefined) return [];
  return permissionSetInstance(arn, [...path, 'permissionSetArn'], context.instance, redaction);
}

/** Identity Center assigns only its own instance's permission sets. */
function permissionSetInstance(
  arn: string,
  at: Path,
  instance: NonNullable<IdentityCenterContext['instance']>,
  redaction: Redaction,
): Problem[] {
  const [, partition, id] = PERMISSION_SET_ARN.exec(arn) ?? [];
  if (partition === undefined || id === undefined) return [];
  const shown = !redaction.hides(at) && !instance.hidden;
  if (partition !== instance.partition) {
    const which = shown
      ? `is in the partition ${partition}, but identityCenter.instanceArn is in ${instance.partition}`
      : 'is in another partition than identityCenter.instanceArn';
    return [{ path: at, message: `${which}; use a permission set of that instance` }];
  }
  if (id === instance.id) return [];
  const which = shown
    ? `is a permission set of instance ${id}, but identityCenter.instanceArn is instance ${instance.id}`
    : 'is a permission set of another instance than identityCenter.instanceArn';
  const message = `${which}; Identity Center assigns only its own permission sets: use one of that instance (aws sso-admin list-permission-sets), or correct instanceArn`;
  return [{ path: at, message }];
}

function partitionOf(arn: string, pattern: RegExp): string | undefined {
  return pattern.test(arn) ? /^arn:([\w-]+):/.exec(arn)?.[1] : undefined;
}

/**
 * The start-up and doctor warning for Identity Center grants without a backstop: every one of
 * them, in whichever account, is undone by a schedule in the Identity Center account, with its
 * scheduler role. Undefined when it does not apply.
 */
export function identityCenterBackstopWarning(
  catalog: Catalog,
): { problem: string; fix: string } | undefined {
  const name = catalog.identityCenter?.account;
  const account = catalog.accounts.find(({ id }) => id === name);
  if (account === undefined || account.schedulerRoleArn !== undefined) return undefined;
  return {
    problem:
      `identityCenter.account ${account.id} has no schedulerRoleArn, so Identity Center grants (aws-sso-permission-set ` +
      'and aws-sso-group targets) have no EventBridge Scheduler backstop: if jitbot is down at expiry, access stays until it is back',
    fix: `deploy the scheduler role of infra/terraform/modules/identity-center-connector in that account and set schedulerRoleArn on account ${account.id} in the catalog`,
  };
}
