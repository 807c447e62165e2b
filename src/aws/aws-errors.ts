import { field } from '../errors.js';
import { scrubSecrets } from '../log/logger.js';
import { ProviderError } from '../ports/access-provider.js';
import type { FixedRetryKind } from '../ports/provider-error-kinds.js';

/** What jitbot was doing when AWS answered, so the message can say it in words. */
export interface AwsCall {
  /** As IAM policies spell it: `iam:AddUserToGroup`, `scheduler:CreateSchedule`. */
  readonly operation: string;
  /** The 12-digit AWS account id. */
  readonly accountId: string;
  /** What was acted on, in words: `group jit-admin`, `schedule jitbot-g1`. */
  readonly resource?: string;
}

/** The facts of an SDK error that matter, read without trusting its shape. */
export interface AwsErrorFacts {
  readonly code: string;
  readonly awsMessage: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly serverFault: boolean;
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);
const UNAVAILABLE = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerException',
  'ServiceFailure',
  // IAM asks to try again when two changes to one entity meet.
  'ConcurrentModification',
]);
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
/** AWS did not accept the credentials themselves (not the permissions behind them). */
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
]);
/** Credentials expired in flight (clock skew, a long pause): the next call assumes afresh. */
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const NOT_FOUND = new Set(['NoSuchEntity', 'ResourceNotFoundException']);
const LIMIT = new Set(['LimitExceeded', 'LimitExceededException', 'ServiceQuotaExceededException']);
const INVALID = new Set([
  'ValidationError',
  'ValidationException',
  'InvalidInput',
  'MalformedPolicyDocument',
  'InvalidParameterValue',
]);
const CONFLICT = new Set(['ConflictException', 'EntityAlreadyExists', 'DeleteConflict']);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Reads code, status and request id from whatever the SDK (or node) threw. */
export function awsErrorFacts(error: unknown): AwsErrorFacts {
  const metadata = field(error, '$metadata');
  const status = field(metadata, 'httpStatusCode');
  // Node network errors carry `code` (ECONNRESET); SDK service errors carry `name` (NoSuchEntity).
  const networkCode = text(field(error, 'code'));
  const name = text(field(error, 'name'));
  const code =
    networkCode !== undefined && NETWORK.has(networkCode)
      ? networkCode
      : (text(field(error, 'Code')) ??
        (name !== undefined && name !== 'Error' ? name : networkCode) ??
        'UnknownError');
  return {
    code,
    awsMessage: text(field(error, 'message')) ?? '',
    ...(typeof status === 'number' ? { httpStatus: status } : {}),
    ...(text(field(metadata, 'requestId')) !== undefined
      ? { requestId: text(field(metadata, 'requestId')) }
      : {}),
    serverFault: field(error, '$fault') === 'server',
  };
}

/** The AWS error code of `error`, for callers that treat one code as an expected outcome. */
export function awsErrorCode(error: unknown): string {
  return awsErrorFacts(error).code;
}

function isNetworkFailure(facts: AwsErrorFacts): boolean {
  return NETWORK.has(facts.code) || /socket hang up/i.test(facts.awsMessage);
}

/** AWS's own words, for limits and validation where they say what is wrong; secrets scrubbed, kept short. */
function quoted(facts: AwsErrorFacts): string {
  const message = scrubSecrets(facts.awsMessage).replace(/\s+/g, ' ').trim().slice(0, 300);
  return message.length > 0 ? `: "${message}"` : '';
}

interface Classified {
  readonly code: string;
  readonly kind: FixedRetryKind;
  readonly words: string;
}

function classify(facts: AwsErrorFacts, call: AwsCall): Classified {
  const where = `${call.operation}${call.resource ? ` on ${call.resource}` : ''} in account ${call.accountId}`;
  const { code } = facts;
  if (THROTTLING.has(code))
    return {
      code: 'aws_throttled',
      kind: 'throttled',
      words: `AWS is throttling ${where}; jitbot will try again`,
    };
  if (code === 'TimeoutError')
    return {
      code: 'aws_timeout',
      kind: 'timeout',
      words: `AWS did not answer ${where} in time; jitbot will try again`,
    };
  if (isNetworkFailure(facts))
    return {
      code: 'aws_unreachable',
      kind: 'unreachable',
      words: `jitbot could not reach AWS for ${where}; it will try again`,
    };
  if (UNAVAILABLE.has(code) || (facts.httpStatus ?? 0) >= 500)
    return {
      code: 'aws_unavailable',
      kind: 'unavailable',
      words: `AWS had a temporary problem with ${where}; jitbot will try again`,
    };
  if (EXPIRED.has(code))
    return {
      code: 'aws_credentials_expired',
      kind: 'session-expired',
      words: `jitbot's AWS session expired during ${where}; jitbot will try again with a fresh one`,
    };
  if (BAD_CREDENTIALS.has(code))
    return {
      code: 'aws_bad_credentials',
      kind: 'credentials',
      words: `AWS did not accept jitbot's credentials for ${where}: check jitbot's own AWS identity and the machine's clock`,
    };
  if (ACCESS_DENIED.has(code)) {
    const passRole = call.operation.startsWith('scheduler:')
      ? ' (it also needs iam:PassRole on the scheduler role)'
      : '';
    const target = call.resource ? ` on ${call.resource}` : '';
    return {
      code: 'aws_access_denied',
      kind: 'denied',
      words: `AWS refused: jitbot's connector role in account ${call.accountId} is not allowed to ${call.operation}${target}: check the connector role policy${passRole}`,
    };
  }
  if (NOT_FOUND.has(code))
    return {
      code: 'aws_not_found',
      kind: 'not-found',
      words: `AWS says ${call.resource ?? 'what jitbot asked for'} does not exist in account ${call.accountId} (${call.operation})${quoted(facts)}: check the catalog against the account`,
    };
  if (LIMIT.has(code))
    return {
      code: 'aws_limit_exceeded',
      kind: 'limit',
      words: `AWS refused ${where} because a limit was reached${quoted(facts)}`,
    };
  if (INVALID.has(code))
    return {
      code: 'aws_invalid_request',
      kind: 'invalid',
      words: `AWS rejected ${where} as invalid${quoted(facts)}: check the catalog entry`,
    };
  if (CONFLICT.has(code))
    return {
      code: 'aws_conflict',
      kind: 'conflict',
      words: `AWS refused ${where} because it conflicts with another change${quoted(facts)}`,
    };
  if (code === 'CredentialsProviderError')
    return {
      code: 'aws_no_credentials',
      kind: 'credentials',
      words: `jitbot has no AWS credentials of its own for ${where}: give its process an AWS identity that may assume the connector roles`,
    };
  return {
    code: 'aws_error',
    // AWS said the fault was its own: a temporary one, as far as jitbot can tell.
    kind: facts.serverFault ? 'unavailable' : 'unknown',
    words: `AWS failed ${where}${quoted(facts)}`,
  };
}

/**
 * Any error from an AWS SDK call -> a ProviderError in plain words with the AWS error code and
 * request id (for the admin who opens CloudTrail or a support case). The SDK's own message is only
 * quoted where it helps and scrubbed, so no key or token can travel into Slack.
 */
export function toProviderError(error: unknown, call: AwsCall): ProviderError {
  if (error instanceof ProviderError) return error;
  const facts = awsErrorFacts(error);
  const classified = classify(facts, call);
  const requestIdText = facts.requestId !== undefined ? `, request id ${facts.requestId}` : '';
  return new ProviderError(classified.code, `${classified.words} (AWS error ${facts.code}${requestIdText})`, {
    kind: classified.kind,
    cause: error,
    ...(facts.requestId !== undefined ? { providerRequestId: facts.requestId } : {}),
  });
}
