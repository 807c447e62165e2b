import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'cli.js');
export const EXAMPLE_CATALOG = join(PACKAGE_ROOT, 'examples', 'jitbot.yaml');
export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-bot-token-0123456789';

/** The variables the example catalog references, with test values. */
export const EXAMPLE_VARIABLES = {
  JITBOT_EXTERNAL_ID_PROD: 'test-external-id-prod',
  JITBOT_EXTERNAL_ID_STAGING: 'test-external-id-staging',
  OKTA_API_TOKEN: 'test-okta-token-0123456789',
  JITBOT_EXTERNAL_ID_IDENTITY: 'test-external-id-identity',
};

export interface ExitResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitResult>;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Runs the built CLI in a clean working directory (so a developer's .env is never read) with
 * exactly the environment given, plus PATH and HOME.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): ServiceProcess & { port?: number } {
  const workdir = cwd ?? mkdtempSync(join(tmpdir(), 'jitbot-cwd-'));
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: workdir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const exited = new Promise<ExitResult>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    baseUrl: `http://127.0.0.1:${env.PORT ?? 3000}`,
    child,
    exited,
    output: () => text,
    async waitForOutput(pattern, timeoutMs = 20_000) {
      await vi.waitFor(
        () => {
          if (!pattern.test(text)) throw new Error(`waiting for ${pattern} in:\n${text}`);
        },
        { timeout: timeoutMs, interval: 50 },
      );
    },
  };
}

export function serviceEnv(
  overrides: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    JITBOT_CATALOG: EXAMPLE_CATALOG,
    LOG_LEVEL: 'info',
    ...EXAMPLE_VARIABLES,
    ...overrides,
  };
}

async function answersHealth(baseUrl: string): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

/** Starts `jitbot serve` and resolves once it answers /healthz; fails at once if it exits. */
export async function startServiceProcess(env: Record<string, string | undefined>, cwd?: string) {
  const port = Number(env.PORT ?? (await freePort()));
  const service = runCli(['serve'], { ...env, PORT: String(port) }, cwd);
  let exited: ExitResult | undefined;
  void service.exited.then((result) => {
    exited = result;
  });
  const deadline = Date.now() + 30_000;
  while (!(await answersHealth(service.baseUrl))) {
    if (exited) throw new Error(`service exited (${exited.code}) before it was up:\n${service.output()}`);
    if (Date.now() > deadline) {
      service.child.kill('SIGKILL');
      throw new Error(`service did not answer /healthz within 30 s:\n${service.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ...service, port };
}

export async function stopProcess(
  service: ServiceProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<ExitResult> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill(signal);
  return service.exited;
}
