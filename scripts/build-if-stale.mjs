// `npm start`'s first step: compiles only when dist/ is older than what it is compiled from, so a
// start after `npm test` or `npm run build` starts at once.
//
//   node scripts/build-if-stale.mjs     runs `npm run build` when stale, else does nothing
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every successful `npm run build` rewrites it (tsc here is not incremental). */
const OUTPUT = join('dist', 'cli.js');
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** src/ itself, its directories (an added, deleted or renamed file changes its directory) and files. */
function* inputs(root) {
  for (const config of CONFIGS) yield join(root, config);
  const src = join(root, 'src');
  yield src;
  for (const entry of readdirSync(src, { recursive: true })) yield join(src, String(entry));
}

/** Why dist/ must be compiled again, or undefined when it is current. */
export function isStale(root) {
  const built = mtimeOf(join(root, OUTPUT));
  if (built === undefined) return `${OUTPUT} is missing`;
  for (const input of inputs(root)) {
    const changed = mtimeOf(input);
    if (changed !== undefined && changed > built)
      return `${relative(root, input) || '.'} changed after the last build`;
  }
  return undefined;
}

/** `npm run build`, through the npm that runs this script when there is one. */
function build(root) {
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli
    ? [process.execPath, [npmCli, 'run', 'build', '--silent']]
    : ['npm', ['run', 'build', '--silent']];
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
}

const isMain = process.argv[1] && import.meta.filename === process.argv[1];
if (isMain) {
  const root = join(import.meta.dirname, '..');
  const reason = isStale(root);
  if (reason !== undefined) {
    console.error(`build-if-stale: compiling, because ${reason}`);
    const status = build(root);
    if (status !== 0) {
      // tsc writes its output even when it reports errors: dated back to 1970, that output is
      // never taken for a current build, and stays there for whoever runs it on purpose.
      const output = join(root, OUTPUT);
      if (mtimeOf(output) !== undefined) utimesSync(output, 0, 0);
      console.error('build-if-stale: the build failed; fix the errors above, then run npm start again.');
      process.exit(status);
    }
  }
}
