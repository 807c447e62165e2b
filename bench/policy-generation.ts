/**
 * What a generated policy (aws-iam-generated-policy, issue 13) costs jitbot, measured on the built
 * service in its own process against a real PostgreSQL, a fake Slack in a process of its own and a
 * fake AWS (STS, IAM) in this one:
 *
 * 1. From a signed view_submission of the request form with ten statement lines to the approval
 *    message reaching chat.postMessage for the approver: p50/p99/max over BENCH_REQUESTS requests
 *    (200), each from a requester of its own. The goal applies to requests sent one at a time,
 *    each once the one before has reached its approver: people submit forms minutes apart, so
 *    this is what one of them waits, with nothing queued ahead. Then the same number again
 *    BENCH_AT_ONCE (4) at a time, a new one as each reaches its approver: a few people at once,
 *    where generation (in the ack path) and the preparation jobs of others queue up.
 *    The first request after ready and BENCH_WARMUP (20) more are sent before and not counted.
 * 2. The start-up cost of the action data: spawn to /readyz, and the service's RSS once ready,
 *    for the catalog with the generated-policy target and for the same catalog with that target
 *    replaced by an aws-iam-policy one; BENCH_STARTS (5) rounds each, alternating, medians.
 *
 *   npm run bench:policy     (DATABASE_URL, else a fresh database on 127.0.0.1:5432, else embedded)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type BenchDatabase, openBenchDatabase } from './support/bench-database.js';
import { createFormPoster } from './support/form-poster.js';
import {
  ACCOUNT_ID,
  APPROVER_ID,
  benchCatalog,
  type CatalogVariant,
  CONNECTOR_ROLE_ARN,
  EXTERNAL_ID,
  GROUP,
  iamUserOf,
  POLICY_ARN,
  requesterId,
} from './support/generated-policy-catalog.js';
import { type JitbotSetup, loggedProblems, rssMegabytes, startJitbot } from './support/jitbot-service.js';
import {
  phaseSpreads,
  policyStartCost,
  type Sent,
  submitForm,
  waitForReply,
} from './support/policy-requests.js';
import { cleanUp, cpuMillis, firstLine, stopChild } from './support/processes.js';
import { epochNow, startTimedFakeAws, type TimedFakeAws } from './support/timed-fake-aws.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const AT_ONCE = Number(process.env.BENCH_AT_ONCE ?? 4);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const GOAL_P99_MS = 300;
const GOAL_START_EXTRA_MS = 1000;
const GOAL_RSS_EXTRA_MB = 100;
const TSX = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');

const ms = (value: number) => `${value.toFixed(1)} ms`;
const mb = (value: number) => `${value.toFixed(1)} MB`;
const signed = (value: number, unit: (value: number) => string) =>
  `${value < 0 ? '-' : '+'}${unit(Math.abs(value))}`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

function spread(name: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `  ${name.padEnd(52)} p50 ${ms(percentile(sorted, 50)).padStart(9)}   p99 ${ms(percentile(sorted, 99)).padStart(9)}   max ${ms(sorted.at(-1) ?? Number.NaN).padStart(9)}`;
}

interface World {
  readonly setup: (variant: CatalogVariant) => JitbotSetup;
  readonly slackUrl: string;
  readonly fake: TimedFakeAws;
  readonly database: BenchDatabase;
}

/** Spawn to ready and RSS once ready, per catalog; the first start of each (migrations, cold disk) is not counted. */
async function measureStartUp(world: World): Promise<void> {
  const variants: CatalogVariant[] = ['generated-policy', 'fixed-policy'];
  const figures = new Map<CatalogVariant, { ready: number[]; rss: number[] }>(
    variants.map((variant) => [variant, { ready: [], rss: [] }]),
  );
  for (let round = -1; round < STARTS; round += 1) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const jitbot = await startJitbot(world.setup(variant));
      const rss = rssMegabytes(jitbot.child.pid);
      await stopChild(jitbot.child);
      if (round < 0) continue;
      figures.get(variant)?.ready.push(jitbot.readyMs);
      if (rss !== undefined) figures.get(variant)?.rss.push(rss);
    }
  }
  const of = (variant: CatalogVariant) => {
    const found = figures.get(variant) ?? { ready: [], rss: [] };
    return { ready: median(found.ready), rss: found.rss.length > 0 ? median(found.rss) : Number.NaN };
  };
  const generated = of('generated-policy');
  const fixed = of('fixed-policy');
  console.log(
    `start-up: spawn -> /readyz 200, and RSS once ready (${STARTS} rounds each, alternating; medians)`,
  );
  console.log(
    `  catalog with the aws-iam-generated-policy target   ready ${ms(generated.ready).padStart(9)}   RSS ${mb(generated.rss).padStart(9)}`,
  );
  console.log(
    `  same catalog, that target an aws-iam-policy        ready ${ms(fixed.ready).padStart(9)}   RSS ${mb(fixed.rss).padStart(9)}`,
  );
  const extraReady = generated.ready - fixed.ready;
  const extraRss = generated.rss - fixed.rss;
  console.log(
    `  goal: start-up < ${GOAL_START_EXTRA_MS} ms extra   ${extraReady < GOAL_START_EXTRA_MS ? 'PASS' : 'MISS'} (${signed(extraReady, ms)})`,
  );
  console.log(
    `  goal: RSS < ${GOAL_RSS_EXTRA_MB} MB extra          ${extraRss < GOAL_RSS_EXTRA_MB ? 'PASS' : 'MISS'} (${signed(extraRss, mb)})`,
  );
  const alone = await policyStartCost(world.setup('generated-policy').catalogPath, 3);
  console.log(
    `  alone, in a bare node (median of 3): loading the action data and checking the target's bounds ` +
      `${ms(alone.checkMs)}, ${mb(alone.checkMb)} RSS; importing the policy modules and the check, ` +
      `which both catalogs pay, ${ms(alone.importMs)}, ${mb(alone.importMb)} RSS`,
  );
}

/** Sends `indices` `atOnce` at a time, each lane sending its next once its last reached the requester. */
async function sendAll(
  url: string,
  slackUrl: string,
  indices: readonly number[],
  atOnce: number,
): Promise<Sent[]> {
  const poster = createFormPoster(atOnce);
  const queue = [...indices];
  const sent: Sent[] = [];
  const lane = async () => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const submitted = await submitForm(poster, url, index);
      sent.push(
        submitted.refusal
          ? submitted
          : { ...submitted, ...(await waitForReply(slackUrl, submitted.requester)) },
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: atOnce }, lane));
  } finally {
    poster.close();
  }
  return sent;
}

/** Prints one pass; true when every request reached its approver. */
function reportPass(
  title: string,
  sent: readonly Sent[],
  fake: TimedFakeAws,
  requestIds: ReadonlyMap<string, string>,
): boolean {
  const approved = sent.filter((one) => one.approvalAt !== undefined);
  const totals = approved.map((one) => (one.approvalAt ?? 0) - one.sentAt);
  console.log(title);
  console.log(spread('submit -> approval message', totals));
  for (const [name, values] of phaseSpreads(approved, fake, requestIds)) console.log(spread(name, values));
  const missing = sent.length - approved.length;
  if (missing > 0) {
    const refused = sent.find((one) => one.refusal ?? one.otherText);
    console.log(
      `  ${missing} of ${sent.length} never reached the approver; the first reason: ${refused?.refusal ?? refused?.otherText ?? 'none given'}`,
    );
  }
  return missing === 0;
}

async function requestIdsByRequester(
  database: BenchDatabase,
  requesters: readonly string[],
): Promise<Map<string, string>> {
  const { rows } = await database.pool.query<{ id: string; requester_id: string }>(
    'SELECT id, requester_id FROM requests WHERE requester_id = ANY($1::text[])',
    [requesters],
  );
  return new Map(rows.map((row) => [row.requester_id, row.id]));
}

async function statusCounts(
  database: BenchDatabase,
  requesters: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await database.pool.query<{ status: string; count: number }>(
    `SELECT status::text, count(*)::int AS count FROM requests
      WHERE requester_id = ANY($1::text[]) GROUP BY status ORDER BY status`,
    [requesters],
  );
  return new Map(rows.map((row) => [row.status, row.count]));
}

/** Prints the passes; true when every request reached its approver as expected. */
async function measureLatency(world: World): Promise<boolean> {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const jitbot = await startJitbot({ ...world.setup('generated-policy'), nodeArgs });
  try {
    const first = await sendAll(jitbot.url, world.slackUrl, [0], 1);
    const warmUp = await sendAll(jitbot.url, world.slackUrl, range(1, WARMUP), 1);
    const cpuBefore = cpuMillis(jitbot.child.pid);
    const oneAtATime = await sendAll(jitbot.url, world.slackUrl, range(1 + WARMUP, REQUESTS), 1);
    const cpuAfter = cpuMillis(jitbot.child.pid);
    const fewAtATime = await sendAll(
      jitbot.url,
      world.slackUrl,
      range(1 + WARMUP + REQUESTS, REQUESTS),
      AT_ONCE,
    );
    const rss = rssMegabytes(jitbot.child.pid);
    const sent = [...first, ...warmUp, ...oneAtATime, ...fewAtATime];
    const requestIds = await requestIdsByRequester(
      world.database,
      sent.map((one) => one.requester),
    );

    const cold = first[0];
    console.log(
      `form submit -> approval message: 10 statement lines each, ${REQUESTS} requests per pass from distinct requesters, ` +
        `after the first request (${cold?.approvalAt ? ms(cold.approvalAt - cold.sentAt) : 'not approved'}, ack ${cold ? ms(cold.ackedAt - cold.sentAt) : '-'}) and ${WARMUP} warm-up`,
    );
    const oneComplete = reportPass(
      'one at a time (each once the last reached its approver):',
      oneAtATime,
      world.fake,
      requestIds,
    );
    const sorted = oneAtATime
      .flatMap((one) => (one.approvalAt === undefined ? [] : [one.approvalAt - one.sentAt]))
      .sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    const goalMet = oneComplete && p99 < GOAL_P99_MS;
    console.log(`  goal: p99 < ${GOAL_P99_MS} ms   ${goalMet ? 'PASS' : 'MISS'} (p99 ${ms(p99)})`);
    if (cpuBefore !== undefined && cpuAfter !== undefined)
      console.log(`  jitbot CPU per request: ${ms((cpuAfter - cpuBefore) / REQUESTS)}`);
    const fewComplete = reportPass(
      `${AT_ONCE} at a time (a new one as each reaches its approver):`,
      fewAtATime,
      world.fake,
      requestIds,
    );
    console.log(
      `jitbot RSS after ${1 + WARMUP + 2 * REQUESTS} requests: ${rss === undefined ? '-' : mb(rss)}`,
    );
    const checked = await reportChecks(world, sent, jitbot.output());
    return oneComplete && fewComplete && checked;
  } finally {
    await stopChild(jitbot.child);
  }
}

/** Prints what the run left behind; true when every request is pending and showed its policy. */
async function reportChecks(world: World, sent: readonly Sent[], output: string): Promise<boolean> {
  const posted = (await (await fetch(`${world.slackUrl}bench.posted`, { method: 'POST' })).json()) as {
    showsPolicy: Record<string, boolean>;
  };
  const showing = sent.filter((one) => posted.showsPolicy[one.requester] === true).length;
  const calls = new Map<string, number>();
  for (const { call } of world.fake.timed) calls.set(call.action, (calls.get(call.action) ?? 0) + 1);
  const statuses = await statusCounts(
    world.database,
    sent.map((one) => one.requester),
  );
  const described = [...statuses].map(([status, count]) => `${status} ${count}`).join(', ');
  console.log(`requests in the database: ${described} (of ${sent.length} sent)`);
  console.log(`approval messages showing the generated policy ("hard expiry"): ${showing} of ${sent.length}`);
  console.log(`AWS calls: ${[...calls].map(([action, count]) => `${action} ${count}`).join(', ')}`);
  const problems = loggedProblems(output);
  if (problems.length > 0) {
    console.log(`jitbot logged ${problems.length} warnings/errors; the first ones:`);
    for (const line of problems.slice(0, 3)) console.log(`  ${line.slice(0, 400)}`);
  }
  return statuses.get('pending') === sent.length && statuses.size === 1 && showing === sent.length;
}

function range(start: number, count: number): number[] {
  return Array.from({ length: Math.max(0, count) }, (_, offset) => start + offset);
}

const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'jitbot-bench-'));
// As root the embedded PostgreSQL runs as another user, which must be able to pass through.
chmodSync(dir, 0o755);
const catalogPaths = {
  'generated-policy': join(dir, 'generated-policy.yaml'),
  'fixed-policy': join(dir, 'fixed-policy.yaml'),
} as const;
for (const [variant, path] of Object.entries(catalogPaths))
  writeFileSync(path, stringify(benchCatalog(variant as CatalogVariant)));
const children: ChildProcess[] = [];
let fake: TimedFakeAws | undefined;
let database: BenchDatabase | undefined;
let exitCode = 0;
try {
  const total = 1 + WARMUP + 2 * REQUESTS;
  fake = await startTimedFakeAws({
    accountId: ACCOUNT_ID,
    connectorRoleArn: CONNECTOR_ROLE_ARN,
    externalId: EXTERNAL_ID,
    group: GROUP,
    members: [],
  });
  for (let index = 0; index < total; index += 1) fake.account.addUser(iamUserOf(requesterId(index)));
  fake.account.addPolicy(POLICY_ARN);
  database = await openBenchDatabase();
  const slack = spawn(TSX, [join(import.meta.dirname, 'support', 'approval-slack-server.ts'), APPROVER_ID], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(slack);
  const slackUrl = await firstLine(slack);
  const awsUrl = fake.url;
  const databaseUrl = database.url;
  const world: World = {
    setup: (variant) => ({
      dir,
      catalogPath: catalogPaths[variant],
      dataDir: join(dir, 'data'),
      slackUrl,
      awsUrl,
      databaseUrl,
    }),
    slackUrl,
    fake,
    database,
  };
  console.log(
    `policy generation benchmark; ${database.describe}; started ${new Date(epochNow()).toISOString()}`,
  );
  await measureStartUp(world);
  if (!(await measureLatency(world))) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await cleanUp({ started, dir, children, fake, database });
}
process.exit(exitCode);
