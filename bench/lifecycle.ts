/**
 * Full lifecycles per minute: request (signed slash command), approval DM, approve (signed click),
 * AddUserToGroup, every message of the approval, expiry, RemoveUserFromGroup, the revoked DM with
 * every other message updated. The built service (`node dist/cli.js serve`) runs in its own
 * process against a real PostgreSQL, as in production; the fake Slack runs in a process of its
 * own; the fake AWS (STS, IAM, Scheduler, real SDK calls over HTTP) and the driver run here.
 * Expiry is the one step not waited for (durations are whole minutes): each grant's expires_at is
 * moved into the past and the workers woken, as test/support/grant-steps.ts `expireNow` does
 * (bench:revocation instead writes grants that fall due seconds later, and wakes the worker).
 *
 *   npm run bench:lifecycle
 *   LIFECYCLES=200 npm run bench:lifecycle          (fewer; WARMUP more are run first, not counted)
 *   RATE=max CONCURRENCY=32 npm run bench:lifecycle (as fast as jitbot takes them, 32 at a time)
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:lifecycle
 * The database: DATABASE_URL as is, else a fresh one on 127.0.0.1:5432 (dropped), else embedded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { driveLoad, type LoadShape } from './lifecycle/load.js';
import {
  checkOutcome,
  ms,
  peakRssMegabytes,
  percentile,
  type SlackTotals,
  stepLines,
} from './lifecycle/report.js';
import { createSignedPoster } from './lifecycle/signed-poster.js';
import { epochNow, type Lifecycle, runLifecycle, type StepDeps } from './lifecycle/steps.js';
import {
  ACCOUNT_ID,
  APPROVER_ID,
  CATALOG,
  CONNECTOR_ROLE_ARN,
  EXTERNAL_ID,
  GROUP,
  iamUserOf,
  requesterOf,
  watchMemberships,
} from './lifecycle/world.js';
import { type BenchDatabase, openBenchDatabase } from './support/bench-database.js';
import { loggedProblems, rssMegabytes, startJitbot } from './support/jitbot-service.js';
import { cleanUp, cpuMillis, firstLine, stopChild } from './support/processes.js';
import { startTimedFakeAws, type TimedFakeAws } from './support/timed-fake-aws.js';

const LIFECYCLES = Number(process.env.LIFECYCLES ?? 2000);
/** Until V8 has optimised the hot paths, CPU goes to compiling them; a live server is warm. */
const WARMUP = Number(process.env.WARMUP ?? 100);
/** Offered lifecycles per minute, or `max`: as fast as jitbot takes them, CONCURRENCY at a time. */
const RATE = process.env.RATE ?? '1200';
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const MAX_IN_FLIGHT = Number(process.env.MAX_IN_FLIGHT ?? 100);
const STEP_TIMEOUT_MS = 60_000;
const GOAL_PER_MINUTE = 1000;
const GOAL_ADD_P99_MS = 250;
const TSX = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');

const shape: LoadShape =
  RATE === 'max'
    ? { kind: 'lanes', lanes: CONCURRENCY }
    : { kind: 'rate', perMinute: Number(RATE), maxInFlight: MAX_IN_FLIGHT };

function describeShape(): string {
  return shape.kind === 'lanes'
    ? `as fast as jitbot takes them, ${shape.lanes} at a time`
    : `offered at ${shape.perMinute}/min (one every ${ms(60_000 / shape.perMinute)}), at most ${shape.maxInFlight} in flight`;
}

interface Slack {
  readonly url: string;
  totals(): Promise<SlackTotals>;
  record(requestId: string): Promise<unknown>;
}

async function startSlack(children: ChildProcess[]): Promise<Slack> {
  const child = spawn(TSX, [join(import.meta.dirname, 'lifecycle', 'slack-server.ts'), APPROVER_ID], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const url = await firstLine(child);
  const ask = async (method: string, args: object = {}) =>
    (await fetch(`${url}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    }).then((response) => response.json())) as Record<string, unknown>;
  return {
    url,
    totals: async () => (await ask('bench.totals')) as unknown as SlackTotals,
    record: async (requestId) => (await ask('bench.record', { requestId })).record,
  };
}

/** Lifecycles per minute over the measured ones: from the first's command to the last's done. */
function perMinute(measured: readonly Lifecycle[]): { rate: number; wallMs: number } {
  const first = Math.min(...measured.map((one) => one.sentAt));
  const last = Math.max(...measured.map((one) => one.doneAt));
  const wallMs = last - first;
  return { rate: (measured.length / wallMs) * 60_000, wallMs };
}

async function run(
  fake: TimedFakeAws,
  database: BenchDatabase,
  dir: string,
  children: ChildProcess[],
): Promise<boolean> {
  const slack = await startSlack(children);
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const jitbot = await startJitbot({
    dir,
    catalogPath: join(dir, 'jitbot.yaml'),
    dataDir: join(dir, 'data'),
    slackUrl: slack.url,
    awsUrl: fake.url,
    databaseUrl: database.url,
    nodeArgs,
  });
  children.push(jitbot.child);
  const poster = createSignedPoster(64);
  const deps: StepDeps = {
    jitbotUrl: jitbot.url,
    slackUrl: slack.url,
    poster,
    pool: database.pool,
    aws: watchMemberships(fake),
    stepTimeoutMs: STEP_TIMEOUT_MS,
  };
  const total = WARMUP + LIFECYCLES;
  console.log(
    `lifecycles: ${LIFECYCLES} (after ${WARMUP} warm-up, not counted), ${describeShape()}; ` +
      `${database.describe}; started ${new Date(epochNow()).toISOString()}`,
  );
  const cpuBefore = { jitbot: cpuMillis(jitbot.child.pid), slack: cpuMillis(children[0]?.pid) };
  const startedAt = epochNow();
  let measureCpu: { jitbot: number | undefined; at: number } | undefined;
  const result = await driveLoad(shape, total, (index) => {
    if (index === WARMUP) measureCpu = { jitbot: cpuMillis(jitbot.child.pid), at: epochNow() };
    return runLifecycle(deps, index);
  });
  const endedAt = epochNow();
  const cpuAfter = { jitbot: cpuMillis(jitbot.child.pid), slack: cpuMillis(children[0]?.pid) };
  const rss = rssMegabytes(jitbot.child.pid);
  const peak = peakRssMegabytes(jitbot.child.pid);
  poster.close();

  const measured = result.done.filter((one) => one.index >= WARMUP).sort((a, b) => a.index - b.index);
  const adds = measured.map((one) => one.addedAt - one.clickedAt).sort((a, b) => a - b);
  const { rate, wallMs } = perMinute(measured);
  const addP99 = percentile(adds, 99);
  console.log(
    `done: ${result.done.length} of ${total} (${measured.length} measured), stuck ${result.stuck.length}; ` +
      `in flight at most ${result.peakInFlight}${result.heldBack > 0 ? `, ${result.heldBack} starts held back by the cap` : ''}; ` +
      `all ${((endedAt - startedAt) / 1000).toFixed(1)} s`,
  );
  console.log('each step (ms, one clock: the driver, the fake AWS here, the fake Slack beside it):');
  for (const line of stepLines(measured)) console.log(line);
  const jitbotCpu =
    measureCpu?.jitbot !== undefined && cpuAfter.jitbot !== undefined
      ? (cpuAfter.jitbot - measureCpu.jitbot) / measured.length
      : undefined;
  const slackCpu =
    cpuBefore.slack !== undefined && cpuAfter.slack !== undefined
      ? (cpuAfter.slack - cpuBefore.slack) / total
      : undefined;
  console.log(
    `CPU per lifecycle: jitbot ${jitbotCpu === undefined ? '-' : ms(jitbotCpu)}` +
      `${slackCpu === undefined ? '' : `, fake Slack ${ms(slackCpu)}`}; ` +
      `jitbot RSS at the end ${rss === undefined ? '-' : `${rss.toFixed(1)} MB`} (peak ${peak === undefined ? '-' : `${peak.toFixed(1)} MB`})`,
  );
  const checks = await checkOutcome(database.pool, fake, result.done.length, await slack.totals());
  for (const line of checks.lines) console.log(line);
  const problems = loggedProblems(jitbot.output()).filter((line) => !line.includes('allowedEmailDomains'));
  if (problems.length > 0) {
    console.log(`jitbot logged ${problems.length} warnings/errors; the first ones:`);
    for (const line of problems.slice(0, 3)) console.log(`  ${line.slice(0, 400)}`);
  }
  const firstStuck = result.stuck[0];
  if (firstStuck) {
    console.log(`first stuck: ${firstStuck.message}`);
    if (firstStuck.requestId)
      console.log(`  its messages: ${JSON.stringify(await slack.record(firstStuck.requestId))}`);
  }

  const complete = result.stuck.length === 0 && checks.ok;
  const ratePass = complete && rate >= GOAL_PER_MINUTE;
  const addPass = complete && addP99 < GOAL_ADD_P99_MS;
  console.log(
    `goal: >= ${GOAL_PER_MINUTE} lifecycles/min          ${ratePass ? 'PASS' : 'MISS'} ` +
      `(${rate.toFixed(0)}/min: ${measured.length} in ${(wallMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `goal: approve -> AddUserToGroup p99 < ${GOAL_ADD_P99_MS} ms   ${addPass ? 'PASS' : 'MISS'} (p99 ${ms(addP99)})`,
  );
  await stopChild(jitbot.child);
  return complete;
}

const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'jitbot-bench-'));
// As root the embedded PostgreSQL runs as another user, which must be able to pass through.
chmodSync(dir, 0o755);
writeFileSync(join(dir, 'jitbot.yaml'), stringify(CATALOG));
const children: ChildProcess[] = [];
let fake: TimedFakeAws | undefined;
let database: BenchDatabase | undefined;
let exitCode = 0;
try {
  fake = await startTimedFakeAws({
    accountId: ACCOUNT_ID,
    connectorRoleArn: CONNECTOR_ROLE_ARN,
    externalId: EXTERNAL_ID,
    group: GROUP,
    members: [],
  });
  for (let index = 0; index < WARMUP + LIFECYCLES; index += 1)
    fake.account.addUser(iamUserOf(requesterOf(index)));
  database = await openBenchDatabase();
  if (!(await run(fake, database, dir, children))) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await cleanUp({ started, dir, children, fake, database });
}
process.exit(exitCode);
