import { describe, expect, it } from 'vitest';
import { toProviderError } from '../../src/aws/aws-errors.js';

const CALL = { operation: 'iam:AddUserToGroup', accountId: '111111111111', resource: 'group jit-admin' };

/** An error shaped as the SDK throws it for a service answer. */
function serviceError(name: string, status: number, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: 'req-123' },
  });
}

function networkError(code: string, message = `connect ${code} 10.0.0.1:443`) {
  return Object.assign(new Error(message), { code });
}

describe('classifying AWS errors', () => {
  it.each([
    ['Throttling', serviceError('Throttling', 400), 'aws_throttled', true],
    ['ThrottlingException', serviceError('ThrottlingException', 400), 'aws_throttled', true],
    ['RequestLimitExceeded', serviceError('RequestLimitExceeded', 400), 'aws_throttled', true],
    ['TooManyRequestsException', serviceError('TooManyRequestsException', 429), 'aws_throttled', true],
    ['ServiceUnavailable', serviceError('ServiceUnavailable', 503, 'server'), 'aws_unavailable', true],
    ['InternalFailure', serviceError('InternalFailure', 500, 'server'), 'aws_unavailable', true],
    ['an unknown 5xx', serviceError('SomethingOdd', 502, 'server'), 'aws_unavailable', true],
    [
      'TimeoutError',
      Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
      'aws_timeout',
      true,
    ],
    ['ECONNRESET', networkError('ECONNRESET'), 'aws_unreachable', true],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), 'aws_unreachable', true],
    ['ETIMEDOUT', networkError('ETIMEDOUT'), 'aws_unreachable', true],
    ['EPIPE', networkError('EPIPE'), 'aws_unreachable', true],
    ['socket hang up', new Error('socket hang up'), 'aws_unreachable', true],
    ['AccessDenied', serviceError('AccessDenied', 403), 'aws_access_denied', false],
    ['AccessDeniedException', serviceError('AccessDeniedException', 403), 'aws_access_denied', false],
    ['NoSuchEntity', serviceError('NoSuchEntity', 404), 'aws_not_found', false],
    ['LimitExceeded', serviceError('LimitExceeded', 409), 'aws_limit_exceeded', false],
    ['ValidationError', serviceError('ValidationError', 400), 'aws_invalid_request', false],
    ['ValidationException', serviceError('ValidationException', 400), 'aws_invalid_request', false],
    ['InvalidInput', serviceError('InvalidInput', 400), 'aws_invalid_request', false],
    ['ConflictException', serviceError('ConflictException', 409), 'aws_conflict', false],
    ['ConcurrentModification', serviceError('ConcurrentModification', 409), 'aws_unavailable', true],
    ['ExpiredToken', serviceError('ExpiredToken', 400), 'aws_credentials_expired', true],
    ['InvalidClientTokenId', serviceError('InvalidClientTokenId', 403), 'aws_bad_credentials', false],
    ['an unknown 4xx', serviceError('SomethingOdd', 400), 'aws_error', false],
  ])('%s', (_label, error, code, retryable) => {
    const failure = toProviderError(error, CALL);
    expect({ code: failure.code, retryable: failure.retryable }).toEqual({ code, retryable });
    expect(failure.cause).toBe(error);
  });

  it('says who is refused what, with the AWS code and request id, for an admin to act on', () => {
    const failure = toProviderError(serviceError('AccessDenied', 403), CALL);
    expect(failure.message).toBe(
      "AWS refused: jitbot's connector role in account 111111111111 is not allowed to iam:AddUserToGroup on group jit-admin: check the connector role policy (AWS error AccessDenied, request id req-123)",
    );
    expect(failure.providerRequestId).toBe('req-123');
  });

  it('quotes what AWS said about a validation error, without any access key in it', () => {
    const error = Object.assign(serviceError('ValidationError', 400), {
      message: 'Key ASIAABCDEFGHIJKLMNOP is bad: 1 validation error detected',
    });
    const failure = toProviderError(error, CALL);
    expect(failure.message).toContain('[redacted] is bad: 1 validation error detected');
    expect(failure.message).not.toContain('ASIAABCDEFGHIJKLMNOP');
  });

  it('tells a network failure apart from an AWS answer', () => {
    const failure = toProviderError(networkError('ECONNREFUSED'), CALL);
    expect(failure.message).toBe(
      'jitbot could not reach AWS for iam:AddUserToGroup on group jit-admin in account 111111111111; it will try again (AWS error ECONNREFUSED)',
    );
    expect(failure.providerRequestId).toBeUndefined();
  });
});
