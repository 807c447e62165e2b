import { z } from 'zod';
import { UserFacingError } from '../errors.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Unset and empty mean the same thing in an env file: `FOO=` should not count as a value. */
const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());

/** Where AUDIT_SINK ships the audit chain: a bucket and a key prefix ('' for the bucket's root). */
export interface AuditSinkLocation {
  readonly bucket: string;
  readonly prefix: string;
}

// S3's bucket naming rules, less the reserved prefixes and suffixes checked below.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const RESERVED_BUCKET = /^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\.mrap|--x-s3)$/;
// S3's "safe" key characters: a prefix with others works but breaks tools that build URLs.
const PREFIX = /^[A-Za-z0-9!_.*'()/-]{0,900}$/;

/**
 * `s3://bucket` or `s3://bucket/prefix`, or a problem in words. The value is never echoed: a
 * mistyped one may hold anything, a key pasted in by mistake included.
 */
export function parseAuditSink(value: string): AuditSinkLocation | string {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(value);
  if (!match) return 'must be s3://bucket or s3://bucket/prefix';
  const bucket = match[1] ?? '';
  if (
    !BUCKET.test(bucket) ||
    RESERVED_BUCKET.test(bucket) ||
    bucket.includes('..') ||
    /^\d+\.\d+\.\d+\.\d+$/.test(bucket)
  )
    return 'names a bucket S3 would refuse: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  const segments = prefix === '' ? [] : prefix.split('/');
  if (
    !PREFIX.test(prefix) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  )
    return "has a prefix S3 tools would trip on: use letters, digits and ! _ . * ' ( ) - between single slashes, at most 900 characters";
  return { bucket, prefix };
}

/**
 * The values .env.example ships with, which mean "not filled in yet": a copy of the file left
 * unchanged. A constant rather than a read of the file because the container image does not ship
 * it; test/config/env.test.ts keeps the two in step. The catalog's secrets among them are checked
 * by `jitbot doctor`, where the catalog says which are used.
 */
export const ENV_EXAMPLE_PLACEHOLDERS: Readonly<Record<string, string>> = {
  SLACK_SIGNING_SECRET: 'replace-with-your-signing-secret',
  SLACK_BOT_TOKEN: 'xoxb-replace-with-your-bot-token',
  JITBOT_EXTERNAL_ID_PROD: 'replace-with-prod-external-id',
  JITBOT_EXTERNAL_ID_STAGING: 'replace-with-staging-external-id',
  JITBOT_EXTERNAL_ID_IDENTITY: 'replace-with-identity-center-external-id',
  OKTA_API_TOKEN: 'replace-with-okta-api-token',
};

/** Whether `value` is one of .env.example's placeholders (spaces around it ignored, as a paste adds them). */
export function isEnvExamplePlaceholder(value: string | undefined): boolean {
  const trimmed = value?.trim();
  return trimmed !== undefined && Object.values(ENV_EXAMPLE_PLACEHOLDERS).includes(trimmed);
}

const PLACEHOLDER_PROBLEM = "is still .env.example's placeholder";

// Slack's rule for command names: a slash, then lower-case letters, digits, - and _, 32 at most.
const SLACK_COMMAND_NAME = /^\/[a-z0-9_-]{1,31}$/;
const SLACK_COMMAND_RULE = 'must be a slash command name like /request-aws-access-staging';

/** What is wrong with a SLACK_COMMAND value, for commands that read nothing else. */
export function slackCommandProblem(value: string): string | undefined {
  return SLACK_COMMAND_NAME.test(value) ? undefined : SLACK_COMMAND_RULE;
}

/**
 * What is wrong with an outbound proxy's URL, or undefined. Never echoes the value: it may carry
 * the proxy's password.
 */
export function proxyUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'must be an http:// or https:// URL (jitbot speaks to HTTP proxies only)';
  if (url.hostname === '') return 'has no host';
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    return "must name only the proxy's scheme, host and port, with no path";
  if ((url.username === '') !== (url.password === ''))
    return 'has a user name without a password, or a password without a user name';
  return undefined;
}

/**
 * An outbound proxy: `http(s)://[user:password@]host[:port]`. A bare `host:port`, as many tools
 * take it, means http://.
 */
const proxyUrl = optionalText.transform((value, context) => {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  const problem = proxyUrlProblem(withScheme);
  if (problem === undefined) return new URL(withScheme).href;
  context.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});

const envFields = z.object({
  // Slack would refuse the placeholders too, but only at the first request and in fewer words.
  SLACK_SIGNING_SECRET: z
    .string({ error: 'is required' })
    .min(1, 'is required')
    .refine((secret) => !isEnvExamplePlaceholder(secret), PLACEHOLDER_PROBLEM),
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required' })
    .min(1, 'is required')
    .refine((token) => token.startsWith('xoxb-'), 'must be a bot token (it starts with xoxb-)')
    .refine((token) => !isEnvExamplePlaceholder(token), PLACEHOLDER_PROBLEM),
  SLACK_APP_TOKEN: optionalText.refine(
    (token) => token === undefined || token.startsWith('xapp-'),
    'must be an app-level token (it starts with xapp-)',
  ),
  SLACK_COMMAND: z.preprocess(
    (value) => (value === undefined || value === '' ? '/request-aws-access' : value),
    z.string().regex(SLACK_COMMAND_NAME, SLACK_COMMAND_RULE),
  ),
  SLACK_API_URL: optionalText.refine(
    (url) => url === undefined || /^https?:\/\/.+\/$/.test(url),
    'must be an http(s) URL ending in a slash, like https://slack.com/api/',
  ),
  PORT: z.preprocess(
    (value) => (value === undefined || value === '' ? '3000' : value),
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .refine((port) => port > 0 && port < 65536, 'must be between 1 and 65535'),
  ),
  METRICS_PORT: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .refine((port) => port > 0 && port < 65536, 'must be between 1 and 65535')
      .optional(),
  ),
  // Loopback by default: the figures are read by anyone who reaches the port.
  METRICS_HOST: z.preprocess(
    (value) => (value === undefined || value === '' ? '127.0.0.1' : value),
    z.string().regex(/^[\w.:-]{1,253}$/, 'must be an address to listen on, like 127.0.0.1, 0.0.0.0 or ::'),
  ),
  DATABASE_URL: optionalText.refine(
    (url) => url === undefined || /^postgres(ql)?:\/\//.test(url),
    'must be a PostgreSQL URL like postgres://user:password@host:5432/jitbot',
  ),
  // A PEM bundle of the CA that signed the server's certificate; read and checked when the database opens.
  DATABASE_CA_FILE: optionalText,
  // libpq's name for the same, honoured as libpq does: node-postgres itself never reads it.
  PGSSLROOTCERT: optionalText,
  JITBOT_DATA_DIR: z.preprocess((value) => (value === '' ? undefined : value), z.string().default('./data')),
  JITBOT_CATALOG: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().default('./jitbot.yaml'),
  ),
  LOG_LEVEL: z.preprocess(
    (value) => (value === '' || value === undefined ? 'info' : String(value).toLowerCase()),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  ),
  AUDIT_SINK: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .transform((value, context): AuditSinkLocation => {
        const parsed = parseAuditSink(value);
        if (typeof parsed === 'string') {
          context.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      })
      .optional(),
  ),
  AUDIT_SINK_REGION: optionalText.refine(
    (region) => region === undefined || /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region),
    'must be an AWS region like us-east-1',
  ),
  // Outbound proxy (src/http/outbound-proxy.ts). Lower case too, as curl and undici read them;
  // lower case wins where both are set.
  HTTPS_PROXY: proxyUrl,
  https_proxy: proxyUrl,
  HTTP_PROXY: proxyUrl,
  http_proxy: proxyUrl,
  NO_PROXY: optionalText,
  no_proxy: optionalText,
});

const envSchema = envFields.refine((env) => env.METRICS_PORT === undefined || env.METRICS_PORT !== env.PORT, {
  path: ['METRICS_PORT'],
  message: 'must differ from PORT',
});

export type Env = Readonly<z.infer<typeof envSchema>>;

const PROXY_FIX = (name: string) =>
  `e.g. ${name}=http://proxy.example:3128, or http://user:password@proxy.example:3128 with the user and password percent-encoded; or unset it to connect directly`;

/** How to fix each variable, appended to its problem so the message is enough to act on. */
const FIXES: Record<string, string> = {
  SLACK_SIGNING_SECRET: 'copy it from your Slack app: Basic Information > App Credentials > Signing Secret',
  SLACK_BOT_TOKEN: 'copy it from your Slack app: OAuth & Permissions > Bot User OAuth Token',
  SLACK_APP_TOKEN:
    'create one under Basic Information > App-Level Tokens with connections:write, or unset it to use HTTP',
  SLACK_API_URL: 'unset it to use Slack itself',
  SLACK_COMMAND:
    "the command your Slack app's manifest declares (lower case, at most 32 characters); unset it for /request-aws-access",
  PORT: 'set the port jitbot listens on, e.g. PORT=3000',
  DATABASE_URL: 'or unset it to use the embedded database under JITBOT_DATA_DIR',
  LOG_LEVEL: 'e.g. LOG_LEVEL=info',
  METRICS_PORT: 'the port Prometheus scrapes /metrics on, e.g. METRICS_PORT=9464, or unset it',
  METRICS_HOST: 'e.g. METRICS_HOST=0.0.0.0 where Prometheus scrapes from another host (a Kubernetes pod IP)',
  AUDIT_SINK:
    'e.g. AUDIT_SINK=s3://acme-jitbot-audit/prod (docs/audit-sink.md sets up the bucket), or unset it to keep the audit chain in the database only',
  AUDIT_SINK_REGION:
    "set the audit bucket's region, e.g. AUDIT_SINK_REGION=eu-west-1, or unset it to use AWS_REGION",
  HTTPS_PROXY: PROXY_FIX('HTTPS_PROXY'),
  https_proxy: PROXY_FIX('https_proxy'),
  HTTP_PROXY: PROXY_FIX('HTTP_PROXY'),
  http_proxy: PROXY_FIX('http_proxy'),
};

/**
 * Parses the environment once, at start-up. Every problem is reported together so an operator
 * fixes them in one go; values are never echoed because most of these are secrets.
 */
export function parseEnv(source: Readonly<Record<string, string | undefined>>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return Object.freeze(result.data);
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const fix = FIXES[name];
    return `  - ${name} ${issue.message}${fix ? `: ${fix}` : ''}`;
  });
  throw new UserFacingError(
    'config_invalid',
    `jitbot cannot start: the environment has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.join('\n')}\nSet these in the environment or in a .env file (see .env.example).`,
  );
}
