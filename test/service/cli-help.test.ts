/**
 * `jitbot <command> --help` shows that command's usage and does nothing else: `migrate --help`
 * must never migrate. Runs the built CLI (`npm run build` first).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_USAGE } from '../../src/audit-command.js';
import { AUDIT_EXPORT_USAGE } from '../../src/audit-export-command.js';
import { AUDIT_VERIFY_USAGE } from '../../src/audit-verify-command.js';
import { COMMAND_USAGE, OVERALL_USAGE } from '../../src/cli-usage.js';
import { GRANTS_USAGE } from '../../src/grants-command.js';
import { RECONCILE_USAGE } from '../../src/reconcile-command.js';
import { REPORT_USAGE } from '../../src/report-command.js';
import { CLI, EXAMPLE_CATALOG, serviceEnv } from '../support/service-process.js';

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

let cwd: string;
beforeAll(() => {
  // A working directory set up as the README says: a .env with the default ./data and no
  // DATABASE_URL. Any command that ran for real would read it and create ./data.
  cwd = mkdtempSync(join(tmpdir(), 'jitbot-help-'));
  const env = serviceEnv({ JITBOT_DATA_DIR: './data', JITBOT_CATALOG: EXAMPLE_CATALOG });
  writeFileSync(
    join(cwd, '.env'),
    Object.entries(env)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n'),
  );
});
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function jitbot(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 20_000 },
      (error, out, err) =>
        resolve({ code: error ? ((error.code as number | undefined) ?? null) : 0, out, err }),
    );
  });
}

/** The command words people type, the usage they must get, and the options its parser takes. */
const COMMANDS: readonly (readonly [args: string[], usage: string, options: string[]])[] = [
  [['serve'], 'serve', []],
  [['migrate'], 'migrate', []],
  [['doctor'], 'doctor', []],
  [['grants'], 'grants', []],
  [['grants', 'close', 'GNT-00000001', '--by', 'me'], 'grants', ['--by', '--reason']],
  [['audit', 'REQ-00000001'], 'audit', ['--checkpoint', '--since', '--until', '--format', '--out']],
  [['audit', 'verify'], 'audit verify', ['--checkpoint']],
  [['audit', 'export', '--since', '1d'], 'audit export', ['--since', '--until', '--format', '--out']],
  [['report', 'access', '--format', 'md'], 'report', ['--since', '--until', '--format']],
  [['reconcile', '--fix'], 'reconcile', ['--fix', '--by', '--json']],
  [['help'], 'help', []],
  [['version'], 'version', []],
];

describe('jitbot <command> --help', () => {
  it.each([
    ['--help', (args: string[]) => [...args, '--help']],
    ['-h', (args: string[]) => [...args, '-h']],
    ['help <command>', (args: string[]) => ['help', ...args]],
  ])('answers %s with the usage on stdout, exit 0, and does nothing else', async (_form, ask) => {
    const runs = await Promise.all(COMMANDS.map(([args]) => jitbot(ask(args))));
    COMMANDS.forEach(([args, usage], index) => {
      expect({ args, ...runs[index] }).toEqual({ args, code: 0, out: `${COMMAND_USAGE[usage]}\n`, err: '' });
    });
    // Nothing read .env (it says so on stderr when it does) and no database was made or migrated.
    expect(readdirSync(cwd)).toEqual(['.env']);
  });

  it('shows the list of commands for jitbot --help, -h and help', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      expect(await jitbot(args)).toEqual({ code: 0, out: `${OVERALL_USAGE}\n`, err: '' });
    }
  });

  it('refuses an unknown command with the list of commands and exit 2, asked for help or not', async () => {
    const asked: [string[], string][] = [
      [['nosuch'], 'nosuch'],
      [['nosuch', '--help'], 'nosuch'],
      [['help', 'nosuch'], 'nosuch'],
      [['constructor'], 'constructor'],
    ];
    for (const [args, command] of asked) {
      const err = `jitbot: unknown command "${command}"\n\n${OVERALL_USAGE}\n`;
      expect(await jitbot(args)).toEqual({ code: 2, out: '', err });
    }
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('refuses arguments to a command that takes none, rather than running it', async () => {
    const run = await jitbot(['migrate', '--dry-run']);
    expect(run.code).toBe(2);
    expect(run.err).toBe(`jitbot migrate takes no arguments; given: --dry-run\n\n${COMMAND_USAGE.migrate}\n`);
    expect(readdirSync(cwd)).toEqual(['.env']);
  });
});

describe('the usage table', () => {
  it.each(COMMANDS)('%j: its usage names every option its parser accepts', (_args, usage, options) => {
    for (const option of options) expect(COMMAND_USAGE[usage]).toContain(option);
  });

  it('says what each command module says when it refuses a mistake', () => {
    expect(COMMAND_USAGE.grants).toBe(GRANTS_USAGE);
    expect(COMMAND_USAGE.audit).toBe(AUDIT_USAGE);
    expect(COMMAND_USAGE['audit verify']).toBe(`Usage:\n${AUDIT_VERIFY_USAGE}`);
    expect(COMMAND_USAGE['audit export']).toBe(AUDIT_EXPORT_USAGE);
    expect(COMMAND_USAGE.report).toBe(REPORT_USAGE);
    expect(COMMAND_USAGE.reconcile).toBe(RECONCILE_USAGE);
  });
});
