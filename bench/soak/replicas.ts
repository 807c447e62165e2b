/**
 * The two jitbot replicas: the built CLI (`node dist/cli.js serve`), each in its own process and
 * slot with its own chaos proxies, on one database. A slot's replica can be SIGKILLed and started
 * again; its resident memory is read from /proc every second; the times when no replica was up
 * are kept, for the one exception to the revocation deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOT_TOKEN, CLI, freePort, SIGNING_SECRET } from '../../test/support/service-process.js';
import { PROBLEM_LINE } from '../support/jitbot-service.js';
import { sleep } from './random.js';

/**
 * The image's NODE_OPTIONS (Dockerfile, checked equal by test/deploy/container.test.ts): V8 may
 * grow its old space to 128 MB, about twice what jitbot keeps live under load, so it collects
 * instead of growing into memory it does not need. Without it a replica reached 207-213 MB.
 */
export const IMAGE_NODE_OPTIONS = '--max-old-space-size=128';

export interface SlotSetup {
  readonly name: string;
  readonly dir: string;
  readonly catalogPath: string;
  readonly databaseUrl: string;
  readonly slackUrl: string;
  readonly awsUrl: string;
}

/** An interval [from, to) in epoch ms; `to` is Infinity while it lasts. */
export interface Window {
  readonly from: number;
  to: number;
}

const READY_TIMEOUT_MS = 60_000;
const OUTPUT_LINES_KEPT = 400;

export class Slot {
  incarnation = 0;
  child: ChildProcess | undefined;
  url = '';
  ready = false;
  /** When each incarnation died (killed by the soak or exited by itself). */
  readonly deaths = new Map<number, number>();
  /** Exits the soak did not cause: code or signal, and the last lines of output. */
  readonly crashes: string[] = [];
  peakRssMb = 0;
  /** The peak while ready (after start-up), apart: start-up loads every module at once. */
  peakServingRssMb = 0;
  /** The latest lines of output over all incarnations (warnings and errors only: LOG_LEVEL=warn). */
  readonly output: string[] = [];
  problems = 0;
  private killedOnPurpose = false;

  constructor(
    readonly setup: SlotSetup,
    private readonly changed: () => void,
  ) {}

  async start(): Promise<void> {
    this.incarnation += 1;
    const incarnation = this.incarnation;
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.killedOnPurpose = false;
    const { setup } = this;
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd: setup.dir,
      env: {
        PATH: process.env.PATH,
        HOME: setup.dir,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: `${setup.slackUrl}/api/`,
        JITBOT_CATALOG: setup.catalogPath,
        JITBOT_DATA_DIR: `${setup.dir}/data`,
        DATABASE_URL: setup.databaseUrl,
        PORT: String(port),
        LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
        AWS_ENDPOINT_URL: setup.awsUrl,
        AWS_ACCESS_KEY_ID: 'AKIDJITBOTSOAK',
        AWS_SECRET_ACCESS_KEY: 'soak-secret',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // Node's own settings, as the image sets them (SOAK_NODE_OPTIONS to try others).
        NODE_OPTIONS: process.env.SOAK_NODE_OPTIONS ?? IMAGE_NODE_OPTIONS,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      // SOAK_LOG_DIR keeps every line of each replica, to look into a violation afterwards.
      if (process.env.SOAK_LOG_DIR)
        appendFileSync(join(process.env.SOAK_LOG_DIR, `${this.setup.name}.log`), chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        if (PROBLEM_LINE.test(line)) this.problems += 1;
        this.output.push(`[${this.setup.name}#${incarnation}] ${line}`);
      }
      if (this.output.length > OUTPUT_LINES_KEPT)
        this.output.splice(0, this.output.length - OUTPUT_LINES_KEPT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => {
      this.deaths.set(incarnation, Date.now());
      if (this.child === child) {
        this.child = undefined;
        this.ready = false;
        this.changed();
      }
      if (!this.killedOnPurpose)
        this.crashes.push(
          `${this.setup.name}#${incarnation} exited by itself (code ${code}, signal ${signal}); last output:\n${this.output.slice(-15).join('\n')}`,
        );
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child !== child) throw new Error(`${this.setup.name}#${incarnation} exited while starting`);
      try {
        if ((await fetch(`${this.url}/readyz`)).ok) {
          this.ready = true;
          this.changed();
          return;
        }
      } catch {}
      await sleep(50);
    }
    throw new Error(`${this.setup.name}#${incarnation} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
  }

  /** SIGKILL: no shutdown, no handing back of claims, sockets cut by the kernel. */
  kill(): void {
    if (!this.child) return;
    this.killedOnPurpose = true;
    this.ready = false;
    this.child.kill('SIGKILL');
    this.changed();
  }

  sampleRss(): void {
    const pid = this.child?.pid;
    if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return;
    try {
      const kilobytes = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (kilobytes === undefined) return;
      const megabytes = Number(kilobytes) / 1024;
      this.peakRssMb = Math.max(this.peakRssMb, megabytes);
      if (this.ready) this.peakServingRssMb = Math.max(this.peakServingRssMb, megabytes);
    } catch {
      // exited between the check and the read
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.killedOnPurpose = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export class ReplicaSet {
  readonly slots: Slot[];
  /** When no replica was ready to work. */
  readonly allDown: Window[] = [];
  private readonly rssTimer: NodeJS.Timeout;

  constructor(setups: readonly SlotSetup[]) {
    this.slots = setups.map((setup) => new Slot(setup, () => this.noteUpCount()));
    this.rssTimer = setInterval(() => {
      for (const slot of this.slots) slot.sampleRss();
    }, 1_000);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.start()));
  }

  /** URLs of replicas that are up, for the "load balancer" in front of them. */
  liveUrls(): string[] {
    return this.slots.filter((slot) => slot.ready).map((slot) => slot.url);
  }

  slot(name: string): Slot | undefined {
    return this.slots.find((slot) => slot.setup.name === name);
  }

  /** When incarnation `incarnation` of slot `name` died; undefined while it lives. */
  diedAt(name: string, incarnation: number): number | undefined {
    return this.slot(name)?.deaths.get(incarnation);
  }

  async stopAll(): Promise<void> {
    clearInterval(this.rssTimer);
    await Promise.all(this.slots.map((slot) => slot.stop()));
  }

  private noteUpCount(): void {
    const up = this.slots.filter((slot) => slot.ready).length;
    const open = this.allDown.at(-1);
    const now = Date.now();
    if (up === 0 && (open === undefined || open.to !== Number.POSITIVE_INFINITY))
      this.allDown.push({ from: now, to: Number.POSITIVE_INFINITY });
    else if (up > 0 && open !== undefined && open.to === Number.POSITIVE_INFINITY) open.to = now;
  }
}
