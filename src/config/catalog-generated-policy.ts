import { z } from 'zod';
import { field } from '../errors.js';
import type { Path, Problem } from './catalog-problems.js';
import type { Data, TargetContext } from './catalog-target-checks.js';

/**
 * The catalog side of aws-iam-generated-policy targets: the shape of their bounds, and the rules
 * that relate the bounds to each other and to the target's account. Whether each action pattern
 * names real actions needs the action data, so it is checked after loading, in
 * catalog-generated-policy-actions.ts.
 */

/** `service:Action`, wildcards in the action part only: the patterns policy/action-data reads. */
const ACTION_PATTERN = /^[A-Za-z0-9-]+:[A-Za-z0-9*?-]+$/;
/** Groups: partition, service, region, account, resource. The account field may be empty (S3). */
const RESOURCE_ARN = /^arn:([a-z-]+):([a-z0-9-]+):([^:\s]*):([^:\s]*):(\S+)$/;

const RANGE =
  'must be a whole number from 1 to 100: the most actions one request may hold once wildcards are expanded (default 25)';

const actionPattern = z
  .string()
  // Aborts: "*" would otherwise also be told the shape of an action, which is not its problem.
  .regex(/^[A-Za-z0-9-]+:/, {
    message: 'must name a service, e.g. s3:Get*: a pattern across every service is never least privilege',
    abort: true,
  })
  .regex(
    ACTION_PATTERN,
    'must be service:Action, the action in letters and digits with * or ? as wildcards, e.g. s3:GetObject or s3:Get*',
  );

const resourcePattern = z
  .string()
  // IAM fills ${...} from each call's context: what is allowed would not be what was written.
  .refine((text) => !text.includes('${'), {
    message:
      'must not hold an IAM policy variable (a $ and a name in braces): IAM fills it in at each call, so the bounds would not be what the catalog says',
    abort: true,
  })
  .refine(
    (text) => text === '*' || RESOURCE_ARN.test(text),
    'must be an ARN, arn:<partition>:<service>:<region>:<account>:<resource> with * or ? as wildcards, e.g. arn:aws:s3:::team-a-*, or "*" alone for every resource',
  );

/** The keys of an aws-iam-generated-policy target besides the common ones. */
export const generatedPolicyFields = {
  account: z.string(),
  allow: z.strictObject({
    actions: z.array(actionPattern).min(1, 'must list at least one action pattern, e.g. ["s3:Get*"]'),
    resources: z
      .array(resourcePattern)
      .min(1, 'must list at least one resource ARN pattern, e.g. ["arn:aws:s3:::team-a-*"], or ["*"]'),
  }),
  deny: z.strictObject({ actions: z.array(actionPattern) }).optional(),
  maxActions: z.int({ error: RANGE }).min(1, RANGE).max(100, RANGE).default(25),
};

type AccountFacts = TargetContext['accountIds'][number];

/**
 * Each resource in allow must be of a service the actions name, in the account's partition, and
 * in the target's own account when the ARN has an account field: the bounds never reach another
 * account. Reads unvalidated data and skips what the schema reports as malformed.
 */
export function checkGeneratedPolicyTarget(
  target: Data | undefined,
  path: Path,
  { accountIds, redaction }: TargetContext,
): Problem[] {
  if (target?.kind !== 'aws-iam-generated-policy') return [];
  // A missing account is reported with the other kinds' references (catalog-target-checks.ts).
  const account = accountIds.find(({ id }) => id === target.account);
  const resources = field(target.allow, 'resources');
  const services = actionServices(field(target.allow, 'actions'));
  if (!Array.isArray(resources)) return [];
  return resources.flatMap((resource: unknown, index) => {
    const match = typeof resource === 'string' ? RESOURCE_ARN.exec(resource) : null;
    const [, partition, service, , accountField] = match ?? [];
    if (partition === undefined || service === undefined || accountField === undefined) return [];
    const at = [...path, 'allow', 'resources', index];
    const arn = { at, hidden: redaction.hides(at), subject: redaction.subject(at, resource) };
    return [
      ...serviceProblems(arn, service, services),
      ...(account === undefined
        ? []
        : [...partitionProblems(arn, partition, account), ...accountProblems(arn, accountField, account)]),
    ];
  });
}

interface Arn {
  readonly at: Path;
  /** Whether the ARN came from the environment, and so is never shown. */
  readonly hidden: boolean;
  readonly subject: string | undefined;
}

/** The lower-case services of the action patterns, or undefined when they are not a list. */
function actionServices(actions: unknown): ReadonlySet<string> | undefined {
  if (!Array.isArray(actions)) return undefined;
  const services = actions.flatMap((action: unknown) => {
    const service = typeof action === 'string' ? /^([A-Za-z0-9-]+):/.exec(action)?.[1] : undefined;
    return service === undefined ? [] : [service.toLowerCase()];
  });
  return new Set(services);
}

/** A resource no allowed action can act on is a bound that means nothing, most likely a slip. */
function serviceProblems(arn: Arn, service: string, services: ReadonlySet<string> | undefined): Problem[] {
  if (services === undefined || services.has(service)) return [];
  const which = arn.hidden
    ? 'is an ARN of a service that allow.actions names no action of'
    : `${arn.subject} is an ARN of the service ${service}, but allow.actions names no ${service}: action`;
  return [{ path: arn.at, message: `${which}; add the actions it is for, or remove this resource` }];
}

/** The policy is created with the account's connector role, so it lives in that role's partition. */
function partitionProblems(arn: Arn, partition: string, account: AccountFacts): Problem[] {
  if (account.partition === undefined || account.partition === partition) return [];
  const shown = !arn.hidden && !account.partitionHidden;
  const which = shown
    ? `${arn.subject} is in the partition ${partition}, but account ${account.written} is in ${account.partition} (its connectorRoleArn)`
    : `is in another partition than account ${account.written} (its connectorRoleArn)`;
  const fix = shown ? `write arn:${account.partition}:…` : "use the account's partition";
  const message = `${which}; a policy there can name only resources of its own partition: ${fix}, or change account`;
  return [{ path: arn.at, message }];
}

/** An empty account field (S3 buckets) is fine; any other must be the target's account exactly. */
function accountProblems(arn: Arn, accountField: string, account: AccountFacts): Problem[] {
  const { awsAccountId } = account;
  if (accountField === '' || awsAccountId === undefined || accountField === awsAccountId) return [];
  if (/[*?]/.test(accountField)) {
    const subject = arn.hidden ? 'has' : `${arn.subject} has`;
    const id = account.awsAccountIdHidden ? '' : `, ${awsAccountId},`;
    const message = `${subject} a wildcard in its account field, so the bounds could reach other accounts; write the target's account id${id} there`;
    return [{ path: arn.at, message }];
  }
  const shown = !arn.hidden && !account.awsAccountIdHidden;
  const which = shown
    ? `${arn.subject} is in account ${accountField}, but the target's account ${account.written} is ${awsAccountId}`
    : `is in another account than the target's account ${account.written}`;
  const message = `${which}; the bounds may reach only the target's own account: use its id, or remove this resource`;
  return [{ path: arn.at, message }];
}
