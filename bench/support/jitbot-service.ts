/**
 * The built jitbot service (`node dist/cli.js serve`) in a process of its own, timed from spawn
 * to its first 200 on /readyz, with its resident memory read from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BOT_TOKEN, CLI, freePort, SIGNING_SECRET } from '../../test/support/service-process.js';

export interface JitbotSetup {
  /** Working directory and HOME: a clean one, so no developer's .env is read. */
  readonly dir: string;
  readonly catalogPath: string;
  readonly dataDir: string;
  readonly slackUrl: string;
  readonly awsUrl: string;
  readonly databaseUrl: string;
  /** Extra arguments to node (BENCH_NODE_ARGS, e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

export interface RunningJitbot {
  readonly url: string;
  readonly child: ChildProcess;
  /** From spawn to the first 200 on /readyz. */
  readonly readyMs: number;
  output(): string;
}

const READY_TIMEOUT_MS = 30_000;
/** Short, since it bounds how late "ready" is seen; the service answers a poll in well under 1 ms. */
const POLL_MS = 5;

export async function startJitbot(setup: JitbotSetup): Promise<RunningJitbot> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let text = '';
  const started = performance.now();
  const child = spawn(process.execPath, [...(setup.nodeArgs ?? []), CLI, 'serve'], {
    cwd: setup.dir,
    env: {
      PATH: process.env.PATH,
      HOME: setup.dir,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: setup.slackUrl,
      JITBOT_CATALOG: setup.catalogPath,
      JITBOT_DATA_DIR: setup.dataDir,
      DATABASE_URL: setup.databaseUrl,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AWS_ENDPOINT_URL: setup.awsUrl,
      AWS_ACCESS_KEY_ID: 'AKIDJITBOTBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench-secret',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jitbot exited (${child.exitCode}) at start:\n${text}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok)
        return { url, child, readyMs: performance.now() - started, output: () => text };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  child.kill('SIGKILL');
  throw new Error(`jitbot was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${text}`);
}

/** Resident memory of a process in MB (VmRSS), or undefined where there is no /proc. */
export function rssMegabytes(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const kilobytes = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kilobytes === undefined ? undefined : Number(kilobytes) / 1024;
}

/** A log line of a warning or worse: jitbot's logger writes level labels, pino's default numbers. */
export const PROBLEM_LINE = /"level":("warn"|"error"|"fatal"|40|50|60)[,}]/;

/** The warnings and errors jitbot logged, for the report. */
export function loggedProblems(output: string): string[] {
  return output.split('\n').filter((line) => PROBLEM_LINE.test(line));
}
