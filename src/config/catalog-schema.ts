import { z } from 'zod';
import { DURATION_FORMAT_HINT, formatDuration, parseDuration } from '../domain/duration.js';
import { regionPartition } from '../domain/partition.js';
import { generatedPolicyFields } from './catalog-generated-policy.js';

/**
 * The shape of the catalog as written in YAML, after `${VAR}` substitution. Every object is
 * strict because a misspelt key in an access policy must fail loudly, not be ignored.
 * Messages are predicates ("must be ...") that the error formatter puts after the path and,
 * when it is safe to show, the offending value; they never contain the value themselves.
 * Rules that compare several values (references, ordering, counts) live in catalog-checks.ts.
 */

export const ROLE_ARN = /^arn:aws(?:-us-gov|-cn)?:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/**
 * A customer managed policy under the path /jit/: the only policies jitbot's roles may attach
 * (infra/policies), so that a catalog edit alone can never hand out AdministratorAccess.
 */
export const JIT_POLICY_ARN =
  /^arn:aws(?:-us-gov|-cn)?:iam::(\d{12}):policy\/jit\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
/**
 * An SQS queue for the backstop schedules' failed runs (EventBridge Scheduler's own pattern for a
 * dead-letter queue: no FIFO queues, whose names end in .fifo).
 */
export const DEAD_LETTER_ARN =
  /^arn:aws(?:-us-gov|-cn)?:sqs:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:[\w-]{1,80}$/;
const SUPPORTED_PARTITIONS = 'aws (commercial), aws-us-gov (GovCloud) and aws-cn (China)';
export const USER_MAPPING_RULES = ['email', 'email-local-part'] as const;
/**
 * IAM Identity Center ARNs have no region and no account. The instance id follows AWS's own
 * pattern, `(sso)?ins-` and 16 of `[a-zA-Z0-9-.]`, looser than the ssoins- and 16 hex digits that
 * real instances have, so that no instance AWS accepts is refused here. Groups: partition, id.
 */
export const INSTANCE_ARN = /^arn:(aws|aws-us-gov|aws-cn):sso:::instance\/((?:sso)?ins-[a-zA-Z0-9.-]{16})$/;
/** A permission set ARN names its instance: groups partition, instance id. */
export const PERMISSION_SET_ARN =
  /^arn:(aws|aws-us-gov|aws-cn):sso:::permissionSet\/((?:sso)?ins-[a-zA-Z0-9.-]{16})\/ps-[a-zA-Z0-9./-]{16}$/;

const catalogId = z
  .string()
  .regex(/^[a-z0-9-]{1,40}$/, 'must be 1-40 lowercase letters, digits or -, e.g. prod-admin');

const slackUserId = z
  .string()
  .regex(
    /^[UW][A-Z0-9]{2,}$/,
    "must be a Slack user id like U0123ABCD (in Slack: the person's profile > Copy member ID)",
  );

const slackUserGroupId = z
  .string()
  .regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group id like S0123ABCD, not its @handle');

const slackChannelId = z
  .string()
  .regex(
    /^[CG][A-Z0-9]{2,}$/,
    'must be a Slack channel id like C0123ABCD (channel details > About), not its #name',
  );

/**
 * What follows the @ of an email address: dot-separated labels of letters, digits and -, with a
 * top-level label that starts with a letter. No @, no wildcard: domains are matched exactly.
 */
const emailDomain = z
  .string()
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/i,
    'must be a domain name like example.com, without @ or *: only emails in exactly this domain are accepted',
  );

/** A duration in whole seconds; below `floor`, refused with the floor's reason. */
const durationOf = (floor?: { readonly seconds: number; readonly why: string }) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? undefined
          : `must be a duration with a unit; write ${DURATION_FORMAT_HINT}`,
    })
    .transform((text, context) => {
      const seconds = parseDuration(text);
      if (seconds === undefined) {
        context.addIssue({
          code: 'custom',
          input: text,
          message: `is not a duration; write ${DURATION_FORMAT_HINT}`,
        });
        return z.NEVER;
      }
      if (floor === undefined || seconds >= floor.seconds) return seconds;
      const message = `is shorter than ${formatDuration(floor.seconds)}; ${floor.why}`;
      context.addIssue({ code: 'custom', input: text, message });
      return z.NEVER;
    });

const duration = durationOf();

/** Each run reads every target's holders from AWS and Okta: more often would only spend their rate limits. */
const reconcileInterval = durationOf({
  seconds: 60,
  why: "each run reads every target's members from AWS and Okta, so write 1m or more",
});

/**
 * Who may hold a target without a grant: IAM user names, Okta logins or Identity Center user
 * names. A stray space would never match, and with onDrift: remove would cost that member the access.
 */
const standingMember = z
  .string()
  .regex(
    /^\S(?:.*\S)?$/,
    'must be an IAM user name, Okta login or Identity Center user name, not empty and without spaces around it',
  );

const roleArn = z
  .string()
  .regex(ROLE_ARN, 'must be an IAM role ARN like arn:aws:iam::123456789012:role/jitbot-connector');

const iamName = (what: string, max: number) =>
  z
    .string()
    .regex(
      new RegExp(`^[\\w+=,.@-]{1,${max}}$`),
      `must be an IAM ${what} name: 1-${max} letters, digits or +=,.@_-`,
    );

const userMappingRule = z.enum(USER_MAPPING_RULES, { error: 'must be email or email-local-part' });

const userMapping = z.union(
  [
    userMappingRule,
    z.strictObject({
      explicit: z.record(
        z
          .string()
          .regex(
            /^(?:[UW][A-Z0-9]{2,}|[^\s@]+@[^\s@]+)$/,
            'must be an email address or a Slack user id (U…)',
          ),
        iamName('user', 64),
      ),
      otherwise: userMappingRule.optional(),
    }),
  ],
  {
    error: 'must be email, email-local-part, or explicit: with "email or Slack user id": IAM user name pairs',
  },
);

const awsAccountId = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : 'must be in quotes, e.g. accountId: "012345678901": YAML reads bare digits as a number and drops leading zeros',
  })
  .regex(/^\d{12}$/, 'must be exactly 12 digits, e.g. "123456789012"');

/**
 * A region of a partition jitbot runs in. The partition decides every ARN and endpoint jitbot
 * uses for the account, so a region of no partition, or of one jitbot does not support, is refused.
 */
const awsRegion = z
  .string()
  .regex(/^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/, { message: 'must be an AWS region like us-east-1', abort: true })
  .superRefine((region, context) => {
    const found = regionPartition(region);
    if (found !== undefined && 'partition' in found) return;
    const message =
      found === undefined
        ? `is not a region of any partition jitbot supports (${SUPPORTED_PARTITIONS}); write one such as us-east-1, us-gov-west-1 or cn-north-1`
        : `is a region of the partition ${found.unsupported}, which jitbot does not support: it supports ${SUPPORTED_PARTITIONS}`;
    context.addIssue({ code: 'custom', input: region, message });
  });

const account = z.strictObject({
  id: catalogId,
  name: z.string().min(1, 'must not be empty; remove it to use the id').optional(),
  accountId: awsAccountId,
  region: awsRegion,
  connectorRoleArn: roleArn,
  externalId: z
    .string()
    .regex(
      /^[\w+=,.@:/-]{2,1224}$/,
      'must be 2-1224 letters, digits or +=,.@:/_- (the AWS rules for an external id)',
    ),
  schedulerRoleArn: roleArn.optional(),
  deadLetterArn: z
    .string()
    .regex(
      DEAD_LETTER_ARN,
      'must be the ARN of a standard SQS queue, like arn:aws:sqs:us-east-1:123456789012:jitbot-backstop-dlq (partition, region, 12-digit account id, queue name of letters, digits, - or _; EventBridge Scheduler cannot use a FIFO queue)',
    )
    .optional(),
  userMapping,
});

const okta = z.strictObject({
  orgUrl: z.string().refine(isHttpUrl, 'must be an http(s) URL like https://example.okta.com'),
  token: z.string().min(1, 'must not be empty'),
  userMatch: z.enum(['login', 'email'], { error: 'must be login or email' }).default('login'),
});

/** The account is checked against accounts[] in catalog-identity-center.ts, like a target's account. */
const identityCenter = z.strictObject({
  account: z.string(),
  instanceArn: z
    .string()
    .regex(
      INSTANCE_ARN,
      'must be an IAM Identity Center instance ARN like arn:aws:sso:::instance/ssoins-1234567890abcdef (partition aws, aws-us-gov or aws-cn; ssoins- or ins- and 16 letters, digits, - or .): aws sso-admin list-instances shows it',
    ),
  identityStoreId: z
    .string()
    .regex(
      /^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      'must be an identity store id: d- and 10 hex digits like d-1234567890, or a UUID (aws sso-admin list-instances shows it)',
    ),
  region: awsRegion.optional(),
  userMatch: z.enum(['userName', 'email'], { error: 'must be userName or email' }).default('userName'),
  portalUrl: z
    .string()
    .refine(isHttpsUrl, 'must be an https URL like https://example.awsapps.com/start (the AWS access portal)')
    .optional(),
});

/** AWS's GroupId pattern: a UUID, which real stores may prefix with 10 hex digits and -. */
const identityStoreGroupId = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required: the id of the Identity Store group that grants the access (a UUID)'
        : undefined,
  })
  .regex(
    /^(?:[0-9a-f]{10}-)?[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/,
    'must be an Identity Store group id like 9a67a5c2-0000-0000-0000-000000000000 (a UUID, which may follow 10 hex digits and -), not its name: aws identitystore list-groups shows it',
  );

const principals = {
  users: z.array(slackUserId).default([]),
  userGroups: z.array(slackUserGroupId).default([]),
};

const targetFields = {
  id: catalogId,
  name: z.string().min(1, 'must not be empty; remove it to use the id').optional(),
  description: z.string().optional(),
  durations: z.strictObject({ default: duration, max: duration }),
  approvers: z
    .strictObject({
      ...principals,
      required: z.int({ error: 'must be a whole number, 1 or more' }).min(1, 'must be 1 or more').default(1),
    })
    .optional(),
  selfApproval: z.boolean().default(false),
  breakglass: z.boolean().default(false),
  autoApprove: z.strictObject({ maxDuration: duration }).optional(),
  approvalChannel: slackChannelId.optional(),
  requesters: z.strictObject(principals).optional(),
  standingMembers: z.array(standingMember).default([]),
  onDrift: z
    .enum(['alert', 'remove'], {
      error: 'must be alert (report standing access in adminChannel) or remove (take it away at once)',
    })
    .default('alert'),
};

const target = z.discriminatedUnion('kind', [
  z.strictObject({
    ...targetFields,
    kind: z.literal('aws-iam-group'),
    account: z.string(),
    group: iamName('group', 128),
  }),
  z.strictObject({
    ...targetFields,
    kind: z.literal('aws-iam-policy'),
    account: z.string(),
    policyArn: z
      .string()
      .regex(
        JIT_POLICY_ARN,
        "must be the ARN of a customer managed policy under the path /jit/, like arn:aws:iam::123456789012:policy/jit/read-logs: jitbot's roles may attach no other policy",
      ),
  }),
  z.strictObject({ ...targetFields, kind: z.literal('aws-iam-generated-policy'), ...generatedPolicyFields }),
  z.strictObject({
    ...targetFields,
    kind: z.literal('okta-group'),
    groupId: z
      .string()
      .regex(/^00g[A-Za-z0-9]+$/, 'must be an Okta group id like 00g1abcd2EFGH3ijk4x5, not its name'),
  }),
  z.strictObject({
    ...targetFields,
    kind: z.literal('aws-sso-permission-set'),
    permissionSetArn: z
      .string()
      .regex(
        PERMISSION_SET_ARN,
        'must be a permission set ARN like arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef, not its name: aws sso-admin list-permission-sets lists them',
      ),
    accountId: awsAccountId,
  }),
  z.strictObject({ ...targetFields, kind: z.literal('aws-sso-group'), groupId: identityStoreGroupId }),
]);

const atLeastOne = z.int({ error: 'must be a whole number, 1 or more' }).min(1, 'must be 1 or more');

/** Per requester; cancelled requests count, since each one asked the approvers. */
const requestRateLimit = z.strictObject(
  { requests: atLeastOne.default(10), per: duration.prefault('10m') },
  {
    // Only for a value that is not a mapping: an unknown key gets the usual "did you mean".
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'must be requests: and per:, e.g. { requests: 10, per: 10m }'
        : undefined,
  },
);

export const catalogSchema = z.strictObject({
  settings: z.strictObject({
    adminChannel: slackChannelId,
    expiryWarning: duration.prefault('15m'),
    approvalTimeout: duration.prefault('24h'),
    approvalReminder: duration.optional(),
    admins: z.strictObject(principals).optional(),
    requestRateLimit: requestRateLimit.prefault({}),
    maxPendingRequests: atLeastOne.default(5),
    reconcileInterval: reconcileInterval.prefault('15m'),
    allowedEmailDomains: z
      .array(emailDomain)
      .min(1, 'must list at least one domain, e.g. [example.com]; remove the key to accept any')
      .optional(),
  }),
  accounts: z.array(account).default([]),
  okta: okta.optional(),
  identityCenter: identityCenter.optional(),
  targets: z.array(target).min(1, 'must list at least one target'),
});

export type RawCatalog = z.output<typeof catalogSchema>;
export type RawAccount = RawCatalog['accounts'][number];
export type RawTarget = RawCatalog['targets'][number];
export type RawIdentityCenter = NonNullable<RawCatalog['identityCenter']>;

function isHttpUrl(text: string): boolean {
  return isUrlWith(text, ['https:', 'http:']);
}

/** Shown to requesters as a link, so never plain http. */
function isHttpsUrl(text: string): boolean {
  return isUrlWith(text, ['https:']);
}

function isUrlWith(text: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}
