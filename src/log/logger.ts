import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values are secrets wherever they show up in a log object. Redaction is a second
 * line of defence: the first is never putting a secret into a log call.
 */
const REDACTED_PATHS = [
  'token',
  '*.token',
  'botToken',
  'appToken',
  'signingSecret',
  '*.signingSecret',
  'externalId',
  '*.externalId',
  '*.*.externalId',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  '*.secretAccessKey',
  '*.sessionToken',
  'connectionString',
  'databaseUrl',
];

/** Token shapes that must never reach a log line even inside free text. */
const SECRET_PATTERNS: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/g,
  // A proxy URL with its password (HTTPS_PROXY), should a library's error quote it.
  /(https?:\/\/[^:@/\s]+:)[^@\s]+@/g,
  /\b(ASIA|AKIA)[A-Z0-9]{16}\b/g,
];

export function scrubSecrets(text: string): string {
  let scrubbed = text;
  for (const pattern of SECRET_PATTERNS) {
    scrubbed = scrubbed.replace(pattern, (_match, prefix?: string) =>
      typeof prefix === 'string' && /^(postgres|http)/.test(prefix) ? `${prefix}[redacted]@` : '[redacted]',
    );
  }
  return scrubbed;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'jitbot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Free-text messages can carry a token pasted into an error string by a library.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: unknown) => {
          const serialized = pino.stdSerializers.err(error as Error);
          return {
            ...serialized,
            message: scrubSecrets(serialized.message),
            stack: scrubSecrets(serialized.stack),
          };
        },
      },
    },
    destination,
  );
}
