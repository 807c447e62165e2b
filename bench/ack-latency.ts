/**
 * Ack latency of /request-aws-access: 500 signed slash commands, 50 at a time, sent to the built
 * jitbot service (real Bolt, real PostgreSQL, Slack faked) and to a bare Bolt app that only acks,
 * in the same run. Every server runs in its own process; this one only sends.
 *
 * Two load shapes, each measured ROUNDS times per app (alternating, percentiles pooled):
 * - bursts: 50 commands at once, the next 50 once all are acked and their forms open. A crowd
 *   typing the command at the same moment; the goal applies here.
 * - saturated: 50 connections, each sending its next command the moment the last is acked. The
 *   server never idles, so latency is 50 x the CPU one command costs (Little's law): this figure
 *   compares CPU per command, which is printed beside it.
 *
 *   npm run bench:ack            (embedded database; set DATABASE_URL to use a server)
 *   BENCH_TEXT=help npm run bench:ack   (another command text; the default opens the form)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BOT_TOKEN, CLI, freePort, SIGNING_SECRET } from '../test/support/service-process.js';
import { TEST_CATALOG_DATA } from '../test/support/test-catalog.js';
import { createFixedPool } from './support/fixed-connections.js';
import { cpuMillis, firstLine } from './support/processes.js';

const TOTAL = 500;
const AT_A_TIME = 50;
/** Until V8 has optimised the hot paths, CPU goes to compiling them; a live server is warm. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TEXT = process.env.BENCH_TEXT ?? '';
/** The bare command opens the form: one views.open per command, after the ack. */
const OPENS_FORM = TEXT === '';
const GOAL_RATIO = 1.5;
const GOAL_P99_MS = 100;
const TSX = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');

type Shape = 'bursts' | 'saturated';

interface Server {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  /** Whether it opens the form after the ack (the bare app only acks). */
  readonly opensForms: boolean;
}

interface Sample {
  readonly latencies: number[];
  /** CPU ms the server and the fake Slack used per command, ack and the work after it. */
  readonly serverCpu: number | undefined;
  readonly fakeCpu: number | undefined;
}

const pool = createFixedPool(AT_A_TIME);
let triggerSequence = 0;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < 300; tries += 1) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function viewsOpened(slackUrl: string): Promise<number> {
  const answer = (await (await fetch(`${slackUrl}bench.viewsOpened`, { method: 'POST' })).json()) as {
    count: number;
  };
  return answer.count;
}

/** When each command was sent, wall clock, by trigger id: to time its form opening. */
const sentAt = new Map<string, number>();

async function sendOne(server: Server, latencies: number[]): Promise<void> {
  triggerSequence += 1;
  const fields = {
    command: '/request-aws-access',
    text: TEXT,
    user_id: `UBENCH${triggerSequence % 40}`,
    team_id: 'TFAKE',
    channel_id: 'CBENCH',
    trigger_id: `trigger.${triggerSequence}`,
    response_url: `${server.url}/unused`,
  };
  const started = performance.now();
  sentAt.set(fields.trigger_id, performance.timeOrigin + started);
  const status = await pool.post(server.url, fields, SIGNING_SECRET);
  latencies.push(performance.now() - started);
  if (status !== 200) throw new Error(`${server.name} answered ${status}`);
}

/** Resolves once the fake Slack has opened `count` forms in all. */
function formsOpened(slackUrl: string, count: number): Promise<boolean> {
  return waitFor('the forms to open', async () =>
    (await viewsOpened(slackUrl)) >= count ? true : undefined,
  );
}

async function send(server: Server, shape: Shape, total: number, slackUrl: string): Promise<number[]> {
  const latencies: number[] = [];
  const viewsPerCommand = server.opensForms && OPENS_FORM ? 1 : 0;
  const viewsBefore = await viewsOpened(slackUrl);
  let sent = 0;
  if (shape === 'bursts') {
    while (sent < total) {
      const burst = Math.min(AT_A_TIME, total - sent);
      sent += burst;
      await Promise.all(Array.from({ length: burst }, () => sendOne(server, latencies)));
      // Each burst meets a server that has finished the last one, forms and all.
      await formsOpened(slackUrl, viewsBefore + sent * viewsPerCommand);
    }
  } else {
    const lane = async () => {
      while (sent < total) {
        sent += 1;
        await sendOne(server, latencies);
      }
    };
    await Promise.all(Array.from({ length: AT_A_TIME }, lane));
  }
  // The forms are part of the work a command costs, so the CPU figure waits for them too.
  await formsOpened(slackUrl, viewsBefore + total * viewsPerCommand);
  return latencies;
}

async function measure(server: Server, fake: ChildProcess, slackUrl: string, shape: Shape): Promise<Sample> {
  const before = [cpuMillis(server.process.pid), cpuMillis(fake.pid)];
  const latencies = await send(server, shape, TOTAL, slackUrl);
  const after = [cpuMillis(server.process.pid), cpuMillis(fake.pid)];
  const [serverCpu, fakeCpu] = after.map((value, index) => {
    const start = before[index];
    return value === undefined || start === undefined ? undefined : (value - start) / TOTAL;
  });
  return { latencies, serverCpu, fakeCpu };
}

/** From sending each command to its form being open in the fake Slack, for jitbot's commands. */
async function formLatencies(slackUrl: string): Promise<number[]> {
  const { openedAt } = (await (await fetch(`${slackUrl}bench.openedAt`, { method: 'POST' })).json()) as {
    openedAt: Record<string, number>;
  };
  return Object.entries(openedAt)
    .flatMap(([trigger, at]) => {
      const sent = sentAt.get(trigger);
      return sent === undefined ? [] : [at - sent];
    })
    .sort((a, b) => a - b);
}

function pooled(samples: Sample[]) {
  const latencies = samples.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
  const mean = (values: (number | undefined)[]) =>
    values.some((value) => value === undefined)
      ? undefined
      : (values as number[]).reduce((sum, value) => sum + value, 0) / values.length;
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    serverCpu: mean(samples.map((sample) => sample.serverCpu)),
    fakeCpu: mean(samples.map((sample) => sample.fakeCpu)),
  };
}

function line(name: string, figures: ReturnType<typeof pooled>): string {
  const cpu =
    figures.serverCpu === undefined
      ? ''
      : `   CPU/command ${figures.serverCpu.toFixed(2)} ms` +
        (figures.fakeCpu && figures.fakeCpu > 0.01
          ? ` (+${figures.fakeCpu.toFixed(2)} ms in the fake Slack)`
          : '');
  return `  ${name.padEnd(14)} p50 ${figures.p50.toFixed(1).padStart(6)} ms   p99 ${figures.p99.toFixed(1).padStart(6)} ms${cpu}`;
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
  const bareProcess = run(TSX, [
    join(import.meta.dirname, 'support', 'bare-bolt.ts'),
    String(barePort),
    slackUrl,
  ]);
  children.push(bareProcess);
  await firstLine(bareProcess);
  const jitbotPort = await freePort();
  const jitbotEnv = {
    PATH: process.env.PATH,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slackUrl,
    JITBOT_CATALOG: join(dir, 'jitbot.yaml'),
    JITBOT_DATA_DIR: join(dir, 'data'),
    PORT: String(jitbotPort),
    LOG_LEVEL: 'warn',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
  const jitbotProcess = run(
    process.execPath,
    [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), CLI, 'serve'],
    jitbotEnv,
  );
  children.push(jitbotProcess);
  const bare: Server = {
    name: 'bare Bolt app',
    url: `http://127.0.0.1:${barePort}`,
    process: bareProcess,
    opensForms: false,
  };
  const jitbot: Server = {
    name: 'jitbot',
    url: `http://127.0.0.1:${jitbotPort}`,
    process: jitbotProcess,
    opensForms: true,
  };
  // Ready, not just alive: before Slack has named the workspace, commands are told to wait.
  await waitFor('jitbot to be ready', async () =>
    (await fetch(`${jitbot.url}/readyz`)).ok ? true : undefined,
  );

  console.log(
    `ack latency of /request-aws-access${OPENS_FORM ? ' (opens the request form)' : ` ${TEXT}`}: ` +
      `${TOTAL} commands ${AT_A_TIME} at a time, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} per app, after ${WARMUP} warm-up each`,
  );
  for (const server of [bare, jitbot]) await send(server, 'saturated', WARMUP, slackUrl);
  sentAt.clear();
  for (const shape of ['bursts', 'saturated'] as const) {
    const samples = new Map<Server, Sample[]>([
      [bare, []],
      [jitbot, []],
    ]);
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? [bare, jitbot] : [jitbot, bare];
      for (const server of order) samples.get(server)?.push(await measure(server, fake, slackUrl, shape));
    }
    const forms = OPENS_FORM ? await formLatencies(slackUrl) : [];
    sentAt.clear();
    const bareFigures = pooled(samples.get(bare) ?? []);
    const jitbotFigures = pooled(samples.get(jitbot) ?? []);
    const ratio = jitbotFigures.p99 / bareFigures.p99;
    console.log(
      shape === 'bursts'
        ? `bursts: ${AT_A_TIME} commands at once, the next ${AT_A_TIME} when all are acked${OPENS_FORM ? ' and their forms open' : ''}`
        : `saturated: ${AT_A_TIME} connections, each sending its next command on the ack (latency = ${AT_A_TIME} x CPU/command)`,
    );
    console.log(line(bare.name, bareFigures));
    console.log(line(jitbot.name, jitbotFigures));
    if (forms.length > 0) {
      console.log(
        `  jitbot's forms open ${percentile(forms, 50).toFixed(1)} ms (p50) and ${percentile(forms, 99).toFixed(1)} ms (p99) after the command (Slack allows 3000)`,
      );
    }
    if (shape === 'bursts') {
      const met = ratio <= GOAL_RATIO && jitbotFigures.p99 < GOAL_P99_MS;
      console.log(
        `  p99 ratio jitbot/bare: ${ratio.toFixed(2)}x (goal: <= ${GOAL_RATIO}x, and jitbot p99 < ${GOAL_P99_MS} ms): ${met ? 'PASS' : 'MISS'}`,
      );
    } else {
      console.log(`  p99 ratio jitbot/bare: ${ratio.toFixed(2)}x`);
    }
  }
} finally {
  pool.close();
  for (const child of children.reverse()) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  rmSync(dir, { recursive: true, force: true });
}
