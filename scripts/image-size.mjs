// What jitbot adds to its container image, and how big that is, without Docker: the production
// packages package-lock.json names, dist/, migrations/ and examples/. The Dockerfile's build stage
// calls `--trim` so that the image ships exactly the set measured here.
//
//   node scripts/image-size.mjs               the sizes, read from this checkout (no install)
//   node scripts/image-size.mjs --json        the same as JSON
//   node scripts/image-size.mjs --trim DIR    delete from the node_modules DIR what the image leaves out
//   node scripts/image-size.mjs --runtime-manifest FILE   drop the dev and optional lists from a package.json
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const MB = 1_000_000;

/**
 * The image's own files stay under this, so that with the base below the image stays under
 * 200 MB as `docker image ls` counts it (uncompressed).
 */
export const BUDGET_BYTES = 60 * MB;

/**
 * node 22 on Alpine without npm, yarn, corepack and the C headers (the Dockerfile's node-only
 * stage): node:22-alpine is about 155 MB uncompressed, of which those four are about 25 MB.
 * An estimate: the built image is measured with `docker image inspect jitbot:local --format '{{.Size}}'`.
 */
export const BASE_ESTIMATE_BYTES = 130 * MB;

/** License and notice texts stay, whatever their extension: the image redistributes the packages. */
const LEGAL = /^(licen[cs]e|notice|copying|authors)/i;

/**
 * Whether the image ships this file of an npm package. Node never loads TypeScript from
 * node_modules (declarations and sources are for editors), reads source maps only with
 * --enable-source-maps (the image does not set it), and never reads the documentation.
 */
export function isShipped(fileName) {
  if (LEGAL.test(fileName)) return true;
  return !/\.([mc]?ts|map|md|markdown)$/i.test(fileName);
}

/**
 * The packages the image installs: package-lock.json's entries that are neither dev nor
 * optional. The optional ones are the embedded PostgreSQL builds: the image runs against
 * DATABASE_URL.
 */
export function runtimePackages(root) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  return Object.entries(lock.packages ?? {})
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.link)
    .filter(([, entry]) => !entry.dev && !entry.optional && !entry.devOptional)
    .map(([path]) => path);
}

/** Files under dir (nested node_modules are packages of their own, counted on their own). */
function* walk(dir, keep) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* walk(path, keep);
    } else if (entry.isFile() && keep(entry.name)) {
      yield path;
    }
  }
}

function measure(paths, keep) {
  let bytes = 0;
  let files = 0;
  for (const dir of paths) {
    for (const file of walk(dir, keep)) {
      bytes += statSync(file).size;
      files += 1;
    }
  }
  return { bytes, files };
}

function exists(path) {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The image's own files, by part, with the five largest packages to say where the bytes are. */
export function imageFileSet(root) {
  const packages = runtimePackages(root);
  const missing = packages.filter((path) => !exists(join(root, path)));
  if (missing.length > 0)
    throw new Error(
      `${missing.length} production package(s) of package-lock.json are not installed (first: ${missing[0]}): run npm ci, then measure again.`,
    );
  if (!exists(join(root, 'dist', 'cli.js')))
    throw new Error('dist/cli.js is missing: run npm run build, then measure again.');
  const sized = packages.map((path) => ({ path, ...measure([join(root, path)], isShipped) }));
  const nodeModules = sized.reduce((sum, p) => ({ bytes: sum.bytes + p.bytes, files: sum.files + p.files }), {
    bytes: 0,
    files: 0,
  });
  const all = () => true;
  const parts = {
    node_modules: { ...nodeModules, packages: packages.length },
    dist: measure([join(root, 'dist')], all),
    migrations: measure([join(root, 'migrations')], all),
    examples: measure([join(root, 'examples')], all),
  };
  const total = Object.values(parts).reduce((sum, part) => sum + part.bytes, 0);
  const largest = [...sized]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5)
    .map(({ path, bytes }) => ({ package: path.slice('node_modules/'.length), bytes }));
  return { parts, total, budget: BUDGET_BYTES, baseEstimate: BASE_ESTIMATE_BYTES, largest };
}

/**
 * package.json as the image has it: without the dev and optional dependencies that the image does
 * not install (nor the install-script approvals for them), so that `npm sbom` without --omit
 * describes the installed tree and finds nothing missing.
 */
export function runtimeManifest(manifest) {
  const { devDependencies, optionalDependencies, allowScripts, ...runtime } = manifest;
  return runtime;
}

/** Deletes the files isShipped refuses; returns how many bytes went. */
export function trim(nodeModules) {
  let bytes = 0;
  for (const file of walkAll(nodeModules)) {
    const name = file.slice(file.lastIndexOf(sep) + 1);
    if (isShipped(name)) continue;
    bytes += statSync(file).size;
    rmSync(file);
  }
  return bytes;
}

function* walkAll(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkAll(path);
    else if (entry.isFile()) yield path;
  }
}

const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

function report(root) {
  const set = imageFileSet(root);
  const lines = [
    "jitbot's own files in the image (production packages of package-lock.json, dist/, migrations/, examples/):",
  ];
  for (const [name, part] of Object.entries(set.parts))
    lines.push(`  ${name.padEnd(13)}${mb(part.bytes).padStart(9)}  ${part.files} files`);
  lines.push(`  ${'total'.padEnd(13)}${mb(set.total).padStart(9)}  (budget ${mb(set.budget)})`);
  lines.push(`  largest packages: ${set.largest.map((p) => `${p.package} ${mb(p.bytes)}`).join(', ')}`);
  lines.push(
    `With the base image (about ${mb(set.baseEstimate)}), the image is about ${mb(set.total + set.baseEstimate)} uncompressed.`,
  );
  return { set, text: lines.join('\n') };
}

/** A problem the person running this can fix: its words, without a stack trace. */
function fail(message) {
  console.error(`image-size: ${message}`);
  process.exit(2);
}

const isMain = process.argv[1] && import.meta.filename === process.argv[1];
if (isMain) {
  const [flag, target] = process.argv.slice(2);
  const root = join(import.meta.dirname, '..');
  if (flag === '--runtime-manifest') {
    if (!target)
      fail('--runtime-manifest needs the package.json to rewrite, e.g. --runtime-manifest package.json');
    const manifest = JSON.parse(readFileSync(target, 'utf8'));
    writeFileSync(target, `${JSON.stringify(runtimeManifest(manifest), null, 2)}\n`);
  } else if (flag === '--trim') {
    if (!target) fail('--trim needs the node_modules directory to trim, e.g. --trim node_modules');
    const removed = trim(target);
    console.log(
      `image-size: removed ${mb(removed)} from ${relative(process.cwd(), target) || '.'} that the image does not ship`,
    );
  } else {
    let measured;
    try {
      measured = report(root);
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
    const { set, text } = measured;
    console.log(flag === '--json' ? JSON.stringify(set) : text);
    if (set.total > set.budget) process.exitCode = 1;
  }
}
