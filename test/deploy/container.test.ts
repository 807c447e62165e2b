import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseEnv } from '../../src/config/env.js';
import { healthRoutes } from '../../src/http/health-routes.js';
import type { Route } from '../../src/http/http-server.js';
import { createLogger } from '../../src/log/logger.js';

/**
 * The Dockerfile, docker-compose.yml and .dockerignore against the code and the docs: there is no
 * Docker engine in CI, so this checks statically what a broken image or compose file would get
 * wrong (an env name jitbot does not read, a health check on a path nobody serves, a port that
 * differs, root, an old node), and runs the HEALTHCHECK command itself against the real routes.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions with line continuations joined; comments and blank lines dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(read('Dockerfile'));
const stages = dockerfile.reduce<Instruction[][]>((all, instruction) => {
  if (instruction.keyword === 'FROM') all.push([]);
  all.at(-1)?.push(instruction);
  return all;
}, []);
const runtime = stages.at(-1) ?? [];
const only = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);

/** ENV A=1 B=2 in the runtime stage. */
const imageEnv: Record<string, string> = Object.fromEntries(
  only(runtime, 'ENV').flatMap((i) =>
    [...i.args.matchAll(/(\w+)=(\S+)/g)].map(([, key, value]) => [key, value]),
  ),
);

interface ComposeService {
  image?: string;
  build?: unknown;
  env_file?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  user?: string;
}

const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no ${name} service`);
  return found;
};
const jitbot = service('jitbot');
const postgres = service('postgres');

/** What compose does to `${NAME:-default}` when NAME is not set (as with .env.example's names). */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
    if (fallback === undefined) throw new Error(`docker-compose.yml needs ${name} set, with no default`);
    return fallback;
  });
}

const MINIMAL_ENV = { SLACK_SIGNING_SECRET: 'secret', SLACK_BOT_TOKEN: 'xoxb-test' };

describe('docker-compose.yml and the environment jitbot reads', () => {
  const environment = jitbot.environment ?? {};

  it('sets only variables that src/config/env.ts reads, with values it accepts', () => {
    const given = Object.fromEntries(
      Object.entries(environment).map(([key, value]) => [key, interpolate(String(value))]),
    );
    const parsed: Record<string, unknown> = { ...parseEnv({ ...MINIMAL_ENV, ...given }) };
    // zod drops names it does not know, so a misspelt variable would be missing here.
    for (const [key, value] of Object.entries(given)) {
      expect(parsed, `${key} is not read by src/config/env.ts`).toHaveProperty(key);
      expect(String(parsed[key])).toBe(value);
    }
    expect(Object.keys(given).sort()).toEqual(['DATABASE_URL', 'JITBOT_CATALOG', 'JITBOT_DATA_DIR', 'PORT']);
  });

  it('names only variables that .env.example documents, and reads the rest from .env', () => {
    const example = read('.env.example');
    for (const key of Object.keys(environment)) expect(example).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
    expect(jitbot.env_file).toBe('.env');
  });

  it('uses the same catalog path and data directory as the image and the README', () => {
    expect(environment.JITBOT_CATALOG).toBe(imageEnv.JITBOT_CATALOG);
    expect(environment.JITBOT_DATA_DIR).toBe(imageEnv.JITBOT_DATA_DIR);
    expect(jitbot.volumes).toContain(`./jitbot.yaml:${imageEnv.JITBOT_CATALOG}:ro`);
    expect(read('README.md')).toContain(String(imageEnv.JITBOT_CATALOG));
  });

  it('publishes the port jitbot listens on by default', () => {
    const defaultPort = parseEnv(MINIMAL_ENV).PORT;
    expect(defaultPort).toBe(3000);
    expect(jitbot.ports).toEqual([`${defaultPort}:${defaultPort}`]);
    expect(environment.PORT).toBe(String(defaultPort));
    expect(imageEnv.PORT).toBe(String(defaultPort));
    expect(only(runtime, 'EXPOSE').map((i) => i.args)).toEqual([String(defaultPort)]);
  });

  it('starts jitbot only once PostgreSQL is healthy, and keeps the data in a volume', () => {
    expect(jitbot.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    const [volume] = (postgres.volumes ?? [])[0]?.split(':') ?? [];
    expect(volume && compose.volumes && volume in compose.volumes).toBe(true);
    expect(interpolate(String(environment.DATABASE_URL))).toMatch(/@postgres:5432\//);
  });
});

describe('the Dockerfile', () => {
  it('is multi-stage on a supported node LTS (>= 22, an even major)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const defaultVersion = /^NODE_VERSION=(\d+)/.exec(only(dockerfile, 'ARG')[0]?.args ?? '')?.[1];
    for (const from of only(dockerfile, 'FROM')) {
      const image = from.args.split(/\s+/)[0] ?? '';
      const major = Number(
        /^node:(\d+)/.exec(image.replace(/\$\{NODE_VERSION\}/, defaultVersion ?? ''))?.[1],
      );
      expect(major, `${image} is not node >= 22`).toBeGreaterThanOrEqual(22);
      expect(major % 2, `${image} is not an LTS line`).toBe(0);
    }
  });

  it('runs as a non-root user, by number', () => {
    const users = only(runtime, 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1) ?? '';
    expect(last).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const lastUser = runtime.findLastIndex((i) => i.keyword === 'USER');
    expect(runtime.findIndex((i) => i.keyword === 'ENTRYPOINT')).toBeGreaterThan(lastUser);
  });

  it('ships production dependencies only', () => {
    const build = stages.slice(0, -1).flat();
    expect(
      build.some((i) => i.keyword === 'RUN' && /npm prune --omit=dev|npm ci [^&]*--omit=dev/.test(i.args)),
    ).toBe(true);
    expect(only(runtime, 'RUN').some((i) => /npm (ci|install)/.test(i.args))).toBe(false);
    expect(only(runtime, 'COPY').some((i) => /^--from=\w+ \/app\/node_modules/.test(i.args))).toBe(true);
    expect(imageEnv.NODE_ENV).toBe('production');
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', 'node_modules', '*.tfstate', 'jitbot.yaml', 'data'])
      expect(ignored).toContain(entry);
  });
});

const readyState = {
  readiness: async () => ({ ready: true, problems: [], publicProblems: [] }),
  shuttingDown: () => false,
  slackProblem: () => undefined,
  logger: createLogger('silent'),
};

describe('the HEALTHCHECK', () => {
  const healthcheck = only(runtime, 'HEALTHCHECK')[0]?.args ?? '';
  const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
  const path = /127\.0\.0\.1:'\+\(process\.env\.PORT\|\|3000\)\+'(\/\w+)/.exec(command.join(' '))?.[1];

  it('asks a path that jitbot serves, with node itself (slim images have no curl)', () => {
    expect(command[0]).toBe('node');
    expect(path).toBe('/healthz');
    const routes = healthRoutes(readyState);
    expect(routes.find((route) => route.path === path)?.methods).toContain('GET');
  });

  async function runAgainst(route: Route | undefined): Promise<number | null> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (route && req.url === route.path) {
        void route.handle(req, res);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // Asynchronously: a synchronous child would block this process's server from answering.
      const [program = 'node', ...args] = command;
      const child = spawn(program, args, { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
      return await new Promise<number | null>((resolve) => child.on('exit', resolve));
    } finally {
      server.close();
    }
  }

  it('passes against the real /healthz route and fails when nothing answers there', async () => {
    const routes = healthRoutes(readyState);
    expect(await runAgainst(routes.find((route) => route.path === path))).toBe(0);
    expect(await runAgainst(undefined)).toBe(1);
  });
});
