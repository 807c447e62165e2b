/**
 * Reads a role's trust policy for what EventBridge Scheduler needs: a statement that lets
 * scheduler.amazonaws.com assume the role, with its aws:SourceArn / aws:SourceAccount conditions
 * (infra/policies/scheduler-trust.json) admitting jitbot's schedule group in the expected region.
 */

const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

interface Statement {
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly Condition?: unknown;
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function admitsScheduler(statement: Statement): boolean {
  const services = list(record(statement.Principal).Service);
  const actions = list(statement.Action).map((action) => action.toLowerCase());
  return (
    statement.Effect === 'Allow' &&
    services.includes(SCHEDULER_SERVICE) &&
    actions.some((action) => action === 'sts:assumerole' || action === 'sts:*' || action === '*')
  );
}

/** IAM's `*` and `?` in StringLike / ArnLike. */
function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/** The values a condition key must have in a statement, per operator kind; other keys are not judged. */
function conditionValues(statement: Statement, key: string): { equals: string[]; like: string[] } {
  const equals: string[] = [];
  const like: string[] = [];
  for (const [operator, block] of Object.entries(record(statement.Condition))) {
    const name = operator.replace(/IfExists$/, '');
    for (const [conditionKey, value] of Object.entries(record(block))) {
      if (conditionKey.toLowerCase() !== key.toLowerCase()) continue;
      if (name === 'StringEquals' || name === 'ArnEquals') equals.push(...list(value));
      if (name === 'StringLike' || name === 'ArnLike') like.push(...list(value));
    }
  }
  return { equals, like };
}

function conditionAdmits(statement: Statement, key: string, actual: string): boolean {
  const { equals, like } = conditionValues(statement, key);
  return (
    (equals.length === 0 || equals.includes(actual)) &&
    (like.length === 0 || like.some((pattern) => globMatches(pattern, actual)))
  );
}

export interface TrustFinding {
  /** Whether a schedule in `groupArn` may assume the role. */
  readonly admitted: boolean;
  /** Whether any statement lets EventBridge Scheduler assume it at all. */
  readonly schedulerTrusted: boolean;
  /** The schedule groups the Scheduler statements name in aws:SourceArn, for the message. */
  readonly sourceArns: string[];
}

/** `document` is the role's AssumeRolePolicyDocument, as IAM returns it (URL-encoded JSON). */
export function readSchedulerTrust(document: string, groupArn: string, accountId: string): TrustFinding {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeURIComponent(document));
  } catch {
    return { admitted: false, schedulerTrusted: false, sourceArns: [] };
  }
  const raw = record(parsed).Statement;
  const statements = (Array.isArray(raw) ? raw : [raw]).map(record) as Statement[];
  const forScheduler = statements.filter(admitsScheduler);
  return {
    admitted: forScheduler.some(
      (statement) =>
        conditionAdmits(statement, 'aws:SourceArn', groupArn) &&
        conditionAdmits(statement, 'aws:SourceAccount', accountId),
    ),
    schedulerTrusted: forScheduler.length > 0,
    sourceArns: [
      ...new Set(
        forScheduler.flatMap((statement) => {
          const { equals, like } = conditionValues(statement, 'aws:SourceArn');
          return [...equals, ...like];
        }),
      ),
    ],
  };
}
