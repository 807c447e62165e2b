import { z } from 'zod';
import { field } from '../errors.js';
import { closest, type Path, type Problem, type Redaction } from './catalog-problems.js';

/**
 * Turns zod issues into problems an operator can act on. Zod's own English messages are never
 * used: some of them describe the received value, and a received value may be a secret.
 */

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys to values',
  record: 'a mapping of keys to values',
};

/** What to do about a missing key, by key name: "is required" alone does not say what goes there. */
const REQUIRED_HINTS: Record<string, string> = {
  settings: 'add settings: with at least adminChannel (see examples/jitbot.yaml)',
  adminChannel: 'the Slack channel id (C…) where jitbot posts breakglass notices and alerts',
  accountId: 'the 12-digit AWS account id, in quotes',
  region: 'the AWS region jitbot calls, e.g. us-east-1',
  connectorRoleArn: 'the ARN of the role jitbot assumes in this account',
  externalId: `write externalId: \${JITBOT_EXTERNAL_ID_<ACCOUNT>} and set that variable to the external id in the connector role's trust policy`,
  userMapping: 'write email, email-local-part or explicit: to say which IAM user each Slack user is',
  orgUrl: 'the address of your Okta org, e.g. https://example.okta.com',
  token: `write token: \${OKTA_API_TOKEN} and set that variable to an Okta API token`,
  targets: 'list at least one target (see examples/jitbot.yaml)',
  durations: 'write durations: { default: 1h, max: 4h }',
  group: 'the name of the IAM group that grants the access',
  groupId: 'the id of the Okta group that grants the access (00g…)',
  policyArn: 'the ARN of the managed policy under /jit/ that grants the access',
  account: 'the id of one of the accounts',
  instanceArn:
    'the ARN of your IAM Identity Center instance, arn:aws:sso:::instance/ssoins-… (aws sso-admin list-instances shows it)',
  identityStoreId: 'the id of its identity store, d-… (aws sso-admin list-instances shows it)',
  permissionSetArn: 'the ARN of the permission set to assign, arn:aws:sso:::permissionSet/…',
  allow:
    'the bounds every request must fall inside: allow: { actions: ["s3:Get*"], resources: ["arn:aws:s3:::team-a-*"] }',
  actions: 'a list of IAM action patterns, service:Action, e.g. ["s3:Get*", "logs:FilterLogEvents"]',
  resources: 'a list of resource ARN patterns, e.g. ["arn:aws:s3:::team-a-*"], or ["*"]',
};

/** Parse-level error map: words for the generic issue kinds the schema leaves to it. */
export const catalogErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describeType(issue.input)}`;
    case 'unrecognized_keys':
      return unknownKeyLines(
        issue.keys,
        issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [],
      );
    case 'too_small':
      return issue.origin === 'array'
        ? `must list at least ${issue.minimum}`
        : `must be at least ${issue.minimum}`;
    default:
      return 'is not valid';
  }
};

/** One line per unknown key, in `keys` order; problemsFromZod splits them back apart. */
function unknownKeyLines(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((key) => {
      const suggestion = closest(key, known);
      if (suggestion !== undefined)
        return `unknown key ${JSON.stringify(key)}; did you mean ${JSON.stringify(suggestion)}?`;
      return `unknown key ${JSON.stringify(key)}; the keys allowed here are: ${known.join(', ')}`;
    })
    .join('\n');
}

export function problemsFromZod(issues: readonly z.core.$ZodIssue[], redaction: Redaction): Problem[] {
  return issues.flatMap((issue) => fromIssue(issue, issue.path.map(toPathPart), redaction));
}

function fromIssue(issue: z.core.$ZodIssue, path: Path, redaction: Redaction): Problem[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.message
        .split('\n')
        .map((message, index) => ({ path, message, anchor: [...path, issue.keys[index] ?? ''] }));
    case 'invalid_key':
      // Keys are never substituted or secret, so the key itself can always be shown.
      return issue.issues.map((inner) => ({
        path,
        message: `the key ${subjectOf(inner.input)} ${inner.message}`,
      }));
    case 'invalid_union':
      return fromUnion(issue, path, redaction);
    default:
      return [{ path, message: sentence(issue.message, path, issue.input, redaction) }];
  }
}

function fromUnion(issue: z.core.$ZodIssueInvalidUnion, path: Path, redaction: Redaction): Problem[] {
  if (issue.discriminator !== undefined) {
    const options = 'options' in issue ? (issue.options ?? []) : [];
    return [kindProblem(issue.discriminator, options.map(String), issue.input, path, redaction)];
  }
  // Report the inner problems of the one option the value evidently meant (an object meant the
  // object option); when no option is evidently meant, the union's own message says what fits.
  const meant = issue.errors.filter((branch) => !branch.some((inner) => isRootMismatch(inner)));
  const [only] = meant;
  if (meant.length === 1 && only !== undefined) {
    return only.flatMap((inner) => fromIssue(inner, [...path, ...inner.path.map(toPathPart)], redaction));
  }
  return [{ path, message: sentence(issue.message, path, issue.input, redaction) }];
}

function kindProblem(
  key: string,
  options: string[],
  input: unknown,
  path: Path,
  redaction: Redaction,
): Problem {
  const value = field(input, key);
  if (value === undefined)
    return { path, message: `is required: write ${key}: ${options.join(` or ${key}: `)}` };
  const suggestion =
    typeof value === 'string' && !redaction.hides(path) ? closest(value, options) : undefined;
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  const subject = redaction.subject(path, value) ?? 'it';
  return { path, message: `${subject} is not a ${key}${hint}; the ${key}s are: ${options.join(', ')}` };
}

function isRootMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

/** A message with the value it is about in front of it, when that value may be shown. */
function sentence(message: string, path: Path, input: unknown, redaction: Redaction): string {
  if (input === undefined) {
    // A schema names what is missing itself where one key means different things per kind (groupId).
    if (message.startsWith('is required: ')) return message;
    const key = path.at(-1);
    const hint = typeof key === 'string' ? REQUIRED_HINTS[key] : undefined;
    return hint === undefined ? 'is required' : `is required: ${hint}`;
  }
  const subject = redaction.subject(path, input);
  return subject === undefined ? message : `${subject} ${message}`;
}

function subjectOf(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return EXPECTED[typeof value] ?? typeof value;
}

function toPathPart(part: PropertyKey): string | number {
  return typeof part === 'number' ? part : String(part);
}
