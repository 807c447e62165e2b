/**
 * PostgreSQL over TLS, as on RDS: a throwaway server (the embedded PostgreSQL binaries) with a
 * certificate from a CA made for the test, which accepts TLS connections only. jitbot verifies
 * it against DATABASE_CA_FILE, PGSSLROOTCERT or sslrootcert in the URL, and every refusal says
 * what is wrong and what to do, without the password.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { findPostgresBinaries, type PostgresBinaries } from '../../src/db/embedded-binaries.js';
import { createLogger } from '../../src/log/logger.js';

const run = promisify(execFile);
const logger = createLogger('silent');
/** Any password: the server trusts TLS connections, so it only has to stay out of every message. */
const PASSWORD = 's3cret-in-the-url';

let work: string;
let pgData: string;
let port: number;
let binaries: PostgresBinaries;
/** PostgreSQL refuses to run as root: as root (CI), it runs as the postgres user. */
let runAs: { uid?: number; gid?: number } = {};
const files = { ca: '', otherCa: '', notPem: '' };
const open: Database[] = [];

async function openssl(...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: work });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed certificate authority: `<name>.pem` and its key. */
async function makeCa(name: string, subject: string): Promise<string> {
  const caExtensions = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ];
  const out = ['-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject];
  await openssl('req', '-x509', ...EC_KEY, ...caExtensions, ...out);
  return join(work, `${name}.pem`);
}

/** A CA and a server certificate it signs, naming only `localhost`; a second CA that signed nothing here. */
async function makeCertificates(): Promise<void> {
  files.ca = await makeCa('ca', '/CN=jitbot test CA');
  files.otherCa = await makeCa('other-ca', '/CN=another CA');
  await openssl('req', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(work, 'server.ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const signing = ['-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-extfile', 'server.ext'];
  await openssl('x509', '-req', '-in', 'server.csr', ...signing, '-out', 'server.crt', '-days', '2');
  files.notPem = join(work, 'server.key');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A TCP server that answers the client's first packet with `reply` and hangs up; its port. */
async function answeringOnce(reply: string | Buffer, work: (port: number) => Promise<void>): Promise<void> {
  const server: Server = createServer((socket) => socket.once('data', () => socket.end(reply)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  try {
    await work(typeof address === 'object' && address ? address.port : 0);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function ownedByServer(path: string, mode: number): void {
  chmodSync(path, mode);
  if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(path, runAs.uid, runAs.gid);
}

/** initdb, then TLS on with the certificate above, TCP on localhost, and only `hostssl` lines in pg_hba.conf. */
async function startTlsServer(): Promise<void> {
  binaries = await findPostgresBinaries();
  await run(
    binaries.initdb,
    ['-D', pgData, '-U', 'postgres', '-A', 'trust', '--no-instructions', '--no-sync', '--locale=C'],
    {
      ...runAs,
      env: { ...process.env, LC_ALL: 'C' },
    },
  );
  for (const name of ['server.crt', 'server.key']) {
    writeFileSync(join(pgData, name), readFileSync(join(work, name)));
    // PostgreSQL refuses a key file that others can read.
    ownedByServer(join(pgData, name), 0o600);
  }
  const settings = [
    'ssl = on',
    "ssl_cert_file = 'server.crt'",
    "ssl_key_file = 'server.key'",
    "listen_addresses = 'localhost'",
    `port = ${port}`,
    `unix_socket_directories = '${pgData}'`,
  ];
  writeFileSync(join(pgData, 'postgresql.conf'), `\n${settings.join('\n')}\n`, { flag: 'a' });
  writeFileSync(
    join(pgData, 'pg_hba.conf'),
    'hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n',
  );
  await run(
    binaries.pg_ctl,
    ['start', '-D', pgData, '-l', join(pgData, 'server.log'), '-w', '-t', '30', '-s'],
    runAs,
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'jitbot-tls-'));
  // The server, run as postgres when the tests run as root, must pass through to its data dir.
  chmodSync(work, 0o711);
  if (process.getuid?.() === 0) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    runAs = { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  pgData = join(work, 'pgdata');
  mkdirSync(pgData);
  ownedByServer(pgData, 0o700);
  port = await freePort();
  await makeCertificates();
  await startTlsServer();
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((database) => database.close().catch(() => undefined)));
  if (binaries)
    await run(binaries.pg_ctl, ['stop', '-D', pgData, '-m', 'immediate', '-w', '-s'], runAs).catch(
      () => undefined,
    );
  rmSync(work, { recursive: true, force: true });
});

function envWith(variables: Record<string, string>) {
  return parseEnv({ SLACK_SIGNING_SECRET: 'test-secret', SLACK_BOT_TOKEN: 'xoxb-test', ...variables });
}

function urlFor(host: string, query: string, serverPort = port): string {
  return `postgres://postgres:${PASSWORD}@${host}:${serverPort}/postgres?${query}`;
}

async function opened(variables: Record<string, string>, migrate = false): Promise<Database> {
  const database = await openDatabase(envWith(variables), logger, { migrate });
  open.push(database);
  return database;
}

/** The error openDatabase refuses with; fails the test if it opens. */
async function refusal(variables: Record<string, string>): Promise<{ code: string; message: string }> {
  try {
    await opened(variables);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected openDatabase to refuse');
}

async function encrypted(database: Database): Promise<boolean | undefined> {
  const { rows } = await database.pool.query<{ ssl: boolean }>(
    'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
  );
  return rows[0]?.ssl;
}

describe('sslmode=verify-full with a CA bundle', () => {
  it('DATABASE_CA_FILE: migrates and answers ready over an encrypted connection', async () => {
    const database = await opened(
      { DATABASE_URL: urlFor('localhost', 'sslmode=verify-full'), DATABASE_CA_FILE: files.ca },
      true,
    );
    // The server takes TLS connections only, so the migration connection was one too.
    await expect(database.readiness()).resolves.toMatchObject({ ready: true });
    expect(await encrypted(database)).toBe(true);
  });

  it('PGSSLROOTCERT works in place of DATABASE_CA_FILE, as with libpq', async () => {
    const database = await opened({
      DATABASE_URL: urlFor('localhost', 'sslmode=verify-full'),
      PGSSLROOTCERT: files.ca,
    });
    expect(await encrypted(database)).toBe(true);
  });

  it('sslrootcert in the URL still works (the runtime module bakes the RDS bundle into the image)', async () => {
    const database = await opened({
      DATABASE_URL: urlFor('localhost', `sslmode=verify-full&sslrootcert=${encodeURIComponent(files.ca)}`),
    });
    expect(await encrypted(database)).toBe(true);
  });

  it('a CA that did not sign the server certificate is refused, naming the bundle to use', async () => {
    const error = await refusal({
      DATABASE_URL: urlFor('localhost', 'sslmode=verify-full'),
      DATABASE_CA_FILE: files.otherCa,
    });
    expect(error.code).toBe('database_unreachable');
    expect(error.message).toContain(
      `presented a TLS certificate that no certificate authority in DATABASE_CA_FILE (${files.otherCa}) vouches for`,
    );
    expect(error.message).toMatch(
      /unable to verify the first certificate|self-signed certificate in certificate chain/,
    );
    expect(error.message).toContain(
      'Point DATABASE_CA_FILE at the PEM bundle of the certificate authority that signed',
    );
    expect(error.message).toContain('global-bundle.pem');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('without any bundle, node does not trust a private CA, and the words say which variable to set', async () => {
    const error = await refusal({ DATABASE_URL: urlFor('localhost', 'sslmode=verify-full') });
    expect(error.message).toContain(
      "no certificate authority in node's built-in list (plus NODE_EXTRA_CA_CERTS)",
    );
    expect(error.message).toContain('Set DATABASE_CA_FILE to the PEM bundle of the certificate authority');
  });
});

describe('the host name', () => {
  it('verify-full refuses a host the certificate does not name (127.0.0.1 for a localhost certificate)', async () => {
    const error = await refusal({
      DATABASE_URL: urlFor('127.0.0.1', 'sslmode=verify-full'),
      DATABASE_CA_FILE: files.ca,
    });
    expect(error.code).toBe('database_unreachable');
    expect(error.message).toContain('does not name the host in DATABASE_URL');
    expect(error.message).toContain("IP: 127.0.0.1 is not in the cert's list");
    expect(error.message).toContain(
      'sslmode=verify-ca, which checks the certificate authority but not the name',
    );
    expect(error.message).not.toContain(PASSWORD);
  });

  it('verify-ca accepts it: the chain is still checked against the CA', async () => {
    const database = await opened({
      DATABASE_URL: urlFor('127.0.0.1', 'sslmode=verify-ca'),
      DATABASE_CA_FILE: files.ca,
    });
    expect(await encrypted(database)).toBe(true);
    const wrongCa = await refusal({
      DATABASE_URL: urlFor('127.0.0.1', 'sslmode=verify-ca'),
      DATABASE_CA_FILE: files.otherCa,
    });
    expect(wrongCa.message).toContain('no certificate authority in DATABASE_CA_FILE');
  });
});

describe('the other modes', () => {
  it('sslmode=require encrypts without checking the server (as libpq does), and says so at start', async () => {
    const lines: string[] = [];
    const capturing = createLogger('warn', { write: (line: string) => void lines.push(line) });
    const database = await openDatabase(
      envWith({ DATABASE_URL: urlFor('127.0.0.1', 'sslmode=require') }),
      capturing,
      {
        migrate: false,
      },
    );
    open.push(database);
    expect(await encrypted(database)).toBe(true);
    expect(lines.map((line) => JSON.parse(line).msg)).toContain(
      'the connection to PostgreSQL is encrypted but the server is not verified (sslmode=require), so anything on ' +
        'the network path could pose as it: use sslmode=verify-full with DATABASE_CA_FILE',
    );
  });

  it('a server that requires TLS, reached without it, is refused with the setting to add', async () => {
    const error = await refusal({ DATABASE_URL: urlFor('127.0.0.1', 'application_name=jitbot') });
    expect(error.message).toContain('refuses connections without TLS');
    expect(error.message).toContain('Set sslmode=verify-full in DATABASE_URL and set DATABASE_CA_FILE');
  });

  it('a server without TLS is refused when the URL asks for it', async () => {
    // Answers "N" to the client's SSLRequest, as a PostgreSQL with ssl = off does.
    await answeringOnce('N', async (plainPort) => {
      const error = await refusal({
        DATABASE_URL: urlFor('127.0.0.1', 'sslmode=verify-full', plainPort),
        DATABASE_CA_FILE: files.ca,
      });
      expect(error.message).toContain(
        'does not accept TLS connections, and jitbot is set to use it (sslmode=verify-full)',
      );
      expect(error.message).toContain('Turn TLS on in the server');
    });
  });
});

describe('the CA bundle is checked at start', () => {
  it('a missing file names the variable and the fix', async () => {
    const missing = join(work, 'no-such-bundle.pem');
    const error = await refusal({
      DATABASE_URL: urlFor('localhost', 'sslmode=verify-full'),
      DATABASE_CA_FILE: missing,
    });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain(`DATABASE_CA_FILE names ${missing}, which jitbot cannot read (ENOENT`);
    expect(error.message).toContain('readable by the user jitbot runs as');
  });

  it('a file that is not a PEM bundle of certificates is refused (a key, here)', async () => {
    const error = await refusal({
      DATABASE_URL: urlFor('localhost', 'sslmode=verify-full'),
      PGSSLROOTCERT: files.notPem,
    });
    expect(error.message).toContain(
      `PGSSLROOTCERT names ${files.notPem}, which is not a PEM bundle of certificates`,
    );
    expect(error.message).toContain('has no -----BEGIN CERTIFICATE----- block');
  });

  it('two different bundles, one in the URL and one in DATABASE_CA_FILE, are refused rather than guessed between', async () => {
    const error = await refusal({
      DATABASE_URL: urlFor('localhost', `sslmode=verify-full&sslrootcert=${encodeURIComponent(files.ca)}`),
      DATABASE_CA_FILE: files.otherCa,
    });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('keep one of them');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('a bundle beside sslmode=disable is a contradiction, said before anything connects', async () => {
    const error = await refusal({
      DATABASE_URL: urlFor('localhost', 'sslmode=disable'),
      DATABASE_CA_FILE: files.ca,
    });
    expect(error.message).toContain('DATABASE_URL has sslmode=disable, which never checks the server');
  });
});

/** A PostgreSQL ErrorResponse message, as PgBouncer sends one in answer to a startup packet. */
function errorResponse(fields: Record<string, string>): Buffer {
  const body = Buffer.concat([
    ...Object.entries(fields).map(([code, value]) => Buffer.from(`${code}${value}\0`)),
    Buffer.from('\0'),
  ]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from('E'), length, body]);
}

describe('behind PgBouncer', () => {
  it('a pooler that refuses the statement_timeout startup parameter is explained, with both ways out', async () => {
    const refused = errorResponse({
      S: 'FATAL',
      C: '08P01',
      M: 'unsupported startup parameter: statement_timeout',
    });
    await answeringOnce(refused, async (poolerPort) => {
      const error = await refusal({
        DATABASE_URL: urlFor('127.0.0.1', 'application_name=jitbot', poolerPort),
      });
      expect(error.code).toBe('database_unreachable');
      expect(error.message).toContain(
        'refused a connection: unsupported startup parameter: statement_timeout',
      );
      expect(error.message).toContain('add statement_timeout to ignore_startup_parameters in pgbouncer.ini');
      expect(error.message).toContain("ALTER ROLE jitbot SET statement_timeout = '15s'");
      expect(error.message).not.toContain(PASSWORD);
    });
  });
});
