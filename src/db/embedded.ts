import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describeError, UserFacingError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { findPostgresBinaries, type PostgresBinaries } from './embedded-binaries.js';

const run = promisify(execFile);

const DATABASE = 'jitbot';
const SUPERUSER = 'postgres';
const PORT = 5432;
/** Held for the owner's whole life: proof that a live jitbot owns this data directory. */
const OWNER_LOCK_KEY = 7_246_051_002;
/** Unix socket paths are limited to ~107 bytes; longer data paths get a socket dir in tmp. */
const MAX_SOCKET_PATH = 100;

export interface EmbeddedDatabase {
  readonly connection: pg.PoolConfig;
  readonly dataDir: string;
  stop(): Promise<void>;
}

interface Layout {
  readonly dataDir: string;
  readonly pgData: string;
  readonly socketDir: string;
  readonly logFile: string;
}

export interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
}

function layoutFor(dataDir: string): Layout {
  const root = resolve(dataDir);
  const pgData = join(root, 'postgres');
  let socketDir = join(root, 'run');
  if (`${socketDir}/.s.PGSQL.${PORT}`.length > MAX_SOCKET_PATH) {
    socketDir = join(tmpdir(), `jitbot-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`);
  }
  return { dataDir: root, pgData, socketDir, logFile: join(pgData, 'server.log') };
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
async function resolveRunAs(): Promise<RunAs> {
  if (userInfo().uid !== 0) return {};
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', SUPERUSER]), run('id', ['-g', SUPERUSER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new UserFacingError(
      'embedded_database_failed',
      'jitbot runs as root, and PostgreSQL cannot: the embedded database needs a "postgres" system user to run as. ' +
        'Run jitbot as a non-root user, create the user (useradd --system postgres), or set DATABASE_URL.',
    );
  }
}

/**
 * The first directory on the way to `dataDir` that the user PostgreSQL runs as cannot pass
 * through: not its own and closed to others. The data directory itself does not count when it is
 * jitbot's own (it is opened for passing below), nor do parts that do not exist yet (jitbot
 * creates them open for passing).
 */
function closedDirOnTheWay(dataDir: string, runAs: RunAs): string | undefined {
  if (runAs.uid === undefined) return undefined;
  for (let dir = dataDir; ; dir = dirname(dir)) {
    const stat = statSync(dir, { throwIfNoEntry: false });
    const ownDataDir = dir === dataDir && stat?.uid === userInfo().uid;
    if (stat && !ownDataDir && stat.uid !== runAs.uid && (stat.mode & 0o001) === 0) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** A directory jitbot owns: others may pass through it (PostgreSQL may run as another user), not list it. */
function openForPassing(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const own = statSync(dir);
  if (own.uid === userInfo().uid && (own.mode & 0o001) === 0) chmodSync(dir, (own.mode & 0o7777) | 0o001);
}

/** Every directory above the data directory must be searchable by the user PostgreSQL runs as. */
function assertReachable(layout: Layout, runAs: RunAs): void {
  const closed = closedDirOnTheWay(layout.dataDir, runAs);
  if (closed === undefined) return;
  throw new UserFacingError(
    'embedded_database_failed',
    `jitbot runs as root, so the embedded PostgreSQL runs as the "postgres" user, which cannot reach ` +
      `${layout.dataDir} because ${closed} is closed to other users. Open it (chmod o+x ${closed}), set ` +
      'JITBOT_DATA_DIR to a directory outside it (e.g. /var/lib/jitbot), run jitbot as a non-root user, or set DATABASE_URL.',
  );
}

/** Where the embedded database lives when jitbot, as root, cannot use the default ./data. */
export const FALLBACK_DATA_ROOT = '/var/lib/jitbot';

/** The value JITBOT_DATA_DIR has when nobody chose it (unset, or as .env.example writes it). */
export function isDefaultDataDir(configured: string): boolean {
  return normalize(configured).replace(/\/+$/, '') === 'data';
}

export interface DataDirChoice {
  readonly dataDir: string;
  /** Set when the database lives elsewhere than configured: why, for the log. */
  readonly movedBecause?: string;
}

const holdsDatabase = (dataDir: string) => existsSync(join(dataDir, 'postgres', 'PG_VERSION'));

/**
 * Where the embedded database lives. As configured, except when jitbot runs as root with the
 * default ./data inside a directory closed to others (a checkout in /root): PostgreSQL runs as
 * the "postgres" user and could not reach it, so the database lives under `fallbackRoot`, in a
 * directory named after the configured path. The same checkout finds the same place at every
 * start, and keeps it once a database is there, even if the way to ./data opens later.
 * A JITBOT_DATA_DIR someone chose is never moved: backups and volumes point at it.
 */
export function chooseDataDir(configured: string, runAs: RunAs, fallbackRoot: string): DataDirChoice {
  const wanted = resolve(configured);
  if (runAs.uid === undefined || !isDefaultDataDir(configured) || holdsDatabase(wanted))
    return { dataDir: wanted };
  const fallback = join(
    fallbackRoot,
    `data-${createHash('sha256').update(wanted).digest('hex').slice(0, 12)}`,
  );
  const closed = closedDirOnTheWay(wanted, runAs);
  if (closed !== undefined)
    return {
      dataDir: fallback,
      movedBecause: `jitbot runs as root, so PostgreSQL runs as the "postgres" user, which cannot reach ${wanted} (${closed} is closed to other users)`,
    };
  if (holdsDatabase(fallback))
    return {
      dataDir: fallback,
      movedBecause: `it was created there on an earlier start, when the "postgres" user could not reach ${wanted}`,
    };
  return { dataDir: wanted };
}

function makeOwnedDir(dir: string, runAs: RunAs): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(dir, runAs.uid, runAs.gid);
  // The socket directory may live in a shared tmp dir: one someone else made could intercept it.
  const expectedOwner = runAs.uid ?? userInfo().uid;
  if (statSync(dir).uid !== expectedOwner) {
    throw new UserFacingError(
      'embedded_database_failed',
      `${dir} belongs to another user, so the embedded database will not use it. Remove it, or set JITBOT_DATA_DIR.`,
    );
  }
}

/** initdb into a scratch directory, then rename: two processes racing on a new dir cannot mix. */
async function initialise(
  binaries: PostgresBinaries,
  layout: Layout,
  runAs: RunAs,
  logger: Logger,
): Promise<void> {
  const scratch = `${layout.pgData}.init-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  makeOwnedDir(scratch, runAs);
  logger.info({ dataDir: layout.dataDir }, 'creating the embedded database (first start)');
  try {
    await run(
      binaries.initdb,
      ['-D', scratch, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      { ...runAs, env: { ...process.env, LC_ALL: 'C' } },
    );
    writeFileSync(join(scratch, 'postgresql.conf'), "\ninclude_if_exists = 'jitbot.conf'\n", { flag: 'a' });
    renameSync(scratch, layout.pgData);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    if (existsSync(join(layout.pgData, 'PG_VERSION'))) return;
    throw new UserFacingError(
      'embedded_database_failed',
      `could not create the embedded database: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Written at every start: the socket location follows the data directory if it is moved. */
function writeServerSettings(layout: Layout, runAs: RunAs): void {
  const file = join(layout.pgData, 'jitbot.conf');
  const quoted = layout.socketDir.replace(/'/g, "''");
  writeFileSync(
    file,
    [
      '# Written by jitbot at every start. Only a Unix socket, only for its owner: no TCP port.',
      "listen_addresses = ''",
      `unix_socket_directories = '${quoted}'`,
      'unix_socket_permissions = 0700',
      `port = ${PORT}`,
      'max_connections = 50',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(file, runAs.uid, runAs.gid);
}

function connectionFor(layout: Layout, database: string): pg.ClientConfig {
  return { host: layout.socketDir, port: PORT, user: SUPERUSER, database };
}

async function canConnect(layout: Layout): Promise<boolean> {
  const client = new pg.Client({ ...connectionFor(layout, 'postgres'), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startServer(binaries: PostgresBinaries, layout: Layout, runAs: RunAs): Promise<void> {
  try {
    await run(binaries.pg_ctl, ['start', '-D', layout.pgData, '-l', layout.logFile, '-w', '-t', '60', '-s'], {
      ...runAs,
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (error) {
    // A server already running here (a second jitbot, or one orphaned by a killed jitbot) is
    // sorted out by the owner lock below; anything else is a real failure.
    if (await canConnect(layout)) return;
    throw new UserFacingError(
      'embedded_database_failed',
      `the embedded PostgreSQL in ${layout.pgData} did not start: ${describeError(error)}. See ${layout.logFile}.`,
      { cause: error },
    );
  }
}

async function stopServer(binaries: PostgresBinaries, layout: Layout, runAs: RunAs): Promise<void> {
  await run(binaries.pg_ctl, ['stop', '-D', layout.pgData, '-m', 'fast', '-w', '-t', '60', '-s'], {
    ...runAs,
  });
}

async function claimOwnership(layout: Layout): Promise<pg.Client> {
  const client = new pg.Client(connectionFor(layout, 'postgres'));
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
    OWNER_LOCK_KEY,
  ]);
  if (rows[0]?.locked) {
    client.on('error', () => undefined);
    return client;
  }
  await client.end();
  throw new UserFacingError(
    'embedded_database_locked',
    `another jitbot process is already using the embedded database in ${layout.dataDir}. ` +
      'Stop that process first, give this one its own JITBOT_DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
  );
}

async function ensureDatabase(owner: pg.Client): Promise<void> {
  const { rowCount } = await owner.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (rowCount === 0) await owner.query(`CREATE DATABASE ${DATABASE}`);
}

export interface EmbeddedOptions {
  /** Where the database goes when root cannot use the default ./data; tests give a temporary one. */
  readonly fallbackRoot?: string;
}

/**
 * Starts (or adopts) the PostgreSQL that lives in `dataDir` (see chooseDataDir for the one
 * exception). A server left running by a jitbot that was killed is adopted: its owner lock died
 * with that process's connection.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  logger: Logger,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const binaries = await findPostgresBinaries();
  const runAs = await resolveRunAs();
  const fallbackRoot = options.fallbackRoot ?? FALLBACK_DATA_ROOT;
  const choice = chooseDataDir(dataDir, runAs, fallbackRoot);
  const layout = layoutFor(choice.dataDir);
  if (choice.movedBecause !== undefined) {
    openForPassing(fallbackRoot);
    logger.info(
      { dataDir: layout.dataDir, configured: resolve(dataDir) },
      `the embedded database lives in ${layout.dataDir}, not in ${resolve(dataDir)}: ${choice.movedBecause}. ` +
        'jitbot started from this directory finds it there every time. To choose yourself, set JITBOT_DATA_DIR ' +
        'to a directory the postgres user can reach, or set DATABASE_URL.',
    );
  }
  openForPassing(layout.dataDir);
  assertReachable(layout, runAs);
  if (!existsSync(join(layout.pgData, 'PG_VERSION'))) await initialise(binaries, layout, runAs, logger);
  makeOwnedDir(layout.socketDir, runAs);
  writeServerSettings(layout, runAs);
  await startServer(binaries, layout, runAs);
  const owner = await claimOwnership(layout);
  await ensureDatabase(owner);
  logger.info({ dataDir: layout.dataDir }, 'embedded database ready');
  return {
    connection: connectionFor(layout, DATABASE),
    dataDir: layout.dataDir,
    async stop() {
      await owner.end().catch(() => undefined);
      await stopServer(binaries, layout, runAs);
    },
  };
}
