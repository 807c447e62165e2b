import { describe, expect, it } from 'vitest';
import { toProviderError } from '../../src/aws/aws-errors.js';
import { toOktaProviderError } from '../../src/okta/okta-errors.js';
import { OktaConnectionError } from '../../src/okta/okta-http.js';
import { ProviderError } from '../../src/ports/access-provider.js';
import { PROVIDER_ERROR_KINDS, type ProviderErrorKind } from '../../src/ports/provider-error-kinds.js';
import { buildAccount, context, useFakeAws } from '../aws/aws-fixtures.js';

const aws = useFakeAws();

const AWS_CALL = { operation: 'iam:AddUserToGroup', accountId: '111111111111', resource: 'group jit-admin' };
const OKTA_CALL = { operation: 'assignUserToGroup', orgUrl: 'https://example.okta.com', groupId: '00g1' };

function awsServiceError(name: string, status: number, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: 'req-1' },
  });
}

function oktaAnswer(status: number) {
  return Object.assign(new Error(`HTTP ${status}`), { status, errorSummary: 'no' });
}

function oktaConnectionError(failure: OktaConnectionError['failure']) {
  const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  return new OktaConnectionError(failure, 'no answer from Okta', cause);
}

describe('the kinds of provider error', () => {
  it.each<[ProviderErrorKind, boolean | 'with-cause', boolean]>([
    ['throttled', true, false],
    ['timeout', true, false],
    ['unreachable', true, false],
    ['unavailable', true, false],
    ['session-expired', true, false],
    ['denied', false, true],
    ['not-found', false, true],
    ['limit', false, true],
    ['invalid', false, true],
    ['conflict', false, false],
    ['credentials', false, false],
    ['unconfirmed', 'with-cause', false],
    ['unknown', false, false],
  ])('%s: retryable %s, definite %s', (kind, retryable, definite) => {
    expect(PROVIDER_ERROR_KINDS[kind]).toEqual({ retryable, definite });
  });

  it('has no kind the list above does not name', () => {
    expect(Object.keys(PROVIDER_ERROR_KINDS)).toHaveLength(13);
  });

  it('gives an error the flags of its kind', () => {
    expect(new ProviderError('aws_access_denied', 'no', { kind: 'denied' })).toMatchObject({
      code: 'aws_access_denied',
      kind: 'denied',
      retryable: false,
      definite: true,
    });
  });

  it.each([true, false])(
    'an unconfirmed failure is never definite, and keeps the retryability (%s) of the one underneath',
    (retryable) => {
      const error = new ProviderError('aws_backstop_unconfirmed', 'exists', {
        kind: 'unconfirmed',
        retryable,
      });
      expect(error).toMatchObject({ retryable, definite: false });
    },
  );
});

describe('the AWS adapter maps its codes to kinds', () => {
  it.each<[string, unknown, string, ProviderErrorKind]>([
    ['Throttling', awsServiceError('Throttling', 400), 'aws_throttled', 'throttled'],
    [
      'TimeoutError',
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      'aws_timeout',
      'timeout',
    ],
    [
      'ECONNRESET',
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      'aws_unreachable',
      'unreachable',
    ],
    [
      'ServiceUnavailable',
      awsServiceError('ServiceUnavailable', 503, 'server'),
      'aws_unavailable',
      'unavailable',
    ],
    ['ExpiredToken', awsServiceError('ExpiredToken', 400), 'aws_credentials_expired', 'session-expired'],
    [
      'InvalidClientTokenId',
      awsServiceError('InvalidClientTokenId', 403),
      'aws_bad_credentials',
      'credentials',
    ],
    ['AccessDenied', awsServiceError('AccessDenied', 403), 'aws_access_denied', 'denied'],
    ['NoSuchEntity', awsServiceError('NoSuchEntity', 404), 'aws_not_found', 'not-found'],
    ['LimitExceeded', awsServiceError('LimitExceeded', 409), 'aws_limit_exceeded', 'limit'],
    ['ValidationError', awsServiceError('ValidationError', 400), 'aws_invalid_request', 'invalid'],
    ['ConflictException', awsServiceError('ConflictException', 409), 'aws_conflict', 'conflict'],
    [
      'CredentialsProviderError',
      Object.assign(new Error('none'), { name: 'CredentialsProviderError' }),
      'aws_no_credentials',
      'credentials',
    ],
    ['an unknown server fault', awsServiceError('SomethingOdd', 418, 'server'), 'aws_error', 'unavailable'],
    ['an unknown 4xx', awsServiceError('SomethingOdd', 400), 'aws_error', 'unknown'],
  ])('%s -> %s, %s', (_label, error, code, kind) => {
    expect(toProviderError(error, AWS_CALL)).toMatchObject({ code, kind });
  });

  it('a role that cannot be assumed is denied', async () => {
    const account = buildAccount();
    const connector = aws.connect([account]);
    aws.fake.addRole(account.connectorRoleArn, 'another-external-id');
    const failure = await connector.clientsFor(account, context()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'assume_role_denied', kind: 'denied' });
  });
});

describe('the Okta adapter maps its codes to kinds', () => {
  it.each<[string, unknown, string, ProviderErrorKind]>([
    ['a request timeout', oktaConnectionError('timeout'), 'okta_timeout', 'timeout'],
    ['a network failure', oktaConnectionError('unreachable'), 'okta_unreachable', 'unreachable'],
    ['401', oktaAnswer(401), 'okta_token_rejected', 'denied'],
    ['403', oktaAnswer(403), 'okta_forbidden', 'denied'],
    ['404', oktaAnswer(404), 'okta_not_found', 'not-found'],
    ['429', oktaAnswer(429), 'okta_rate_limited', 'throttled'],
    ['503', oktaAnswer(503), 'okta_unavailable', 'unavailable'],
    ['400', oktaAnswer(400), 'okta_rejected', 'invalid'],
    ['no status at all', new Error('odd'), 'okta_unexpected', 'unknown'],
  ])('%s -> %s, %s', (_label, error, code, kind) => {
    expect(toOktaProviderError(error, OKTA_CALL, 'token')).toMatchObject({ code, kind });
  });
});

describe('what a failed grant counts as having made nothing', () => {
  // These were the codes the grant workflow listed by name before the kinds existed: the same
  // cases, and only these, must still count as definite.
  const before = new Set([
    'assume_role_denied',
    'aws_access_denied',
    'aws_not_found',
    'aws_limit_exceeded',
    'aws_invalid_request',
    'okta_token_rejected',
    'okta_forbidden',
    'okta_not_found',
    'okta_rejected',
  ]);

  // assume_role_denied comes from the connector: 'a role that cannot be assumed is denied' above.
  it('is exactly what it was, for every code the adapters produce', () => {
    const awsErrors = [
      awsServiceError('Throttling', 400),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      awsServiceError('ServiceUnavailable', 503, 'server'),
      awsServiceError('ExpiredToken', 400),
      awsServiceError('InvalidClientTokenId', 403),
      awsServiceError('AccessDenied', 403),
      awsServiceError('NoSuchEntity', 404),
      awsServiceError('LimitExceeded', 409),
      awsServiceError('ValidationError', 400),
      awsServiceError('ConflictException', 409),
      Object.assign(new Error('none'), { name: 'CredentialsProviderError' }),
      awsServiceError('SomethingOdd', 418, 'server'),
      awsServiceError('SomethingOdd', 400),
    ].map((error) => toProviderError(error, AWS_CALL));
    const oktaErrors = [
      oktaConnectionError('timeout'),
      oktaConnectionError('unreachable'),
      ...[401, 403, 404, 429, 503, 400].map(oktaAnswer),
      new Error('odd'),
    ].map((error) => toOktaProviderError(error, OKTA_CALL, 'token'));
    const unconfirmed = new ProviderError('aws_backstop_unconfirmed', 'exists', {
      kind: 'unconfirmed',
      retryable: false,
    });
    for (const error of [...awsErrors, ...oktaErrors, unconfirmed]) {
      expect({ code: error.code, definite: error.definite }).toEqual({
        code: error.code,
        definite: before.has(error.code),
      });
    }
  });
});
