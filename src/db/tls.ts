import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { describeError, UserFacingError } from '../errors.js';

/** The variables that decide how jitbot reaches a PostgreSQL server, as env.ts parsed them. */
export interface TlsSettings {
  readonly DATABASE_URL: string;
  readonly DATABASE_CA_FILE?: string | undefined;
  readonly PGSSLROOTCERT?: string | undefined;
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;
type SslMode = (typeof SSL_MODES)[number];

/** How a connection is protected, kept for the words of a failure. */
export interface DatabaseTls {
  /** undefined: DATABASE_URL asks for no TLS, and node-postgres decides (PGSSLMODE or none). */
  readonly mode: SslMode | undefined;
  /** Who vouches for the server, e.g. `DATABASE_CA_FILE (/etc/ssl/rds/global-bundle.pem)`. */
  readonly trust: string;
  /** Where the CA bundle was named (DATABASE_CA_FILE, PGSSLROOTCERT, sslrootcert in DATABASE_URL), if anywhere. */
  readonly caSetting?: string;
}

export interface DatabaseConnection {
  readonly config: pg.PoolConfig;
  readonly tls: DatabaseTls;
  /** For the log at start: set when the connection is encrypted but the server is not checked. */
  readonly warning?: string;
}

/**
 * node-postgres reads these from the URL itself, and what it reads replaces the `ssl` option
 * given beside the URL: they are taken out, and their meaning goes into `ssl` instead.
 */
const URL_TLS_PARAMS = [
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'ssl',
  'uselibpqcompat',
  'sslnegotiation',
];

/** Where an RDS user finds the bundle: the words every fix ends with. */
export const RDS_BUNDLE =
  'for Amazon RDS and Aurora: the global bundle global-bundle.pem from the RDS documentation';
const SYSTEM_TRUST = "node's built-in list (plus NODE_EXTRA_CA_CERTS)";

function configError(message: string): UserFacingError {
  return new UserFacingError('config_invalid', message);
}

interface CaSource {
  readonly name: string;
  readonly path: string;
}

/** Where the CA bundle comes from, as libpq picks it: the URL, then the variables; `system`: node's own. */
function caSourceOf(params: URLSearchParams, settings: TlsSettings, mode: SslMode): CaSource | undefined {
  const inUrl = params.get('sslrootcert') || undefined;
  const file = settings.DATABASE_CA_FILE;
  if (inUrl !== undefined && file !== undefined && inUrl !== file) {
    throw configError(
      `DATABASE_URL names a CA bundle (sslrootcert=${inUrl}) and DATABASE_CA_FILE names another (${file}): ` +
        'keep one of them, so it is clear which certificate authority vouches for the server',
    );
  }
  if (inUrl !== undefined) return { name: 'sslrootcert in DATABASE_URL', path: inUrl };
  if (file !== undefined) return { name: 'DATABASE_CA_FILE', path: file };
  // libpq reads PGSSLROOTCERT for every mode that encrypts; node-postgres never reads it.
  const fromEnv = settings.PGSSLROOTCERT;
  if (fromEnv !== undefined && mode !== 'disable' && mode !== 'no-verify')
    return { name: 'PGSSLROOTCERT', path: fromEnv };
  return undefined;
}

function readFileFor(source: CaSource, what: string): string {
  try {
    return readFileSync(source.path, 'utf8');
  } catch (error) {
    throw configError(
      `${source.name} names ${source.path}, which jitbot cannot read (${describeError(error)}): ` +
        `put ${what} there, readable by the user jitbot runs as, or point ${source.name} at where it is`,
    );
  }
}

/** The certificates of a PEM bundle, each checked, so a wrong file fails at start and says so. */
function readCaBundle(source: CaSource): string {
  const text = readFileFor(source, "the certificate authority's PEM bundle");
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const unreadable = blocks.findIndex((block) => {
    try {
      new X509Certificate(block);
      return false;
    } catch {
      return true;
    }
  });
  if (blocks.length === 0 || unreadable >= 0) {
    const what =
      blocks.length === 0
        ? 'has no -----BEGIN CERTIFICATE----- block'
        : `has a certificate that cannot be read (number ${unreadable + 1})`;
    throw configError(
      `${source.name} names ${source.path}, which is not a PEM bundle of certificates: it ${what}. ` +
        `Point ${source.name} at the bundle of the certificate authority that signed the server's certificate (${RDS_BUNDLE})`,
    );
  }
  return text;
}

/** A client certificate and key from the URL (sslcert, sslkey), which node-postgres also reads. */
function clientCertificate(params: URLSearchParams): ConnectionOptions {
  const options: { cert?: string; key?: string } = {};
  const cert = params.get('sslcert');
  const key = params.get('sslkey');
  if (cert)
    options.cert = readFileFor({ name: 'sslcert in DATABASE_URL', path: cert }, 'the client certificate');
  if (key)
    options.key = readFileFor({ name: 'sslkey in DATABASE_URL', path: key }, "the client certificate's key");
  return options;
}

function modeOf(params: URLSearchParams, caFile: string | undefined): SslMode | undefined {
  const sslmode = params.get('sslmode');
  if (sslmode !== null) {
    if ((SSL_MODES as readonly string[]).includes(sslmode)) return sslmode as SslMode;
    throw configError(
      `DATABASE_URL has sslmode=${sslmode}, which is not one of ${SSL_MODES.join(', ')}: use sslmode=verify-full`,
    );
  }
  const ssl = params.get('ssl');
  if (ssl === 'true' || ssl === '1') return 'verify-full';
  if (ssl === 'false' || ssl === '0') return 'disable';
  if (ssl === 'no-verify') return 'no-verify';
  // A CA bundle, wherever it is named, says the server is to be verified.
  const namesFiles = ['sslrootcert', 'sslcert', 'sslkey'].some((name) => params.has(name));
  return namesFiles || caFile !== undefined ? 'verify-full' : undefined;
}

/** checkServerIdentity that accepts any name: the chain is still checked against the CA (verify-ca). */
const ANY_NAME = () => undefined;

function sslFor(
  mode: SslMode,
  ca: string | 'system' | undefined,
  source: CaSource | undefined,
): ConnectionOptions | false {
  if (mode === 'disable') return false;
  if (mode === 'no-verify') return { rejectUnauthorized: false };
  if (ca === 'system' && mode !== 'verify-full') {
    throw configError(
      `DATABASE_URL has sslmode=${mode} with ${source?.name}=system: use sslmode=verify-full with system`,
    );
  }
  const bundle = typeof ca === 'string' && ca !== 'system' ? { ca } : {};
  if (mode === 'verify-full') return { rejectUnauthorized: true, ...bundle };
  if (mode === 'verify-ca' && ca === undefined) {
    throw configError(
      'DATABASE_URL has sslmode=verify-ca but names no CA bundle: set DATABASE_CA_FILE to the bundle of the ' +
        `certificate authority that signed the server's certificate (${RDS_BUNDLE})`,
    );
  }
  // As libpq: require (and prefer, allow) with a CA bundle checks the chain like verify-ca.
  return ca === undefined
    ? { rejectUnauthorized: false }
    : { rejectUnauthorized: true, checkServerIdentity: ANY_NAME, ...bundle };
}

/**
 * The pool settings for DATABASE_URL, with sslmode read as libpq reads it (node-postgres 8 reads
 * require and verify-ca as verify-full), the CA bundle from sslrootcert in the URL,
 * DATABASE_CA_FILE or PGSSLROOTCERT, and every file read and checked now, at start.
 */
export function databaseConnection(settings: TlsSettings): DatabaseConnection {
  let url: URL;
  try {
    url = new URL(settings.DATABASE_URL);
  } catch {
    // node-postgres reads some strings the URL parser refuses; the URL is never echoed (it may hold a password).
    if (settings.DATABASE_CA_FILE === undefined)
      return {
        config: { connectionString: settings.DATABASE_URL },
        tls: { mode: undefined, trust: SYSTEM_TRUST },
      };
    throw configError(
      'DATABASE_CA_FILE is set, but DATABASE_URL cannot be read as a URL to apply it to: write it as ' +
        'postgres://user:password@host:5432/jitbot?sslmode=verify-full, percent-encoding special characters in the password',
    );
  }
  const params = url.searchParams;
  const mode = modeOf(params, settings.DATABASE_CA_FILE);
  if (mode === undefined)
    return { config: { connectionString: settings.DATABASE_URL }, tls: { mode, trust: SYSTEM_TRUST } };
  const source = caSourceOf(params, settings, mode);
  if (
    source !== undefined &&
    (mode === 'disable' || mode === 'no-verify') &&
    source.name !== 'PGSSLROOTCERT'
  ) {
    throw configError(
      `DATABASE_URL has sslmode=${mode}, which never checks the server, yet ${source.name} names a CA bundle: ` +
        'use sslmode=verify-full to have the server checked against it, or remove the bundle',
    );
  }
  const ca = source === undefined ? undefined : source.path === 'system' ? 'system' : readCaBundle(source);
  const ssl = sslFor(mode, ca, source);
  const client = ssl === false ? {} : clientCertificate(params);
  const negotiation = params.get('sslnegotiation');
  for (const name of URL_TLS_PARAMS) params.delete(name);
  const config: pg.PoolConfig = {
    connectionString: url.toString(),
    ssl: ssl === false ? false : { ...ssl, ...client },
    ...(negotiation === 'direct' || negotiation === 'postgres' ? { sslnegotiation: negotiation } : {}),
  };
  const trust = source === undefined || ca === 'system' ? SYSTEM_TRUST : `${source.name} (${source.path})`;
  const tls = { mode, trust, ...(source ? { caSetting: source.name } : {}) };
  if (ssl === false || ssl.rejectUnauthorized !== false) return { config, tls };
  const warning =
    `the connection to PostgreSQL is encrypted but the server is not verified (sslmode=${mode}), so anything on ` +
    'the network path could pose as it: use sslmode=verify-full with DATABASE_CA_FILE';
  return { config, tls, warning };
}
