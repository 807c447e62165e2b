import { describeError, field, UserFacingError } from '../errors.js';
import { type DatabaseTls, RDS_BUNDLE } from './tls.js';

/** A connection refused over TLS: `problem` and `fix` apart, for `jitbot doctor`'s two columns. */
export class DatabaseTlsError extends UserFacingError {
  constructor(
    readonly problem: string,
    readonly fix: string,
    cause: unknown,
  ) {
    super('database_unreachable', `${problem}. ${fix}`, { cause });
    this.name = 'DatabaseTlsError';
  }
}

/** node's codes for a certificate no trusted authority signed. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const NOT_VALID_NOW = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** The words for a connection that failed because of TLS, or undefined when it failed for another reason. */
export function tlsFailure(error: unknown, tls: DatabaseTls, where: string): DatabaseTlsError | undefined {
  const code = field(error, 'code');
  const said = describeError(error);
  if (typeof code === 'string' && UNTRUSTED.has(code)) {
    return new DatabaseTlsError(
      `PostgreSQL at ${where} presented a TLS certificate that no certificate authority in ${tls.trust} vouches for (${said})`,
      `${tls.caSetting ? `Point ${tls.caSetting} at` : 'Set DATABASE_CA_FILE to'} the PEM bundle of the certificate authority that signed the server's certificate (${RDS_BUNDLE})`,
      error,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new DatabaseTlsError(
      `the TLS certificate of PostgreSQL at ${where} does not name the host in DATABASE_URL (${said})`,
      'Use a host name the certificate names in DATABASE_URL (for RDS, the endpoint address, not an IP address or ' +
        'an alias of your own), or sslmode=verify-ca, which checks the certificate authority but not the name',
      error,
    );
  }
  if (typeof code === 'string' && NOT_VALID_NOW.has(code)) {
    return new DatabaseTlsError(
      `the TLS certificate of PostgreSQL at ${where} is not valid at this time (${said})`,
      "Renew the server's certificate (on RDS, rotate the instance's certificate authority), or correct this machine's clock",
      error,
    );
  }
  if (said === 'The server does not support SSL connections') {
    return new DatabaseTlsError(
      `PostgreSQL at ${where} does not accept TLS connections, and ${tls.mode ? `jitbot is set to use it (sslmode=${tls.mode})` : 'PGSSLMODE asks for TLS'}`,
      'Turn TLS on in the server (ssl = on, with a certificate), or, only on a network you trust, set sslmode=disable',
      error,
    );
  }
  if (
    code === '28000' &&
    said.includes('no encryption') &&
    (tls.mode === undefined || tls.mode === 'disable')
  ) {
    return new DatabaseTlsError(
      `PostgreSQL at ${where} refuses connections without TLS (${said})`,
      `Set sslmode=verify-full in DATABASE_URL and set DATABASE_CA_FILE to the bundle of the certificate authority that signed the server's certificate (${RDS_BUNDLE})`,
      error,
    );
  }
  return undefined;
}
