/**
 * The soak: jitbot's promises (access never outlives its expiry, never granted or removed twice)
 * proved together, for as long as asked, while replicas die and AWS, Slack and Okta misbehave.
 *
 * Two `jitbot serve` processes share one PostgreSQL. Each talks to the fake AWS, Slack and Okta
 * through chaos proxies (AWS: 20% Throttling, 20-500 ms latency; Slack: 5% 429 with Retry-After,
 * 5% 500; Okta: 10% 429). N lifecycles of people (approve, deny, cancel, approval timeout, 2-of-N,
 * overlapping requests, extend, Revoke now, pre-existing members, breakglass, an Okta group) run
 * over them. About every 20 s one replica is SIGKILLed and started again 1-10 s later; once, every
 * replica's database connection is cut. The verdict comes from the fakes' own records.
 *
 *   npm run soak                                  2,000 lifecycles of 1-3 minutes (~16 minutes)
 *   SOAK_LIFECYCLES=10000 npm run soak            the long run
 *   SOAK_LIFECYCLES=200 SOAK_RATE=6 SOAK_KILLS=1 SOAK_MINUTES=1 npm run soak   the CI slice (< 2.5 min)
 *
 * Other settings: SOAK_RATE (lifecycles started per second, 3), SOAK_KILL_EVERY (seconds, 20),
 * SOAK_SEED (to repeat a run's choices), SOAK_KEEP_DATABASE=1 (keep the database to look into). The database: a fresh one on TEST_DATABASE_URL's server,
 * else on 127.0.0.1:5432, else an embedded PostgreSQL. Exit 1 on any violation.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { stringify } from 'yaml';
import {
  type ChaosProxy,
  FAULT_RATES,
  FaultTally,
  type ProxiedCall,
  startChaosProxy,
} from './chaos-proxy.js';
import { checkSoak, DEADLINE_MS, RSS_LIMIT_MB, type Verdict } from './checks.js';
import { KINDS, LifecycleDriver, type Outcome, planLifecycles } from './lifecycles.js';
import { Poller, Slack } from './people.js';
import { between, seededRandom, sleep } from './random.js';
import { ReplicaSet, type SlotSetup } from './replicas.js';
import { openSoakDatabase, type SoakDatabase } from './soak-database.js';
import { OKTA_TOKEN, replicaOktaToken, SoakWorld, soakCatalog } from './world.js';

function numberSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name}=${raw} is not a number: set it to a number such as ${fallback}, or unset it`);
    process.exit(2);
  }
  return value;
}

function minutesSetting(): { min: number; max: number } {
  const raw = process.env.SOAK_MINUTES ?? '1-3';
  const match = /^(\d+)(?:-(\d+))?$/.exec(raw);
  const min = Number(match?.[1]);
  const max = Number(match?.[2] ?? match?.[1]);
  if (!match || min < 1 || max < min || max > 10) {
    console.error(
      `SOAK_MINUTES=${raw} is not a range of minutes: write e.g. 1-3 or 1 (1 at least, 10 at most)`,
    );
    process.exit(2);
  }
  return { min, max };
}

const LIFECYCLES = Math.floor(numberSetting('SOAK_LIFECYCLES', 2000));
const MAX_KILLS = numberSetting('SOAK_KILLS', Number.POSITIVE_INFINITY);
const RATE = numberSetting('SOAK_RATE', 3) || 3;
const KILL_EVERY_S = numberSetting('SOAK_KILL_EVERY', 20) || 20;
const MINUTES = minutesSetting();
const SEED = Math.floor(numberSetting('SOAK_SEED', Math.floor(Math.random() * 1_000_000)));
/** How long after the last expiry the soak waits for every grant to close before it judges. */
const SETTLE_MS = 15_000;
/** After the last lifecycle starts: its grant's time, and this for the steps around it. */
const DRIVE_SLACK_MS = 30_000;

const random = seededRandom(SEED);
// The fakes, proxies and people all run on this event loop: its stalls would look like jitbot's lag.
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** A joined or extended grant may rightly end this long after the last lifecycle was driven. */
const LONGEST_SETTLE_MS = 5 * 60_000;

/**
 * Every grant and request closed, or the deadline passed: `until`, or later while a grant still
 * open rightly expires later (an extension approved late ends a duration after its approval),
 * but never more than LONGEST_SETTLE_MS beyond `until`.
 */
async function settle(database: SoakDatabase, until: number): Promise<void> {
  for (;;) {
    const { rows } = await database.pool.query<{ open: number; pending: number; last: Date | null }>(
      `SELECT (SELECT count(*)::int FROM grants WHERE status IN ('pending', 'active', 'revoking')) AS open,
              (SELECT count(*)::int FROM requests WHERE status = 'pending') AS pending,
              (SELECT max(expires_at) FROM grants WHERE status IN ('pending', 'active', 'revoking')) AS last`,
    );
    const row = rows[0];
    if (row && row.open === 0 && row.pending === 0) return;
    const lastExpiry = row?.last ? row.last.getTime() + DEADLINE_MS + SETTLE_MS : 0;
    if (Date.now() > Math.min(Math.max(until, lastExpiry), until + LONGEST_SETTLE_MS)) {
      console.log(`settle: gave up waiting with ${row?.open} grants and ${row?.pending} requests still open`);
      return;
    }
    await sleep(1_000);
  }
}

function report(
  verdict: Verdict,
  replicas: ReplicaSet,
  tally: FaultTally,
  facts: { kills: number; cuts: number; cutConnections: number; unanswered: number },
): void {
  const lags = [...verdict.lagsMs].sort((a, b) => a - b);
  const down = replicas.allDown.filter((window) => Number.isFinite(window.to));
  const downSeconds = down.reduce((sum, window) => sum + (window.to - window.from), 0) / 1000;
  const faults = [...tally.counts].map(([kind, count]) => `${kind} ${count}`).join(', ');
  console.log('');
  console.log(`lifecycles done: ${verdict.lifecyclesDone} of ${LIFECYCLES}`);
  console.log(
    `kills: ${facts.kills} (SIGKILL, restarted after 1-10 s); no replica up: ${down.length} time(s), ${downSeconds.toFixed(1)} s in all; ` +
      `database connections cut: ${facts.cuts} time(s), ${facts.cutConnections} connections`,
  );
  console.log(
    `faults injected: ${tally.total()} (${faults || 'none'}); AWS calls delayed 20-500 ms: ${tally.delayed}`,
  );
  console.log(
    `the soak's own event loop (fakes, proxies, people): delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
  console.log(
    `revocation lag (expiry or Revoke now -> removal in the fake), ${lags.length} grants: ` +
      `p50 ${percentile(lags, 50).toFixed(0)} ms, p99 ${percentile(lags, 99).toFixed(0)} ms, max ${(lags.at(-1) ?? Number.NaN).toFixed(0)} ms`,
  );
  console.log(
    `peak RSS: ${replicas.slots.map((slot) => `replica ${slot.setup.name} ${slot.peakRssMb.toFixed(0)} MB (${slot.peakServingRssMb.toFixed(0)} MB once ready)`).join(', ')} (limit ${RSS_LIMIT_MB} MB)`,
  );
  console.log('checks (how many things each looked at, violations):');
  for (const [rule, checked] of verdict.checks) {
    const failed = verdict.violations.filter((violation) => violation.rule === rule).length;
    console.log(
      `  ${rule.padEnd(52)} ${String(checked).padStart(6)}   ${failed === 0 ? 'ok' : `${failed} VIOLATED`}`,
    );
  }
  if (facts.unanswered > 0)
    console.log(`Slack requests no replica answered after 30 tries: ${facts.unanswered}`);
  console.log(
    `repeated after the sender died with the answer (allowed, at least once across a crash): ${verdict.repeats.length}`,
  );
  for (const repeat of verdict.repeats.slice(0, 10)) console.log(`  ${repeat}`);
  console.log(
    `messages of two purposes that look alike (receipt drawn after a quick decision, and the decision notice; not duplicates): ${verdict.lookalikes.length}`,
  );
  const problems = replicas.slots.reduce((sum, slot) => sum + slot.problems, 0);
  console.log(`jitbot logged ${problems} warnings/errors (expected under injected faults)`);
  console.log(`violations: ${verdict.violations.length}`);
  // The first few of each rule: enough evidence to act on without drowning the rest.
  for (const rule of verdict.checks.keys()) {
    const broken = verdict.violations.filter((violation) => violation.rule === rule);
    for (const violation of broken.slice(0, 6)) console.log(`  [${rule}] ${violation.detail}`);
    if (broken.length > 6) console.log(`  [${rule}] ... and ${broken.length - 6} more`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'jitbot-soak-'));
chmodSync(dir, 0o755);
const world = new SoakWorld();
const tally = new FaultTally();
const proxied: ProxiedCall[] = [];
const proxies: ChaosProxy[] = [];
let database: SoakDatabase | undefined;
let replicas: ReplicaSet | undefined;
let poller: Poller | undefined;
let exitCode = 1;
try {
  database = await openSoakDatabase();
  await world.start();
  const incarnations = new Map<string, () => number>();
  const setups: SlotSetup[] = [];
  // One Okta proxy for both: replicas of one jitbot name the same org (a grant records it).
  const okta = await startChaosProxy({
    service: 'okta',
    upstream: world.oktaUrl,
    slot: 'a',
    incarnation: () => 0,
    random,
    tally,
    log: proxied,
    shared: {
      slotOf: (token) => ['a', 'b'].find((name) => replicaOktaToken(name) === token),
      incarnationOf: (slot) => incarnations.get(slot)?.() ?? 0,
      upstreamToken: OKTA_TOKEN,
    },
  });
  proxies.push(okta);
  for (const name of ['a', 'b']) {
    const incarnation = () => incarnations.get(name)?.() ?? 0;
    const proxy = (service: 'aws' | 'slack', upstream: string) =>
      startChaosProxy({ service, upstream, slot: name, incarnation, random, tally, log: proxied });
    const aws = await proxy('aws', world.awsUrl);
    const slack = await proxy('slack', new URL(world.slackUrl).origin);
    proxies.push(aws, slack);
    const catalogPath = join(dir, `jitbot-${name}.yaml`);
    writeFileSync(catalogPath, stringify(soakCatalog(okta.url, replicaOktaToken(name))));
    setups.push({ name, dir, catalogPath, databaseUrl: database.url, slackUrl: slack.url, awsUrl: aws.url });
  }
  const set = new ReplicaSet(setups);
  replicas = set;
  for (const slot of set.slots) incarnations.set(slot.setup.name, () => slot.incarnation);

  const plan = planLifecycles(random, LIFECYCLES, RATE, MINUTES);
  const mix = KINDS.map((kind) => `${kind} ${plan.filter((l) => l.kind === kind).length}`).join(', ');
  const windowS = LIFECYCLES / RATE;
  console.log(
    `soak: ${LIFECYCLES} lifecycles (${mix}), started over ${windowS.toFixed(0)} s, grants of ${MINUTES.min}-${MINUTES.max} min; seed ${SEED}`,
  );
  console.log(
    `database: ${database.describe}; 2 jitbot replicas (dist/cli.js serve, node ${process.version})`,
  );
  console.log(
    `faults: AWS ${FAULT_RATES.awsThrottle * 100}% Throttling + 20-500 ms; Slack ${FAULT_RATES.slackRateLimited * 100}% 429, ${FAULT_RATES.slackServerError * 100}% 500; ` +
      `Okta ${FAULT_RATES.oktaThrottle * 100}% 429; a SIGKILL every ~${KILL_EVERY_S} s${Number.isFinite(MAX_KILLS) ? ` (${MAX_KILLS} at most)` : ''}; one database connection cut`,
  );
  await set.startAll();
  console.log(`replicas up after ${elapsed()}`);

  poller = new Poller(database.pool);
  poller.start();
  const slack = new Slack(set, random, world.slackUrl);
  const begin = Date.now();
  const driveUntil = begin + windowS * 1000 + MINUTES.max * 60_000 + DRIVE_SLACK_MS;
  const driver = new LifecycleDriver(slack, poller, world, driveUntil);
  const outcomes: Outcome[] = new Array(plan.length);
  let finished = 0;
  const runs = plan.map(async (lifecycle) => {
    await sleep(Math.max(0, begin + lifecycle.startMs - Date.now()));
    outcomes[lifecycle.index] = await driver.run(lifecycle);
    finished += 1;
  });

  let stopChaos = false;
  let kills = 0;
  const restarts: Promise<void>[] = [];
  const killing = (async () => {
    while (!stopChaos && kills < MAX_KILLS) {
      const wait = between(random, 0.5, 1.5) * KILL_EVERY_S * 1000;
      const until = Date.now() + wait;
      while (!stopChaos && Date.now() < until) await sleep(250);
      if (stopChaos) return;
      // Only a replica that is up: one still starting is not yet doing anything worth cutting short.
      const live = set.slots.filter((slot) => slot.ready);
      const victim = live[Math.floor(random() * live.length)];
      if (!victim) continue;
      kills += 1;
      const downMs = between(random, 1_000, 10_000);
      console.log(
        `[${elapsed()}] SIGKILL replica ${victim.setup.name}#${victim.incarnation}; back in ${(downMs / 1000).toFixed(1)} s`,
      );
      victim.kill();
      restarts.push(
        (async () => {
          await sleep(downMs);
          for (let attempt = 1; ; attempt += 1) {
            try {
              await victim.start();
              return;
            } catch (error) {
              console.log(
                `[${elapsed()}] replica ${victim.setup.name} did not start (try ${attempt}): ${String(error)}`,
              );
              if (attempt >= 5) {
                victim.crashes.push(
                  `replica ${victim.setup.name} could not be started again: ${String(error)}`,
                );
                return;
              }
            }
          }
        })(),
      );
    }
  })();
  let cuts = 0;
  let cutConnections = 0;
  const cutting = (async () => {
    await sleep(Math.max(5_000, (windowS * 1000) / 2));
    if (stopChaos || !database) return;
    cutConnections = await database.cutReplicaConnections();
    cuts += 1;
    console.log(`[${elapsed()}] pg_terminate_backend: cut ${cutConnections} replica connections`);
  })();
  const progress = setInterval(() => {
    console.log(
      `[${elapsed()}] lifecycles finished ${finished}/${LIFECYCLES}; kills ${kills}; faults ${tally.total()}; ` +
        `RSS ${set.slots.map((slot) => `${slot.peakRssMb.toFixed(0)}`).join('/')} MB`,
    );
  }, 30_000);

  await Promise.all(runs);
  stopChaos = true;
  await killing;
  await cutting;
  await Promise.all(restarts);
  console.log(`[${elapsed()}] every lifecycle driven; waiting for the last grants to end`);
  // Every grant the people asked for expires by driveUntil, unless joined or extended late; what
  // is still open after that is judged as it is.
  await settle(database, Math.max(driveUntil, Date.now()) + DEADLINE_MS + SETTLE_MS);
  clearInterval(progress);
  poller.stop();
  const runEnd = Date.now();
  // What the checks cost afterwards is not the run's.
  loopDelay.disable();
  await set.stopAll();
  const verdict = await checkSoak({
    pool: database.pool,
    world,
    proxied,
    replicas: set,
    lifecycles: plan,
    outcomes,
    runEnd,
  });
  report(verdict, set, tally, { kills, cuts, cutConnections, unanswered: slack.unanswered });
  if (verdict.violations.length > 0) {
    console.log('last warnings/errors of the replicas:');
    for (const line of set.slots.flatMap((slot) => slot.output.slice(-5)))
      console.log(`  ${line.slice(0, 400)}`);
  }
  exitCode = verdict.violations.length === 0 ? 0 : 1;
  console.log(`soak: ${exitCode === 0 ? 'PASS' : 'FAIL'}`);
} catch (error) {
  console.error('the soak could not run:', error);
  exitCode = 1;
} finally {
  poller?.stop();
  await replicas?.stopAll().catch(() => undefined);
  for (const proxy of proxies) await proxy.close();
  await world.stop().catch(() => undefined);
  if (process.env.SOAK_KEEP_DATABASE === '1' && database)
    console.log(`kept the database for a look (SOAK_KEEP_DATABASE=1): ${database.url}`);
  else
    await database
      ?.drop()
      .catch((error: unknown) => console.error('could not drop the soak database:', error));
  rmSync(dir, { recursive: true, force: true });
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(exitCode);
