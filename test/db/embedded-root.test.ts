/**
 * `cp .env.example .env && npm ci && npm start` in a checkout under /root, as root: PostgreSQL
 * runs as the "postgres" user, which cannot pass through /root, so the default ./data cannot be
 * used and the embedded database lives in a place of its own, the same one at every start.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseDataDir, type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/db/embedded.js';
import { createLogger } from '../../src/log/logger.js';

/** CI and this project's machines run the tests as root; elsewhere the "not root" outcome is asserted. */
const asRoot = process.getuid?.() === 0;
/** A user that owns nothing here, standing in for "postgres" in the decision alone. */
const OTHER_USER = { uid: 4_000_000, gid: 4_000_000 };

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'jitbot-root-'));
  // mkdtemp makes it private; the closed directory in each test is the one made for the purpose.
  chmodSync(work, 0o755);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A checkout inside a directory closed to others, as /root/jitbot is. */
function closedCheckout(name: string): string {
  const home = join(work, `${name}-home`);
  mkdirSync(home, { mode: 0o700 });
  const checkout = join(home, 'jitbot');
  mkdirSync(checkout);
  return checkout;
}

/** An open place for the fallback root, as /var/lib is. */
function openFallbackRoot(name: string): string {
  const parent = join(work, `${name}-var-lib`);
  mkdirSync(parent, { mode: 0o755 });
  return join(parent, 'jitbot');
}

/** `npm start` resolves JITBOT_DATA_DIR=./data against the directory it runs in. */
async function inDir<T>(dir: string, work: () => Promise<T> | T): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await work();
  } finally {
    process.chdir(before);
  }
}

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  return { logger, messages: () => lines.map((line) => JSON.parse(line).msg as string) };
}

const exists = (path: string) => statSync(path, { throwIfNoEntry: false }) !== undefined;

describe('choosing where the embedded database lives', () => {
  it('moves the default ./data out of a closed directory to one place named after it, the same every time', async () => {
    const checkout = closedCheckout('moves');
    const fallbackRoot = openFallbackRoot('moves');
    const first = await inDir(checkout, () => chooseDataDir('./data', OTHER_USER, fallbackRoot));
    const again = await inDir(checkout, () => chooseDataDir('data/', OTHER_USER, fallbackRoot));
    expect(dirname(first.dataDir)).toBe(fallbackRoot);
    expect(first.dataDir).toMatch(/\/data-[0-9a-f]{12}$/);
    expect(first.movedBecause).toContain(`which cannot reach ${join(checkout, 'data')}`);
    expect(first.movedBecause).toContain(`(${dirname(checkout)} is closed to other users)`);
    expect(again.dataDir).toBe(first.dataDir);

    const other = closedCheckout('moves-other');
    const elsewhere = await inDir(other, () => chooseDataDir('./data', OTHER_USER, fallbackRoot));
    expect(elsewhere.dataDir).not.toBe(first.dataDir);
  });

  it('never moves a JITBOT_DATA_DIR someone chose, nor a reachable one, nor when not root', async () => {
    const checkout = closedCheckout('stays');
    const fallbackRoot = openFallbackRoot('stays');
    const chosen = join(checkout, 'data');
    expect(chooseDataDir(chosen, OTHER_USER, fallbackRoot)).toEqual({ dataDir: chosen });
    expect(await inDir(checkout, () => chooseDataDir('./data', {}, fallbackRoot))).toEqual({
      dataDir: chosen,
    });
    const open = join(work, 'open-checkout');
    mkdirSync(open, { mode: 0o755 });
    expect(await inDir(open, () => chooseDataDir('./data', OTHER_USER, fallbackRoot))).toEqual({
      dataDir: join(open, 'data'),
    });
  });

  it('keeps a database where it already is: in ./data, or in the fallback after the way opens', async () => {
    const checkout = closedCheckout('kept');
    const fallbackRoot = openFallbackRoot('kept');
    mkdirSync(join(checkout, 'data', 'postgres'), { recursive: true });
    writeFileSync(join(checkout, 'data', 'postgres', 'PG_VERSION'), '18\n');
    expect(await inDir(checkout, () => chooseDataDir('./data', OTHER_USER, fallbackRoot))).toEqual({
      dataDir: join(checkout, 'data'),
    });

    const opened = closedCheckout('opened');
    const moved = await inDir(opened, () => chooseDataDir('./data', OTHER_USER, fallbackRoot));
    mkdirSync(join(moved.dataDir, 'postgres'), { recursive: true });
    writeFileSync(join(moved.dataDir, 'postgres', 'PG_VERSION'), '18\n');
    // chmod o+x /root: the database stays where its data is.
    chmodSync(dirname(opened), 0o711);
    const later = await inDir(opened, () => chooseDataDir('./data', OTHER_USER, fallbackRoot));
    expect(later.dataDir).toBe(moved.dataDir);
    expect(later.movedBecause).toContain('it was created there on an earlier start');
  });
});

describe(asRoot ? 'the first start as root from a closed directory' : 'the first start as a user', () => {
  async function rowsIn(database: EmbeddedDatabase, sql: string): Promise<unknown[]> {
    const client = new pg.Client(database.connection);
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it('starts with the default ./data, logs where the database went and why, and finds it there again', async () => {
    const checkout = closedCheckout('start');
    const fallbackRoot = openFallbackRoot('start');
    const configured = join(checkout, 'data');
    const first = capturingLogger();
    const database = await inDir(checkout, () =>
      startEmbeddedDatabase('./data', first.logger, { fallbackRoot }),
    );
    const dataDir = database.dataDir;
    try {
      await rowsIn(database, "CREATE TABLE kept AS SELECT 'before the restart' AS words");
    } finally {
      await database.stop();
    }
    if (!asRoot) {
      expect(dataDir).toBe(configured);
      expect(exists(fallbackRoot)).toBe(false);
      return;
    }
    expect(dirname(dataDir)).toBe(fallbackRoot);
    expect(exists(configured)).toBe(false);
    const moved = first.messages().find((message) => message.startsWith('the embedded database lives in'));
    expect(moved).toBe(
      `the embedded database lives in ${dataDir}, not in ${configured}: jitbot runs as root, so PostgreSQL ` +
        `runs as the "postgres" user, which cannot reach ${configured} (${dirname(checkout)} is closed to ` +
        'other users). jitbot started from this directory finds it there every time. To choose yourself, ' +
        'set JITBOT_DATA_DIR to a directory the postgres user can reach, or set DATABASE_URL.',
    );
    // Passable by "postgres", listable by nobody else; the cluster itself is postgres's alone.
    expect(statSync(fallbackRoot).mode & 0o777).toBe(0o711);
    expect(statSync(join(dataDir, 'postgres')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'postgres')).uid).not.toBe(0);

    const second = capturingLogger();
    const again = await inDir(checkout, () =>
      startEmbeddedDatabase('./data', second.logger, { fallbackRoot }),
    );
    try {
      expect(again.dataDir).toBe(dataDir);
      expect(await rowsIn(again, 'SELECT words FROM kept')).toEqual([{ words: 'before the restart' }]);
      expect(second.messages()).not.toContain('creating the embedded database (first start)');
      expect(
        second.messages().some((message) => message.startsWith(`the embedded database lives in ${dataDir}`)),
      ).toBe(true);
    } finally {
      await again.stop();
    }
  });

  it('keeps the clear error for a JITBOT_DATA_DIR someone chose that the postgres user cannot reach', async () => {
    const checkout = closedCheckout('chosen');
    const fallbackRoot = openFallbackRoot('chosen');
    const chosen = join(checkout, 'data');
    const { logger } = capturingLogger();
    if (!asRoot) {
      const database = await startEmbeddedDatabase(chosen, logger, { fallbackRoot });
      await database.stop();
      expect(database.dataDir).toBe(chosen);
      return;
    }
    await expect(startEmbeddedDatabase(chosen, logger, { fallbackRoot })).rejects.toThrow(
      `jitbot runs as root, so the embedded PostgreSQL runs as the "postgres" user, which cannot reach ${chosen} ` +
        `because ${dirname(checkout)} is closed to other users. Open it (chmod o+x ${dirname(checkout)}), set JITBOT_DATA_DIR`,
    );
    expect(exists(fallbackRoot)).toBe(false);
  });
});
