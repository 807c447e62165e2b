/**
 * Ack latency of /request-aws-access: 500 signed slash commands, 50 in flight at a time, sent to
 * the built jitbot service (real Bolt, real PostgreSQL, Slack faked) and to a bare Bolt app that
 * only acks, in the same run. Every server runs in its own process; this one only sends.
 *
 *   npm run bench:ack            (embedded database; set DATABASE_URL to use a server)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BOT_TOKEN, CLI, freePort, SIGNING_SECRET } from '../test/support/service-process.js';
import { TEST_CATALOG_DATA } from '../test/support/test-catalog.js';
import { createFixedPool } from './support/fixed-connections.js';
import { firstLine } from './support/processes.js';

const TOTAL = 500;
const CONCURRENCY = 50;
const pool = createFixedPool(CONCURRENCY);
const WARMUP = 100;
const TSX = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function untilHealthy(url: string): Promise<void> {
  for (let tries = 0; tries < 300; tries += 1) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never became healthy`);
}

async function measure(baseUrl: string, total: number): Promise<number[]> {
  const latencies: number[] = [];
  let sent = 0;
  async function lane(): Promise<void> {
    while (sent < total) {
      sent += 1;
      const fields = {
        command: '/request-aws-access',
        text: process.env.BENCH_TEXT ?? '',
        user_id: `UBENCH${sent % 40}`,
        team_id: 'TFAKE',
        channel_id: 'CBENCH',
        trigger_id: `trigger.${sent}`,
        response_url: `${baseUrl}/unused`,
      };
      const started = performance.now();
      const status = await pool.post(baseUrl, fields, SIGNING_SECRET);
      latencies.push(performance.now() - started);
      if (status !== 200) throw new Error(`ack answered ${status}`);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return latencies.sort((a, b) => a - b);
}

function report(name: string, latencies: number[]): number {
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(
    `${name.padEnd(14)} p50 ${p50.toFixed(1).padStart(6)} ms   p99 ${p99.toFixed(1).padStart(6)} ms   (n=${latencies.length})`,
  );
  return p99;
}

const dir = mkdtempSync(join(tmpdir(), 'jitbot-bench-'));
// As root the embedded PostgreSQL runs as another user, which must be able to pass through.
chmodSync(dir, 0o755);
writeFileSync(join(dir, 'jitbot.yaml'), stringify(TEST_CATALOG_DATA));
const children: ChildProcess[] = [];
try {
  const fake = run(TSX, [join(import.meta.dirname, 'support', 'fake-slack-server.ts')]);
  children.push(fake);
  const slackUrl = await firstLine(fake);
  const barePort = await freePort();
  const bare = run(TSX, [join(import.meta.dirname, 'support', 'bare-bolt.ts'), String(barePort), slackUrl]);
  children.push(bare);
  await firstLine(bare);
  const jitbotPort = await freePort();
  const jitbotEnv = {
    PATH: process.env.PATH,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: process.env.BENCH_JITBOT_SLACK_URL ?? slackUrl,
    JITBOT_CATALOG: join(dir, 'jitbot.yaml'),
    JITBOT_DATA_DIR: join(dir, 'data'),
    PORT: String(jitbotPort),
    LOG_LEVEL: 'warn',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
  children.push(
    run(
      process.execPath,
      [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), CLI, 'serve'],
      jitbotEnv,
    ),
  );
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const jitbotUrl = `http://127.0.0.1:${jitbotPort}`;
  await untilHealthy(jitbotUrl);

  console.log(
    `ack latency: ${TOTAL} slash commands, ${CONCURRENCY} in flight (after ${WARMUP} warm-up each)`,
  );
  await measure(bareUrl, WARMUP);
  await measure(jitbotUrl, WARMUP);
  const bareP99 = report('bare Bolt app', await measure(bareUrl, TOTAL));
  const jitbotP99 = report('jitbot', await measure(jitbotUrl, TOTAL));
  console.log(
    `p99 ratio jitbot/bare: ${(jitbotP99 / bareP99).toFixed(2)}x (goal: <= 1.5x, and jitbot p99 < 100 ms)`,
  );
} finally {
  pool.close();
  for (const child of children.reverse()) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  rmSync(dir, { recursive: true, force: true });
}
