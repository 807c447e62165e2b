import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * What jitbot adds to its container image stays small enough for the image to stay under 200 MB,
 * measured from this checkout (package-lock.json and the installed node_modules, no install), by
 * the same script whose --trim the Dockerfile runs.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'image-size.mjs');
const MB = 1_000_000;

interface Part {
  readonly bytes: number;
  readonly files: number;
}
interface FileSet {
  readonly parts: { node_modules: Part & { packages: number }; dist: Part; migrations: Part; examples: Part };
  readonly total: number;
  readonly budget: number;
  readonly baseEstimate: number;
  readonly largest: { package: string; bytes: number }[];
}
interface ImageSize {
  isShipped: (fileName: string) => boolean;
  runtimePackages: (root: string) => string[];
}

const imageSize = async () => (await import(SCRIPT)) as ImageSize;

function run(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });
}

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the image's own files", () => {
  it('stay within the budget that keeps the image under 200 MB', () => {
    const result = run('--json');
    expect(result.stderr).toBe('');
    const set = JSON.parse(result.stdout) as FileSet;
    const where = set.largest.map((p) => `${p.package} ${(p.bytes / MB).toFixed(1)} MB`).join(', ');
    expect(set.total, `over budget; the largest packages: ${where}`).toBeLessThanOrEqual(set.budget);
    expect(set.budget + set.baseEstimate).toBeLessThan(200 * MB);
    expect(result.status).toBe(0);
    // Sanity: the measure found the real thing, not an empty directory.
    expect(set.parts.node_modules.packages).toBeGreaterThan(50);
    expect(set.parts.node_modules.bytes).toBeGreaterThan(10 * MB);
    expect(set.parts.dist.files).toBeGreaterThan(0);
    expect(set.parts.migrations.files).toBeGreaterThan(0);
  });

  it('prints a report a person can read, with the estimate for the whole image', () => {
    const result = run();
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ {2}total +\d+\.\d MB {2}\(budget 60\.0 MB\)$/m);
    expect(result.stdout).toMatch(/the image is about \d+\.\d MB uncompressed\.$/m);
  });

  it('are the production packages only: every dependency, no dev tool, no embedded PostgreSQL', async () => {
    const packages = new Set((await imageSize()).runtimePackages(ROOT));
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies)) expect(packages).toContain(`node_modules/${name}`);
    for (const name of ['typescript', 'vitest', '@biomejs/biome', 'tsx'])
      expect(packages).not.toContain(`node_modules/${name}`);
    for (const name of Object.keys(manifest.optionalDependencies))
      expect(packages).not.toContain(`node_modules/${name}`);
  });
});

describe('what the image leaves out of node_modules', () => {
  it('is TypeScript, source maps and documentation, never code, data or license texts', async () => {
    const { isShipped } = await imageSize();
    for (const kept of [
      'index.js',
      'index.cjs',
      'index.mjs',
      'data.json',
      'LICENSE',
      'LICENSE.md',
      'licence.txt',
      'NOTICE.md',
      'package.json',
      'schema.sql',
      'bin.node',
    ])
      expect(isShipped(kept), kept).toBe(true);
    for (const dropped of [
      'index.d.ts',
      'index.d.mts',
      'index.d.cts',
      'source.ts',
      'index.js.map',
      'README.md',
      'CHANGELOG.md',
      'docs.markdown',
    ])
      expect(isShipped(dropped), dropped).toBe(false);
  });

  it('is deleted by --trim, which the Dockerfile runs on the pruned node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitbot-trim-'));
    temporary.push(dir);
    const files = {
      'pkg/package.json': '{}',
      'pkg/index.js': 'export {};',
      'pkg/index.d.ts': 'export {};',
      'pkg/index.js.map': '{}',
      'pkg/README.md': '# pkg',
      'pkg/LICENSE.md': 'MIT',
      'pkg/node_modules/inner/lib/main.cjs': 'module.exports = 1;',
      'pkg/node_modules/inner/lib/main.d.cts': 'export = 1;',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const result = run('--trim', dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^image-size: removed \d+\.\d MB from .+ that the image does not ship$/m);
    const left = Object.keys(files).filter((path) => existsSync(join(dir, path)));
    expect(left).toEqual([
      'pkg/package.json',
      'pkg/index.js',
      'pkg/LICENSE.md',
      'pkg/node_modules/inner/lib/main.cjs',
    ]);
  });

  it('says what to do when --trim is given no directory', () => {
    const result = run('--trim');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('--trim needs the node_modules directory to trim');
  });
});

describe("the image's package.json", () => {
  it('keeps what node reads (the module type) and drops the lists the image does not install', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitbot-manifest-'));
    temporary.push(dir);
    const manifest = join(dir, 'package.json');
    const original = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(manifest, JSON.stringify(original));
    const result = run('--runtime-manifest', manifest);
    expect(result.status, result.stderr).toBe(0);
    const rewritten = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    expect(rewritten.type).toBe('module');
    expect(rewritten.dependencies).toEqual(original.dependencies);
    expect(Object.keys(rewritten)).not.toContain('devDependencies');
    expect(Object.keys(rewritten)).not.toContain('optionalDependencies');
  });
});
