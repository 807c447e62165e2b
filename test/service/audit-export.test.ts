/**
 * `jitbot audit export`: every audit event, one record per line, with what an auditor asks of a
 * record (what, when, where, source, outcome, who), as JSON Lines or CSV; a window by time;
 * mistakes refused with words; and a million events in bounded memory through the built CLI.
 */
import { createReadStream, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditExport } from '../../src/audit-export-command.js';
import { withLongRead } from '../../src/db/long-read.js';
import { createPool } from '../../src/db/pool.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';
import { runCli, serviceEnv } from '../support/service-process.js';

let database: TestDatabase;
/** The ids the three events of this file were given, in order. */
const ids: string[] = [];

/** The closing admin typed a comma, quotes and a line break into --by: CSV must quote all three. */
const AWKWARD_ACTOR = 'cli:Smith, "Bob"\nops';

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  const events = [
    [
      '2024-05-01T09:00:00.123456Z',
      'UREQ1',
      'request.submitted',
      'ok',
      'REQ-AAAA0001',
      null,
      { ticket: 'OPS-1' },
    ],
    [
      '2024-05-01T09:00:01Z',
      'jitbot',
      'aws.iam.AddUserToGroup',
      'ok',
      'REQ-AAAA0001',
      'GNT-AAAA0001',
      {
        account: '111111111111',
        resource: 'jit-prod-admin',
        principal: 'alice',
        providerRequestId: 'aws-req-1',
      },
    ],
    ['2024-05-01T10:00:00Z', AWKWARD_ACTOR, 'grant.closed-by-hand', 'ok', 'REQ-AAAA0001', 'GNT-AAAA0001', {}],
  ] as const;
  for (const [at, actor, action, outcome, requestId, grantId, details] of events) {
    const { rows } = await database.pool.query<{ id: string }>(
      `INSERT INTO audit_events (occurred_at, actor, action, outcome, request_id, grant_id, target_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, 'prod-admin', $7) RETURNING id::text AS id`,
      [at, actor, action, outcome, requestId, grantId, details],
    );
    ids.push(String(rows[0]?.id));
  }
});
afterAll(() => database.drop());

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function exportWith(args: string[], now = new Date('2024-05-01T10:30:00Z')): Promise<Run> {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const errLines: string[] = [];
  const code = await runAuditExport(args, database.pool, out, (line) => errLines.push(line), now);
  return { code, out: chunks.join(''), err: errLines.join('\n') };
}

const jsonLines = () => [
  `{"id":${ids[0]},"occurred_at":"2024-05-01T09:00:00.123456Z","action":"request.submitted","component":"request","outcome":"ok","actor":"UREQ1","request_id":"REQ-AAAA0001","grant_id":null,"target_id":"prod-admin","account":null,"resource":null,"principal":null,"provider_request_id":null,"details":{"ticket": "OPS-1"}}`,
  `{"id":${ids[1]},"occurred_at":"2024-05-01T09:00:01.000000Z","action":"aws.iam.AddUserToGroup","component":"aws","outcome":"ok","actor":"jitbot","request_id":"REQ-AAAA0001","grant_id":"GNT-AAAA0001","target_id":"prod-admin","account":"111111111111","resource":"jit-prod-admin","principal":"alice","provider_request_id":"aws-req-1","details":{"account": "111111111111", "resource": "jit-prod-admin", "principal": "alice", "providerRequestId": "aws-req-1"}}`,
  `{"id":${ids[2]},"occurred_at":"2024-05-01T10:00:00.000000Z","action":"grant.closed-by-hand","component":"grant","outcome":"ok","actor":"cli:Smith, \\"Bob\\"\\nops","request_id":"REQ-AAAA0001","grant_id":"GNT-AAAA0001","target_id":"prod-admin","account":null,"resource":null,"principal":null,"provider_request_id":null,"details":{}}`,
];

describe('jitbot audit export', () => {
  it('writes every event as one JSON object per line, oldest first, keys always in the same order', async () => {
    const run = await exportWith([]);
    expect(run.code).toBe(0);
    expect(run.out).toBe(`${jsonLines().join('\n')}\n`);
    for (const line of run.out.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(run.err).toMatch(/^exported 3 events from the first recorded event to \d{4}-\d\d-\d\dT[\d:]+Z$/);
  });

  it('writes CSV with a header line, quoting commas, quotes and line breaks as RFC 4180 says', async () => {
    const run = await exportWith(['--format', 'csv']);
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      [
        'id,occurred_at,action,component,outcome,actor,request_id,grant_id,target_id,account,resource,principal,provider_request_id,details',
        `${ids[0]},2024-05-01T09:00:00.123456Z,request.submitted,request,ok,UREQ1,REQ-AAAA0001,,prod-admin,,,,,"{""ticket"": ""OPS-1""}"`,
        `${ids[1]},2024-05-01T09:00:01.000000Z,aws.iam.AddUserToGroup,aws,ok,jitbot,REQ-AAAA0001,GNT-AAAA0001,prod-admin,111111111111,jit-prod-admin,alice,aws-req-1,"{""account"": ""111111111111"", ""resource"": ""jit-prod-admin"", ""principal"": ""alice"", ""providerRequestId"": ""aws-req-1""}"`,
        `${ids[2]},2024-05-01T10:00:00.000000Z,grant.closed-by-hand,grant,ok,"cli:Smith, ""Bob""\nops",REQ-AAAA0001,GNT-AAAA0001,prod-admin,,,,,{}`,
        '',
      ].join('\n'),
    );
  });

  it('--since is inclusive and --until exclusive, and the summary names the window', async () => {
    const run = await exportWith(['--since', '2024-05-01T09:00:01Z', '--until', '2024-05-01T12:00:00+02:00']);
    expect(run.code).toBe(0);
    expect(run.out).toBe(`${jsonLines()[1]}\n`);
    expect(run.err).toBe('exported 1 event from 2024-05-01T09:00:01Z to 2024-05-01T10:00:00Z');
    const day = await exportWith(['--since', '2024-05-01', '--until', '2024-05-02']);
    expect(day.out.trim().split('\n')).toHaveLength(3);
  });

  it('a duration counts back from now', async () => {
    const run = await exportWith(['--since', '1h'], new Date('2024-05-01T10:30:00Z'));
    expect(run.out).toBe(`${jsonLines()[2]}\n`);
    expect(run.err).toMatch(/^exported 1 event from 2024-05-01T09:30:00Z to /);
  });

  it.each([
    [['--since', 'yesterday'], '--since: "yesterday" is neither a date, a time nor a duration'],
    [['--since', '2024-05-01T10:00'], '--since: 2024-05-01T10:00 has no time zone: add Z for UTC'],
    [['--until', '2024-02-30'], '--until: 2024-02-30 is not a date in the calendar'],
    [['--since', '2024-05-02', '--until', '2024-05-01'], 'must be before --until'],
    [['--format', 'xml'], '--format xml is not one jitbot writes: give jsonl or csv'],
    [['--bogus'], 'there is no option --bogus: the options are --since, --until, --format and --out'],
    [['--since'], '--since needs a value'],
    [['everything'], 'unexpected everything: every setting is an option'],
  ])('refuses %j with exit 2, words and the usage, writing nothing', async (args, words) => {
    const run = await exportWith(args);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toContain(words);
    expect(run.err).toContain('Usage:\n  jitbot audit export');
  });

  it('--out writes the file whole, readable by its owner only', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jitbot-export-')), 'audit.jsonl');
    const run = await exportWith(['--out', file]);
    expect(run.code).toBe(0);
    expect(run.out).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(`${jsonLines().join('\n')}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(run.err).toContain(`into ${file}`);
  });

  it('an export that fails leaves no file behind, and says so', async () => {
    const empty = await createTestDatabase();
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'jitbot-export-')), 'audit.jsonl');
      const errLines: string[] = [];
      const out = new Writable({ write: (_chunk, _encoding, done) => done() });
      const code = await runAuditExport(['--out', file], empty.pool, out, (line) => errLines.push(line));
      expect(code).toBe(1);
      expect(errLines.join('\n')).toContain(
        'jitbot audit export stopped after 0 events: relation "audit_events"',
      );
      expect(errLines.join('\n')).toContain(`${file} was not written; run the export again.`);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(`${file}.partial`)).toBe(false);
    } finally {
      await empty.drop();
    }
  });

  it('waits for a slow reader: when the export ends, the reader has every line', async () => {
    const received: string[] = [];
    // Room in its buffer for all of it: the write is accepted at once and finished 20 ms later.
    const slow = new Writable({
      write(chunk: Buffer, _encoding, done) {
        setTimeout(() => {
          received.push(chunk.toString('utf8'));
          done();
        }, 20);
      },
    });
    const code = await runAuditExport([], database.pool, slow, () => undefined);
    expect(code).toBe(0);
    expect(received.join('')).toBe(`${jsonLines().join('\n')}\n`);
  });

  it('a reader that goes away ends the export with exit 1 and words, not a crash', async () => {
    const out = new Writable({ write: (_chunk, _encoding, done) => done(new Error('write EPIPE')) });
    const errLines: string[] = [];
    const code = await runAuditExport([], database.pool, out, (line) => errLines.push(line));
    expect(code).toBe(1);
    expect(errLines.join('\n')).toContain(
      'write EPIPE. What was written is incomplete; run the export again.',
    );
  });
});

describe('the reads of admin commands', () => {
  it("are not held to the service's statement limits: a FETCH late in a large log may take long", async () => {
    const strict = createPool(database.url, silentLogger, 1, {
      connectMs: 5_000,
      statementMs: 50,
      queryMs: 100,
    });
    try {
      await expect(strict.query('SELECT pg_sleep(0.2)')).rejects.toThrow();
      const slept = await withLongRead(strict, async (query) => {
        await query('SELECT pg_sleep(0.2)');
        return (await query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0];
      });
      expect(slept).toEqual({ statement_timeout: '10min' });
    } finally {
      await strict.end();
    }
  });
});

/** The peak of a process's resident memory, read from /proc while it runs, in kB. */
function sampleRss(pid: number) {
  let peakKb = 0;
  let samples = 0;
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      samples += 1;
    } catch {
      // Gone between two samples: the exit is awaited by the caller.
    }
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return { peakKb, samples };
    },
  };
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines += 1;
  }
  return lines;
}

describe('a million events', () => {
  const EVENTS = 1_000_000;
  let big: TestDatabase;
  beforeAll(async () => {
    big = await createTestDatabase({ migrated: true });
    // What a busy year of grants writes: AWS calls with their account, resource and request id.
    await big.pool.query(
      `INSERT INTO audit_events (occurred_at, actor, action, outcome, request_id, grant_id, target_id, details)
       SELECT timestamptz '2024-01-01' + n * interval '10 seconds', 'jitbot', 'aws.iam.AddUserToGroup', 'ok',
              'REQ-' || lpad(n::text, 8, '0'), 'GNT-' || lpad(n::text, 8, '0'), 'prod-admin',
              jsonb_build_object('account', '111111111111', 'resource', 'jit-prod-admin',
                                 'principal', 'user' || n, 'providerRequestId', md5(n::text))
         FROM generate_series(1, $1::int) AS n`,
      [EVENTS],
    );
  }, 120_000);
  afterAll(() => big?.drop());

  it('export through the CLI with a cursor, in under 150 MB of memory', { timeout: 120_000 }, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jitbot-export-')), 'audit.jsonl');
    const run = runCli(
      ['audit', 'export', '--out', file],
      serviceEnv({ DATABASE_URL: big.url, LOG_LEVEL: 'warn' }),
    );
    const sampler = sampleRss(Number(run.child.pid));
    const exit = await run.exited;
    const { peakKb, samples } = sampler.stop();
    expect(exit.code, run.output()).toBe(0);
    expect(samples).toBeGreaterThan(10);
    expect(peakKb / 1024).toBeLessThan(150);
    expect(run.output()).toContain(`exported ${EVENTS} events from the first recorded event to `);
    expect(await countLines(file)).toBe(EVENTS);
  });
});
