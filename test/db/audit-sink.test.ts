/**
 * The audit sink against PostgreSQL and the real S3 client on the fake S3: objects named by their
 * first and last seq and head hash whose lines verify as a chain from the bucket alone, each link
 * shipped once across replicas, an identical object again after a lost answer, a bucket that
 * fails and recovers, and a restart that resumes from the cursor.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readChainHead } from '../../src/db/audit-chain-repository.js';
import { createAuditSinkSource } from '../../src/jobs/audit-sink-source.js';
import { createLogger } from '../../src/log/logger.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { shipAuditChain } from '../../src/workflow/ship-audit-chain.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';
import { FakeAws } from '../support/fake-aws.js';
import { chainAll, recordEvent } from './audit-chain-steps.js';
import { cursorOf, exportLines, linesOf, sinkOn, verifyLines } from './audit-sink-steps.js';

const aws = new FakeAws();
let endpoint = '';
const databases: TestDatabase[] = [];
const pools: pg.Pool[] = [];
beforeAll(async () => {
  endpoint = await aws.start();
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await Promise.all(databases.map((database) => database.drop()));
  await aws.stop();
});

let buckets = 0;
/** A fresh database with `events` audit events, all chained, and an empty Object Lock bucket. */
async function world(events: number) {
  const database = await createTestDatabase({ migrated: true });
  databases.push(database);
  buckets += 1;
  const name = `jitbot-audit-${buckets}`;
  const bucket = aws.s3.addBucket(name, { objectLock: { mode: 'COMPLIANCE', days: 365 } });
  await record(database.pool, events);
  return { pool: database.pool, config: database.config, bucket, name };
}

async function record(pool: pg.Pool, events: number): Promise<void> {
  for (let i = 0; i < events; i += 1)
    await recordEvent(pool, { details: { n: i, amount: 1.5, note: 'naïve "quoted", text' } });
  await chainAll(pool);
}

/** Ships until nothing waits; the outcomes. */
async function shipAll(pool: pg.Pool, sink: ReturnType<typeof sinkOn>, maxRows = 5000) {
  const outcomes = [];
  for (;;) {
    const outcome = await shipAuditChain({ pool, sink }, { maxRows, intervalSeconds: 0 });
    if (!outcome) return outcomes;
    outcomes.push(outcome);
    if (!outcome.ok) return outcomes;
  }
}

function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

describe('shipping the audit chain to S3', () => {
  it('writes objects named by first and last seq and head hash, whose lines verify from the bucket alone', async () => {
    const { pool, bucket, name } = await world(6);
    // Details the hash covers byte for byte: digits a double would lose, 1.50, a newline, and a
    // string holding the very text a reader looks for to find where the details start.
    await pool.query(
      `INSERT INTO audit_events (actor, action, outcome, request_id, grant_id, target_id, details) VALUES
         ('U9', 'grant.revoked', 'refused', NULL, '', 'prod-admin',
          '{"note": "a,\\"details\\":{} trick", "n": 12345678901234567890123, "b": 1.50, "u": "日本\\nzwei"}')`,
    );
    await chainAll(pool);
    const sink = sinkOn(endpoint, name, 'jitbot/prod');

    await shipAll(pool, sink, 3);

    const head = await readChainHead(pool);
    const keys = bucket.objects().map((object) => object.key);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^jitbot\/prod\/000000000001-000000000003-[0-9a-f]{64}\.jsonl$/);
    expect(keys[1]).toMatch(/^jitbot\/prod\/000000000004-000000000006-[0-9a-f]{64}\.jsonl$/);
    expect(keys[2]).toBe(`jitbot/prod/000000000007-000000000007-${head?.hash}.jsonl`);
    const lines = linesOf(bucket, 'jitbot/prod/');
    expect(verifyLines(lines)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Each object's name carries the hash of its last line, and its metadata what it holds.
    const first = bucket.objects()[0];
    expect(first?.key).toContain(lines[2]?.hash);
    expect(first).toMatchObject({
      contentType: 'application/x-ndjson',
      serverSideEncryption: 'AES256',
      metadata: {
        format: 'jitbot-audit-chain-v1',
        'first-seq': '1',
        'last-seq': '3',
        'prev-hash': '0'.repeat(64),
        'head-hash': lines[2]?.hash,
        lines: '3',
      },
    });
    expect(first?.checksumSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // Less its link fields, a line is the export's line for that event, byte for byte.
    expect(lines.map((line) => line.exportLine)).toEqual(await exportLines(pool));
    expect(await cursorOf(pool, sink.destination)).toMatchObject({
      shipped: 7,
      pending: null,
      last_error: null,
      last_object_key: keys[2],
    });
  });

  it('cuts a batch at the byte limit and still ships a single larger line alone', async () => {
    const { pool, bucket, name } = await world(5);
    const sink = sinkOn(endpoint, name, '');
    const outcomes = [];
    for (;;) {
      const outcome = await shipAuditChain({ pool, sink }, { maxBytes: 1, intervalSeconds: 0 });
      if (!outcome) break;
      outcomes.push(outcome);
    }
    expect(outcomes.map((outcome) => outcome.ok && outcome.lines)).toEqual([1, 1, 1, 1, 1]);
    expect(bucket.objects().map((object) => object.key.slice(0, 25))).toEqual([
      '000000000001-000000000001',
      '000000000002-000000000002',
      '000000000003-000000000003',
      '000000000004-000000000004',
      '000000000005-000000000005',
    ]);
  });

  it('ships each link exactly once when two replicas run the sink on one database', async () => {
    const { pool, config, bucket, name } = await world(0);
    const replicas = [0, 1].map(() => {
      const own = new pg.Pool({ ...config, max: 3 });
      pools.push(own);
      return createAuditSinkSource(
        { pool: own, sink: sinkOn(endpoint, name, 'two'), logger: silentLogger },
        { maxRows: 4, intervalSeconds: 0 },
      );
    });
    for (let round = 0; round < 6; round += 1) {
      await record(pool, 3);
      for (let turn = 0; turn < 4; turn += 1) {
        await Promise.all(replicas.map((replica) => replica.runDue()));
        await Promise.all(replicas.map((replica) => replica.drain?.()));
      }
    }
    await vi.waitFor(async () => {
      await Promise.all(replicas.map((replica) => replica.runDue()));
      await Promise.all(replicas.map((replica) => replica.drain?.()));
      expect((await cursorOf(pool, `s3://${name}/two`))?.shipped).toBe(18);
    });

    const puts = aws.s3.callsTo('PutObject').filter((call) => call.bucket === name);
    expect(new Set(puts.map((call) => call.key)).size).toBe(puts.length);
    expect(verifyLines(linesOf(bucket, 'two/'))).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it('after a lost answer writes the same object again, same key and bytes, however many events came since', async () => {
    const { pool, bucket, name } = await world(3);
    const sink = sinkOn(endpoint, name, 'lost');
    aws.s3.loseNextAnswers('PutObject', { how: 'drop' });

    const lost = await shipAuditChain({ pool, sink }, { intervalSeconds: 0, retryCapMs: 0 });
    expect(lost).toMatchObject({ ok: false, attempts: 1 });
    const firstKey = bucket.objects()[0]?.key ?? '';
    expect(firstKey).toMatch(/^lost\/000000000001-000000000003-/);
    expect(await cursorOf(pool, sink.destination)).toMatchObject({ shipped: 0, pending: 3, attempts: 1 });

    await record(pool, 4);
    await shipAll(pool, sink);

    const versions = bucket.versions.get(firstKey) ?? [];
    expect(versions).toHaveLength(2);
    expect(versions[1]?.body.equals(versions[0]?.body ?? Buffer.alloc(0))).toBe(true);
    expect(bucket.objects().map((object) => object.key.slice(0, 30))).toEqual([
      'lost/000000000001-000000000003',
      'lost/000000000004-000000000007',
    ]);
    expect(verifyLines(linesOf(bucket, 'lost/'))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await cursorOf(pool, sink.destination)).toMatchObject({ shipped: 7, pending: null, attempts: 0 });
  });

  it("retries within one run when S3 did the PUT but answered 500: the SDK's retry puts identical bytes", async () => {
    const { pool, bucket, name } = await world(2);
    const sink = sinkOn(endpoint, name, 'sdk-retry', 3);
    aws.s3.loseNextAnswers('PutObject', { how: 'error' });

    expect(await shipAll(pool, sink)).toEqual([expect.objectContaining({ ok: true, lines: 2 })]);
    const [object] = bucket.objects();
    const versions = bucket.versions.get(object?.key ?? '') ?? [];
    expect(versions.map((version) => version.body.toString())).toEqual([
      versions[0]?.body.toString(),
      versions[0]?.body.toString(),
    ]);
  });

  it('keeps the cursor and the reason in words while the bucket fails, then ships everything once it recovers', async () => {
    const { pool, bucket, name } = await world(4);
    const sink = sinkOn(endpoint, name, 'audit/prod');
    const options = { intervalSeconds: 0, retryCapMs: 0 };

    aws.s3.failNext('PutObject', {
      code: 'AccessDenied',
      status: 403,
      message:
        'User: arn:aws:sts::111111111111:assumed-role/jitbot/task is not authorized to perform: s3:PutObject',
    });
    const denied = await shipAuditChain({ pool, sink }, options);
    expect(denied).toMatchObject({ ok: false, attempts: 1 });
    const deniedWords = denied?.ok === false ? denied.reason : '';
    expect(deniedWords).toContain(
      `jitbot's AWS identity may not write to s3://${name}/audit/prod: allow it s3:PutObject on arn:aws:s3:::${name}/audit/prod/*`,
    );
    expect(await cursorOf(pool, sink.destination)).toMatchObject({
      shipped: 0,
      pending: 4,
      attempts: 1,
      last_error: deniedWords,
    });

    aws.s3.removeBucket(name);
    const missing = await shipAuditChain({ pool, sink }, options);
    expect(missing?.ok === false && missing.reason).toContain(
      `the bucket ${name} does not exist: create it with Object Lock as docs/audit-sink.md shows, or correct AUDIT_SINK`,
    );
    expect(await cursorOf(pool, sink.destination)).toMatchObject({ shipped: 0, pending: 4, attempts: 2 });

    aws.s3.addBucket(name, { objectLock: { mode: 'COMPLIANCE', days: 365 } });
    await record(pool, 2);
    await shipAll(pool, sink);
    const back = aws.s3.bucket(name);
    expect(back.objects().map((object) => object.key.slice(0, 36))).toEqual([
      'audit/prod/000000000001-000000000004',
      'audit/prod/000000000005-000000000006',
    ]);
    expect(verifyLines(linesOf(back, 'audit/prod/'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await cursorOf(pool, sink.destination)).toMatchObject({
      shipped: 6,
      attempts: 0,
      last_error: null,
    });
    expect(bucket).not.toBe(back);
  });

  it('resumes from the cursor after a restart, and ships the whole chain to a new destination', async () => {
    const { pool, config, bucket, name } = await world(3);
    await shipAll(pool, sinkOn(endpoint, name, 'restart'));
    await record(pool, 2);

    // Another process: its own pool, its own client, nothing in memory from the first.
    const restarted = new pg.Pool({ ...config, max: 2 });
    pools.push(restarted);
    await shipAll(restarted, sinkOn(endpoint, name, 'restart'));
    expect(bucket.objects().map((object) => object.key.slice(0, 33))).toEqual([
      'restart/000000000001-000000000003',
      'restart/000000000004-000000000005',
    ]);
    expect(aws.s3.callsTo('PutObject').filter((call) => call.key?.startsWith('restart/'))).toHaveLength(2);

    await shipAll(restarted, sinkOn(endpoint, name, 'moved'));
    expect(verifyLines(linesOf(bucket, 'moved/'))).toEqual([1, 2, 3, 4, 5]);
  });
});

/** The verification script of docs/audit-sink.md, as a reader would copy it. */
function docsScript(): string {
  const docs = readFileSync(join(PACKAGE_ROOT, 'docs', 'audit-sink.md'), 'utf8');
  const script = /```js\n(\/\/ verify-audit-sink\.mjs[\s\S]*?)```/.exec(docs)?.[1];
  if (!script) throw new Error('docs/audit-sink.md has no verify-audit-sink.mjs block');
  const file = join(mkdtempSync(join(tmpdir(), 'jitbot-verify-')), 'verify-audit-sink.mjs');
  writeFileSync(file, script);
  return file;
}

async function runScript(script: string, dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [script, dir]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('verifying from the bucket with the script in docs/audit-sink.md', () => {
  it('says the copied objects are intact up to the head, and names an edited line or a missing object', async () => {
    const { pool, bucket, name } = await world(6);
    await shipAll(pool, sinkOn(endpoint, name, 'docs'), 2);
    const dir = mkdtempSync(join(tmpdir(), 'jitbot-bucket-'));
    for (const object of bucket.objects()) writeFileSync(join(dir, basename(object.key)), object.body);
    const script = docsScript();
    const head = await readChainHead(pool);

    expect(await runScript(script, dir)).toEqual({
      code: 0,
      output: `intact: links 1 to 6, head ${head?.hash}\n`,
    });

    const second = join(dir, basename(bucket.objects()[1]?.key ?? ''));
    const original = readFileSync(second, 'utf8');
    writeFileSync(second, original.replace('"actor":"U1"', '"actor":"U2"'));
    const edited = await runScript(script, dir);
    expect(edited.code).toBe(1);
    expect(edited.output).toMatch(
      /^BROKEN: 000000000003-000000000004-[0-9a-f]{64}\.jsonl: link 3 \(audit event \d+\) was changed\n$/,
    );

    rmSync(second);
    const gap = await runScript(script, dir);
    expect(gap.output).toMatch(
      /^BROKEN: 000000000005-000000000006-[0-9a-f]{64}\.jsonl starts at link 5, expected 3\n$/,
    );
  });
});

describe('the audit sink source', () => {
  it('logs a failure in words once, backs off, and says when it writes again', async () => {
    const { pool, bucket, name } = await world(2);
    const { logger, text } = logCapture();
    let clock = Date.now();
    const source = createAuditSinkSource(
      { pool, sink: sinkOn(endpoint, name, 'logged'), logger },
      { intervalSeconds: 0, retryCapMs: 0 },
      () => clock,
    );
    aws.s3.failNext('PutObject', { code: 'AccessDenied', status: 403 });

    expect(await source.runDue()).toBe(1);
    await source.drain?.();
    expect(text()).toContain(
      `audit sink: could not write seq 1-2 to s3://${name}/logged: jitbot's AWS identity may not write to s3://${name}/logged: allow it s3:PutObject on arn:aws:s3:::${name}/logged/*`,
    );
    expect(text()).toContain(
      'The batch stays pending and is written again in 0 s (try 1); nothing is skipped',
    );
    expect(bucket.objects()).toEqual([]);

    clock += 1000;
    await vi.waitFor(async () => {
      await source.runDue();
      await source.drain?.();
      expect(bucket.objects()).toHaveLength(1);
    });
    expect(text()).toContain(`audit sink: writing to s3://${name}/logged again after 1 failed tries`);
    expect(text()).toContain(`audit sink: wrote 2 events (seq 1-2) to s3://${name}/logged`);
    expect(await source.nextDueAt()).toBeUndefined();
  });

  it('says at start whether the bucket locks what it writes', async () => {
    const { pool } = await world(0);
    aws.s3.addBucket('jitbot-unlocked');
    const checks = await Promise.all(
      [sinkOn(endpoint, 'jitbot-unlocked', 'x'), sinkOn(endpoint, `jitbot-audit-${buckets}`, 'y')].map(
        (sink) => sink.checkRetention(),
      ),
    );
    expect(checks[0]).toEqual({
      status: 'warn',
      words:
        'the objects jitbot writes to s3://jitbot-unlocked/x are not locked (the bucket has no Object Lock default retention): anyone allowed to delete or overwrite them can. Turn on Object Lock with a default retention in COMPLIANCE mode (docs/audit-sink.md)',
    });
    expect(checks[1]).toEqual({
      status: 'ok',
      words: `objects written to s3://jitbot-audit-${buckets}/y are locked for 365 days in COMPLIANCE mode`,
    });
    expect(pool).toBeDefined();
  });
});
