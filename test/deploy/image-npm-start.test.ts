import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `npm start` compiles only when dist/ is older than src/ or the tsconfig files: a start after
 * `npm test` (which builds) starts at once. Checked on a small project in a temporary directory
 * whose "build" only leaves a mark, with the times set by hand.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'build-if-stale.mjs');

const { isStale } = (await import(SCRIPT)) as { isStale: (root: string) => string | undefined };

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const BUILT = new Date('2026-01-01T12:00:00Z');
const BEFORE = new Date('2026-01-01T11:00:00Z');
const AFTER = new Date('2026-01-01T13:00:00Z');

/** A project built at BUILT from sources and configs all older than that. */
function project(build = "require('node:fs').writeFileSync('built', '')"): string {
  const root = mkdtempSync(join(tmpdir(), 'jitbot-start-'));
  temporary.push(root);
  mkdirSync(join(root, 'src', 'db'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'));
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ type: 'module', scripts: { build: `node -e "${build}"` } }),
  );
  const sources = ['tsconfig.json', 'tsconfig.build.json', 'src/cli.ts', 'src/db/pool.ts'];
  for (const file of sources) writeFileSync(join(root, file), '{}');
  for (const path of [...sources, 'src/db', 'src']) utimesSync(join(root, path), BEFORE, BEFORE);
  writeFileSync(join(root, 'dist', 'cli.js'), '');
  utimesSync(join(root, 'dist', 'cli.js'), BUILT, BUILT);
  return root;
}

function start(root: string) {
  // Without npm's own variables, as `node scripts/build-if-stale.mjs` run by hand.
  const { npm_execpath: _npm, ...env } = process.env;
  return spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
}

describe('isStale', () => {
  it('is current when dist/cli.js is newer than every source and config', () => {
    expect(isStale(project())).toBeUndefined();
  });

  it('is stale when dist/cli.js is missing', () => {
    const root = project();
    rmSync(join(root, 'dist', 'cli.js'));
    expect(isStale(root)).toBe('dist/cli.js is missing');
  });

  it('is stale when a source changed after the build, and says which', () => {
    const root = project();
    utimesSync(join(root, 'src', 'db', 'pool.ts'), AFTER, AFTER);
    expect(isStale(root)).toBe('src/db/pool.ts changed after the last build');
  });

  it('is stale when a tsconfig changed after the build', () => {
    const root = project();
    utimesSync(join(root, 'tsconfig.build.json'), AFTER, AFTER);
    expect(isStale(root)).toBe('tsconfig.build.json changed after the last build');
  });

  it('is stale when a source was deleted after the build (its directory changed)', () => {
    const root = project();
    rmSync(join(root, 'src', 'db', 'pool.ts'));
    expect(isStale(root)).toBe('src/db changed after the last build');
  });
});

describe("npm start's first step", () => {
  it('does not build when dist/ is current', () => {
    const root = project();
    const result = start(root);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(root, 'built'))).toBe(false);
    expect(result.stderr).toBe('');
  });

  it('builds when a source is newer, and says why', () => {
    const root = project();
    utimesSync(join(root, 'src', 'cli.ts'), AFTER, AFTER);
    const result = start(root);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(root, 'built'))).toBe(true);
    expect(result.stderr).toContain(
      'build-if-stale: compiling, because src/cli.ts changed after the last build',
    );
  });

  it('after a failed build, stops, and the output left behind is never taken for current', () => {
    const root = project('process.exit(2)');
    utimesSync(join(root, 'src', 'cli.ts'), AFTER, AFTER);
    const result = start(root);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the build failed; fix the errors above, then run npm start again.');
    expect(existsSync(join(root, 'dist', 'cli.js'))).toBe(true);
    expect(statSync(join(root, 'dist', 'cli.js')).mtimeMs).toBe(0);
    // Even once the sources look older than the output again.
    utimesSync(join(root, 'src', 'cli.ts'), BEFORE, BEFORE);
    expect(isStale(root)).toBe('tsconfig.json changed after the last build');
  });

  it('is what npm start runs before the service', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.start).toBe('node scripts/build-if-stale.mjs && node dist/cli.js serve');
    expect(manifest.scripts.test).toMatch(/^npm run build --silent && /);
  });
});
