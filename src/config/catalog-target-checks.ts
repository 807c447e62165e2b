import { formatDuration, parseDuration } from '../domain/duration.js';
import { type Path, type Problem, plural, type Redaction } from './catalog-problems.js';
import { JIT_POLICY_ARN } from './catalog-schema.js';

/**
 * The rules within one target that relate several of its values, plus its references to the
 * rest of the catalog. Like catalog-checks.ts they read unvalidated data and skip what the schema
 * reports as malformed.
 */

export type Data = Record<string, unknown>;

export interface TargetContext {
  /** `written` is what may be shown: an id that came from the environment is listed as its `${VAR}`. */
  readonly accountIds: readonly {
    readonly id: string;
    readonly written: string;
    /** The 12-digit AWS account id, when it is written as one. */
    readonly awsAccountId: string | undefined;
    /** Whether that id came from the environment, and so is never shown. */
    readonly awsAccountIdHidden: boolean;
    /** The partition of its connectorRoleArn, when that is a role ARN. */
    readonly partition: string | undefined;
    /** Whether connectorRoleArn came from the environment, and so its partition is never shown. */
    readonly partitionHidden: boolean;
  }[];
  readonly hasOkta: boolean;
  readonly redaction: Redaction;
}

export function checkTarget(target: Data | undefined, path: Path, context: TargetContext): Problem[] {
  if (target === undefined) return [];
  return [
    ...checkReference(target, path, context),
    ...checkDurations(target, path, context.redaction),
    ...checkApprovers(target, path, context.redaction),
    ...checkRequesters(target, path),
  ];
}

function checkReference(
  target: Data,
  path: Path,
  { accountIds, hasOkta, redaction }: TargetContext,
): Problem[] {
  if (target.kind === 'okta-group' && !hasOkta) {
    const message =
      'okta-group targets need the okta section; add okta: with orgUrl and token (see examples/jitbot.yaml)';
    return [{ path: [...path, 'kind'], message }];
  }
  const account = target.account;
  const isAws =
    target.kind === 'aws-iam-group' ||
    target.kind === 'aws-iam-policy' ||
    target.kind === 'aws-iam-generated-policy';
  if (!isAws || typeof account !== 'string') return [];
  const accountPath = [...path, 'account'];
  const found = accountIds.find(({ id }) => id === account);
  if (found) return checkPolicyAccount(target, path, found, redaction);
  const known =
    accountIds.length === 0
      ? 'there are no accounts: add one under accounts:'
      : `the accounts are: ${accountIds.map(({ written }) => written).join(', ')}`;
  return [
    { path: accountPath, message: `no account with id ${redaction.subject(accountPath, account)}; ${known}` },
  ];
}

/** A managed policy can be attached only to users of its own account. */
function checkPolicyAccount(
  target: Data,
  path: Path,
  account: TargetContext['accountIds'][number],
  redaction: Redaction,
): Problem[] {
  if (target.kind !== 'aws-iam-policy' || typeof target.policyArn !== 'string') return [];
  const policyAccount = JIT_POLICY_ARN.exec(target.policyArn)?.[1];
  const { awsAccountId } = account;
  if (policyAccount === undefined || awsAccountId === undefined || policyAccount === awsAccountId) return [];
  const arnPath = [...path, 'policyArn'];
  const shown = !redaction.hides(arnPath) && !account.awsAccountIdHidden;
  const which = shown
    ? `is a policy of account ${policyAccount}, but the target's account is ${awsAccountId}`
    : "is a policy of another account than the target's accountId";
  return [
    {
      path: arnPath,
      message: `${which}; IAM attaches a managed policy only to users of its own account: use that account's policy, or change account`,
    },
  ];
}

function checkDurations(target: Data, path: Path, redaction: Redaction): Problem[] {
  const durations = recordOf(target.durations);
  const max = secondsOf(durations?.max);
  if (max === undefined) return [];
  const problems: Problem[] = [];
  const defaultSeconds = secondsOf(durations?.default);
  if (defaultSeconds !== undefined && defaultSeconds > max) {
    const at = [...path, 'durations', 'default'];
    const limit = shownDuration(redaction, [...path, 'durations', 'max'], max);
    const message = `${redaction.subject(at, durations?.default)} is longer than durations.max${limit}; shorten it or raise max`;
    problems.push({ path: at, message });
  }
  const autoApprove = recordOf(target.autoApprove);
  const autoSeconds = secondsOf(autoApprove?.maxDuration);
  if (autoSeconds !== undefined && autoSeconds > max) {
    const at = [...path, 'autoApprove', 'maxDuration'];
    const limit = shownDuration(redaction, [...path, 'durations', 'max'], max);
    const message = `${redaction.subject(at, autoApprove?.maxDuration)} is longer than durations.max${limit}; a request can never be that long, so shorten it`;
    problems.push({ path: at, message });
  }
  return problems;
}

function checkApprovers(target: Data, path: Path, redaction: Redaction): Problem[] {
  if (target.breakglass !== undefined && typeof target.breakglass !== 'boolean') return [];
  if (target.approvers !== undefined && recordOf(target.approvers) === undefined) return [];
  const approvers = recordOf(target.approvers);
  const users = countOf(approvers?.users);
  const groups = countOf(approvers?.userGroups);
  if (users === undefined || groups === undefined) return [];
  const at = [...path, 'approvers'];
  if (users + groups === 0) {
    if (target.breakglass === true) return [];
    const what = approvers === undefined ? 'is required' : 'lists nobody';
    const message = `${what}: list the Slack users or userGroups who approve requests, or set breakglass: true for a breakglass-only target`;
    return [{ path: at, message }];
  }
  const required = approvers?.required;
  if (groups > 0 || typeof required !== 'number' || required <= users) return [];
  const message = `${redaction.subject([...at, 'required'], required)} is more than the ${plural(users, 'user')} listed, so no request could be approved; lower required or add approvers`;
  return [{ path: [...at, 'required'], message }];
}

function checkRequesters(target: Data, path: Path): Problem[] {
  const requesters = recordOf(target.requesters);
  if (requesters === undefined) return [];
  const users = countOf(requesters.users);
  const groups = countOf(requesters.userGroups);
  if (users !== 0 || groups !== 0) return [];
  const message =
    'lists nobody, so nobody could request this target; list users or userGroups, or remove requesters to let anyone request';
  return [{ path: [...path, 'requesters'], message }];
}

function shownDuration(redaction: Redaction, path: Path, seconds: number): string {
  return redaction.hides(path) ? '' : ` (${formatDuration(seconds)})`;
}

function secondsOf(value: unknown): number | undefined {
  return typeof value === 'string' ? parseDuration(value) : undefined;
}

/** How many entries a list has: 0 when absent, undefined when it is not a list (the schema reports that). */
function countOf(value: unknown): number | undefined {
  if (value === undefined) return 0;
  return Array.isArray(value) ? value.length : undefined;
}

export function recordOf(value: unknown): Data | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : undefined;
}
