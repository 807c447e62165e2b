/**
 * Revocation lag: how long after a grant's expiry jitbot's RemoveUserFromGroup reaches IAM.
 * 1,000 active grants (one IAM group, 1,000 member users, each with its backstop schedule) expire
 * evenly over 10 s starting ~3 s from now. The built service runs in its own process against a real
 * PostgreSQL; the fake AWS runs here and notes when each removal arrives.
 *
 *   npm run bench:revocation     (DATABASE_URL, else a fresh database on 127.0.0.1:5432, else embedded)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { notifyDueWork } from '../src/db/jobs-repository.js';
import { BOT_TOKEN, CLI, freePort, SIGNING_SECRET } from '../test/support/service-process.js';
import { type BenchDatabase, openBenchDatabase } from './support/bench-database.js';
import { loggedProblems } from './support/jitbot-service.js';
import { cleanUp, firstLine } from './support/processes.js';
import { createBackstops, insertGrants, planGrants, type SeededGrant } from './support/revocation-seed.js';
import { epochNow, startTimedFakeAws, type TimedFakeAws } from './support/timed-fake-aws.js';

/**
 * BENCH_GRANTS / BENCH_WINDOW_MS change the load (e.g. a burst: 1000 in 1000 ms); the goal stays.
 * BENCH_NODE_ARGS go to jitbot's node (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
 */
const GRANTS = Number(process.env.BENCH_GRANTS ?? 1000);
const LEAD_MS = 3000;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 10_000);
const GIVE_UP_MS = 90_000;
/** 1,000 grants due in the same second: the burst goals (one connector session per claimed batch). */
const BURST = WINDOW_MS <= 1000;
const GOAL_P99_MS = BURST ? 2000 : 5000;
/** Removals per second from the first expiry to the last removal; a goal for the burst only. */
const GOAL_RATE = BURST ? 500 : 0;
const TSX = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');

const ACCOUNT_ID = '111111111111';
const TARGET = {
  targetId: 'bench-group',
  accountId: ACCOUNT_ID,
  group: 'jit-bench',
  approverId: 'UAPPROVER1',
  schedulerRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-scheduler`,
};
const CONNECTOR_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-connector`;
const EXTERNAL_ID = 'bench-external-id';

const CATALOG = {
  settings: { adminChannel: 'CADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [
    {
      id: 'bench',
      name: 'Bench',
      accountId: ACCOUNT_ID,
      region: 'us-east-1',
      connectorRoleArn: CONNECTOR_ROLE_ARN,
      externalId: EXTERNAL_ID,
      schedulerRoleArn: TARGET.schedulerRoleArn,
      userMapping: 'email-local-part',
    },
  ],
  targets: [
    {
      id: TARGET.targetId,
      name: 'Bench group',
      kind: 'aws-iam-group',
      account: 'bench',
      group: TARGET.group,
      durations: { default: '1h', max: '4h' },
      approvers: { users: [TARGET.approverId] },
    },
  ],
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const sleep = (delay: number) => new Promise((resolve) => setTimeout(resolve, delay));

function spread(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${name.padEnd(38)} p50 ${ms(percentile(sorted, 50)).padStart(10)}   p99 ${ms(percentile(sorted, 99)).padStart(10)}   max ${ms(sorted.at(-1) ?? Number.NaN).padStart(10)}`;
}

async function untilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jitbot exited (${child.exitCode}) at start:\n${output()}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {}
    await sleep(50);
  }
  throw new Error(`jitbot was not ready within 30 s:\n${output()}`);
}

/** Waits until every user was removed; false when it gave up. */
async function untilAllRemoved(fake: TimedFakeAws, total: number, giveUpAt: number): Promise<boolean> {
  while (fake.removedAt.size < total) {
    if (Date.now() > giveUpAt) return false;
    await sleep(20);
  }
  return true;
}

/** Until every bench grant left 'active'/'revoking' (the removal is recorded after IAM answered). */
async function untilSettled(database: BenchDatabase, giveUpAt: number): Promise<void> {
  while (Date.now() < giveUpAt) {
    const { rows } = await database.pool.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM grants WHERE target_id = $1 AND status IN ('active', 'revoking')`,
      [TARGET.targetId],
    );
    if ((rows[0]?.open ?? 0) === 0) return;
    await sleep(50);
  }
}

/** Where each revocation's time went, from the fake's own timestamps of the calls it made. */
function phases(fake: TimedFakeAws, grants: readonly SeededGrant[]): void {
  const deletedAt = new Map<string, number>();
  const sessionsAt: number[] = [];
  for (const { call, at } of fake.timed) {
    const schedule = call.params.Name;
    if (call.action === 'DeleteSchedule' && typeof schedule === 'string' && !deletedAt.has(schedule))
      deletedAt.set(schedule, at);
    if (call.action === 'AssumeRole') sessionsAt.push(at);
  }
  // Each shared session starts with its batch's AssumeRole: from there to each of its removals.
  const sessionStart = new Map<string, number>();
  const assumeToRemove: number[] = [];
  for (const { call, at } of fake.timed) {
    const name = call.session?.sessionName;
    if (call.action === 'AssumeRole' && typeof call.params.RoleSessionName === 'string')
      sessionStart.set(call.params.RoleSessionName, at);
    if (call.action === 'RemoveUserFromGroup' && name !== undefined && sessionStart.has(name))
      assumeToRemove.push(at - (sessionStart.get(name) ?? at));
  }
  const removeToDelete: number[] = [];
  for (const grant of grants) {
    const deleted = deletedAt.get(`jitbot-${grant.grantId}`);
    const removed = fake.removedAt.get(grant.principal);
    if (deleted !== undefined && removed !== undefined) removeToDelete.push(deleted - removed);
  }
  console.log('where the time went (fake AWS timestamps):');
  console.log(`  ${spread('batch AssumeRole -> RemoveUserFromGroup', assumeToRemove)}`);
  console.log(`  ${spread('RemoveUserFromGroup -> DeleteSchedule', removeToDelete)}`);
  // Expiries and removals per half second from the first expiry: a queue that grows shows here.
  const first = grants[0]?.expiresAt ?? 0;
  const bucket = (at: number) => Math.floor((at - first) / 500);
  const expiring = new Map<number, number>();
  const removing = new Map<number, number>();
  const assuming = new Map<number, number>();
  for (const grant of grants)
    expiring.set(bucket(grant.expiresAt), (expiring.get(bucket(grant.expiresAt)) ?? 0) + 1);
  for (const at of fake.removedAt.values()) removing.set(bucket(at), (removing.get(bucket(at)) ?? 0) + 1);
  for (const at of sessionsAt) assuming.set(bucket(at), (assuming.get(bucket(at)) ?? 0) + 1);
  const last = Math.max(...removing.keys(), ...expiring.keys());
  console.log('  per 0.5 s from the first expiry: expiring / removed / AssumeRole');
  for (let step = Math.min(0, ...removing.keys()); step <= last; step += 1)
    console.log(
      `    ${(step / 2).toFixed(1).padStart(5)} s  ${String(expiring.get(step) ?? 0).padStart(5)} ${String(removing.get(step) ?? 0).padStart(5)} ${String(assuming.get(step) ?? 0).padStart(4)}`,
    );
}

interface Verdict {
  readonly ok: boolean;
  readonly lines: string[];
}

async function verify(
  database: BenchDatabase,
  fake: TimedFakeAws,
  grants: readonly SeededGrant[],
): Promise<Verdict> {
  const ids = grants.map((grant) => grant.grantId);
  const { rows: statuses } = await database.pool.query<{ status: string; count: number; attempts: number }>(
    `SELECT status::text, count(*)::int AS count, max(revoke_attempts)::int AS attempts
       FROM grants WHERE id = ANY($1::text[]) GROUP BY status ORDER BY status`,
    [ids],
  );
  const { rows: audits } = await database.pool.query<{ once: number; more: number }>(
    `SELECT count(*) FILTER (WHERE n = 1)::int AS once, count(*) FILTER (WHERE n > 1)::int AS more
       FROM (SELECT grant_id, count(*) AS n FROM audit_events
              WHERE action = 'grant.revoked' AND grant_id = ANY($1::text[]) GROUP BY grant_id) AS per_grant`,
    [ids],
  );
  const revoked = statuses.find((row) => row.status === 'revoked')?.count ?? 0;
  const revokedOnce = audits[0]?.once ?? 0;
  const revokedTwice = audits[0]?.more ?? 0;

  const perUser = new Map<string, number>();
  for (const call of fake.aws.callsTo('RemoveUserFromGroup')) {
    const user = String(call.params.UserName);
    perUser.set(user, (perUser.get(user) ?? 0) + 1);
  }
  const removeCalls = [...perUser.values()].reduce((sum, n) => sum + n, 0);
  const usersOnce = grants.filter((grant) => perUser.get(grant.principal) === 1).length;
  const usersMore = grants.filter((grant) => (perUser.get(grant.principal) ?? 0) > 1).length;
  const stillMembers = fake.account.groups.get(TARGET.group)?.size ?? 0;
  const schedulesLeft = fake.account.schedules.size;
  const count = (action: string) => fake.aws.callsTo(action).length;
  const failed = fake.aws.calls.filter(
    (call) => call.status !== 200 && call.action !== 'DeleteSchedule',
  ).length;

  const ok =
    revoked === grants.length &&
    revokedOnce === grants.length &&
    revokedTwice === 0 &&
    removeCalls === grants.length &&
    usersOnce === grants.length;
  const lines = [
    `grant rows: ${statuses.map((row) => `${row.status} ${row.count}`).join(', ')} (of ${grants.length}; most attempts per grant: ${Math.max(0, ...statuses.map((row) => row.attempts))})`,
    `grant.revoked audit events: ${revokedOnce} grants once, ${revokedTwice} more than once`,
    `RemoveUserFromGroup: ${removeCalls} calls, ${usersOnce} users exactly once, ${usersMore} more than once, ${grants.length - usersOnce - usersMore} never`,
    `other AWS calls: AssumeRole ${count('AssumeRole')}, DeleteSchedule ${count('DeleteSchedule')}; failed calls ${failed}; still in ${TARGET.group}: ${stillMembers}; schedules left: ${schedulesLeft}`,
  ];
  return { ok, lines };
}

function report(grants: readonly SeededGrant[], fake: TimedFakeAws): boolean {
  const delays = grants
    .map((grant) => {
      const removed = fake.removedAt.get(grant.principal);
      return removed === undefined ? undefined : removed - grant.expiresAt;
    })
    .filter((delay): delay is number => delay !== undefined)
    .sort((a, b) => a - b);
  const first = grants[0]?.expiresAt ?? 0;
  const lastRemoval = Math.max(...fake.removedAt.values());
  const p99 = percentile(delays, 99);
  console.log(`removed: ${delays.length} of ${grants.length}`);
  console.log(spread('delay expiry -> RemoveUserFromGroup', delays));
  const rate = (delays.length / (lastRemoval - first)) * 1000;
  console.log(
    `throughput: ${rate.toFixed(1)} removals/s ` +
      `(${delays.length} from the first expiry to the last removal, ${((lastRemoval - first) / 1000).toFixed(2)} s; ` +
      `expiries arrive at ${((grants.length / WINDOW_MS) * 1000).toFixed(0)}/s)`,
  );
  const pass = delays.length === grants.length && p99 < GOAL_P99_MS && rate >= GOAL_RATE;
  const goal = `p99 < ${GOAL_P99_MS / 1000} s${GOAL_RATE ? ` and >= ${GOAL_RATE} removals/s` : ''}`;
  console.log(`goal: ${goal}   ${pass ? 'PASS' : 'MISS'} (p99 ${ms(p99)}, ${rate.toFixed(0)} removals/s)`);
  return pass;
}

const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'jitbot-bench-'));
chmodSync(dir, 0o755);
writeFileSync(join(dir, 'jitbot.yaml'), stringify(CATALOG));
const children: ChildProcess[] = [];
const principals = Array.from(
  { length: GRANTS },
  (_, index) => `bench-user-${String(index).padStart(4, '0')}`,
);
let fake: TimedFakeAws | undefined;
let database: BenchDatabase | undefined;
let exitCode = 0;
try {
  fake = await startTimedFakeAws({
    accountId: ACCOUNT_ID,
    connectorRoleArn: CONNECTOR_ROLE_ARN,
    externalId: EXTERNAL_ID,
    group: TARGET.group,
    members: principals,
  });
  database = await openBenchDatabase();
  const slack = spawn(TSX, [join(import.meta.dirname, 'support', 'fake-slack-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(slack);
  const slackUrl = await firstLine(slack);

  const port = await freePort();
  let output = '';
  const jitbot = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), CLI, 'serve'],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: slackUrl,
        JITBOT_CATALOG: join(dir, 'jitbot.yaml'),
        JITBOT_DATA_DIR: join(dir, 'data'),
        DATABASE_URL: database.url,
        PORT: String(port),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        AWS_ENDPOINT_URL: fake.url,
        AWS_ACCESS_KEY_ID: 'AKIDJITBOTBENCH',
        AWS_SECRET_ACCESS_KEY: 'bench-secret',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(jitbot);
  jitbot.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    // BENCH_LOG_FILE keeps every line jitbot logged (BENCH_LOG_LEVEL=debug: each claim and call).
    if (process.env.BENCH_LOG_FILE) appendFileSync(process.env.BENCH_LOG_FILE, chunk);
  });
  jitbot.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await untilReady(`http://127.0.0.1:${port}`, jitbot, () => output);

  const grants = planGrants(principals, Date.now() + LEAD_MS, WINDOW_MS);
  createBackstops(fake.account, TARGET, grants);
  await insertGrants(database.pool, TARGET, grants);
  // The grant workflow wakes the worker when it writes an expiry; rows written by hand need a nudge.
  await notifyDueWork(database.pool);
  const lead = (grants[0]?.expiresAt ?? 0) - epochNow();
  console.log(
    `revocation lag: ${GRANTS} grants on one IAM group, expiring evenly over ${WINDOW_MS / 1000} s ` +
      `from ${(lead / 1000).toFixed(1)} s after seeding; ${database.describe}; backstop schedules present`,
  );

  const giveUpAt = (grants.at(-1)?.expiresAt ?? Date.now()) + GIVE_UP_MS;
  const done = await untilAllRemoved(fake, GRANTS, giveUpAt);
  if (!done)
    console.log(
      `gave up ${GIVE_UP_MS / 1000} s after the last expiry: only ${fake.removedAt.size} of ${GRANTS} users removed`,
    );
  await untilSettled(database, Date.now() + 10_000);
  const pass = fake.removedAt.size > 0 ? report(grants, fake) : false;
  if (fake.removedAt.size > 0) phases(fake, grants);
  const verdict = await verify(database, fake, grants);
  for (const line of verdict.lines) console.log(line);
  console.log(`exactly once: ${verdict.ok ? 'yes' : 'NO'}`);
  const problems = loggedProblems(output);
  if (problems.length > 0) {
    console.log(`jitbot logged ${problems.length} warnings/errors; the first ones:`);
    for (const line of problems.slice(0, 3)) console.log(`  ${line.slice(0, 400)}`);
  }
  if (!verdict.ok || !done) exitCode = 1;
  if (!pass) console.log('(the goal was missed: see "where the time went")');
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await cleanUp({ started, dir, children, fake, database });
}
process.exit(exitCode);
