/**
 * Every command's usage, in one table that needs nothing else: `jitbot <command> --help` is
 * answered from here before any command module, the environment or the database is touched, so
 * asking how `migrate` works can never migrate. The command modules print the same texts when
 * they refuse a mistake (test/service/cli-help.test.ts holds them equal).
 */

import { MANIFEST_USAGE } from './manifest-command.js';

export const TIME_USAGE = `T is a date (2024-05-01, read as midnight UTC), a time with its zone
      (2024-05-01T09:30:00Z, 2024-05-01T11:30:00+02:00) or a duration back from now (7d, 12h,
      2w, 1d12h). --since is inclusive, --until exclusive: --since 2024-05-01 --until 2024-06-01
      is the month of May.`;

const CONFIGURATION = `Configuration comes from the environment and ./.env: see .env.example and the README.`;

export const OVERALL_USAGE = `Usage: jitbot [command]

Commands:
  serve     run the service (default)
  migrate   apply database migrations and exit
  doctor    check the configuration, database, Slack, AWS and Okta; exit 1 if any check fails
  grants    list the grants not yet ended; "grants close" ends a revocation done by hand
  audit     print every recorded step of a request (REQ-…) or grant (GNT-…); "audit verify" checks
            the log was not edited; "audit export" writes every event as JSON Lines or CSV
  report    "report access": the access review, one line per grant, as CSV or Markdown
  reconcile compare what AWS, Okta and Identity Center hold with jitbot's grants; --fix heals it
  manifest  print the Slack app manifest, with SLACK_COMMAND as the slash command
  help      show this text; "help <command>" (or "<command> --help") shows that command's usage
  version   print the version

${CONFIGURATION}`;

export const SERVE_USAGE = `Usage:
  jitbot serve                           run the service until SIGTERM or SIGINT: applies pending
                                         migrations, answers Slack (HTTP on PORT, or Socket Mode
                                         with SLACK_APP_TOKEN), grants and revokes on time, serves
                                         /healthz and /readyz on PORT (and /metrics on METRICS_PORT).
                                         The default command. Takes no options.

${CONFIGURATION}`;

export const MIGRATE_USAGE = `Usage:
  jitbot migrate                         apply the database migrations not yet applied (to
                                         DATABASE_URL, or the embedded database under
                                         JITBOT_DATA_DIR) and exit. Takes no options.

${CONFIGURATION}`;

export const DOCTOR_USAGE = `Usage:
  jitbot doctor                          check the environment, the catalog, the database and its
                                         migrations (without applying them), the Slack token and
                                         scopes, every AWS account's roles, groups and policies, and
                                         Okta; one line per check with the fix for each failure.
                                         Changes nothing. Exit 0: all passed; 1: a check failed.
                                         Takes no options.

${CONFIGURATION}`;

export const GRANTS_USAGE = `Usage:
  jitbot grants                                   list the grants not yet ended
  jitbot grants close <grant-id> --by <who> --reason "<what was done by hand>"
                                                  end a revocation jitbot cannot finish, after the
                                                  access was taken away by hand`;

export const AUDIT_VERIFY_USAGE = `  jitbot audit verify [--checkpoint SEQ:HASH]
                                         recompute the audit log's hash chain from its first link; name
                                         the first row edited, deleted or inserted out of order, and rows
                                         waiting over a minute to be chained. --checkpoint: a head posted
                                         in the admin channel, which the chain must still hold.
                                         Exit 0: intact; 1: a problem; 2: a usage mistake`;

export const AUDIT_EXPORT_USAGE = `Usage:
  jitbot audit export [--since T] [--until T] [--format jsonl|csv] [--out FILE]
      every audit event, oldest first, one per line: JSON Lines (the default) or CSV with a
      header line. The data goes to FILE (written whole or not at all) or to standard output;
      progress and a summary go to standard error.
      ${TIME_USAGE}`;

export const AUDIT_USAGE = `Usage:
  jitbot audit <request-id | grant-id>   every recorded step of a request (REQ-…) or a grant (GNT-…),
                                         its AWS and Okta calls included, oldest first
${AUDIT_VERIFY_USAGE}
${AUDIT_EXPORT_USAGE}`;

export const REPORT_USAGE = `Usage:
  jitbot report access [--since T] [--until T] [--format csv|md]
      the access review: one line per grant whose access overlaps the window, with who asked,
      who approved, why, from when to when and how it ended. CSV (the default) or a Markdown
      table, to standard output.
      ${TIME_USAGE}`;

export const RECONCILE_USAGE = `Usage:
  jitbot reconcile [--json]              read back who holds each target, and jitbot's schedules and
                                         generated policies; print what differs from jitbot's grants
                                         and change nothing (exit 0: nothing found, 2: found, 1: error)
  jitbot reconcile --fix [--by <who>] [--json]
                                         also fix every finding, standing access included, audited
                                         as decided by <who> (default: this machine's user)
                                         (exit 0: all fixed, 1: otherwise)`;

export const HELP_USAGE = `Usage:
  jitbot help [command]                  the list of commands, or one command's usage; the same as
                                         jitbot --help and jitbot <command> --help (or -h)`;

export const VERSION_USAGE = `Usage:
  jitbot version                         print jitbot's version (also: jitbot --version)`;

/**
 * Keyed by the command's words; "audit verify" and "audit export" have their own, every other
 * second word (a request id, "close", "access") falls back to the command's own usage.
 */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  serve: SERVE_USAGE,
  migrate: MIGRATE_USAGE,
  doctor: DOCTOR_USAGE,
  grants: GRANTS_USAGE,
  audit: AUDIT_USAGE,
  'audit verify': `Usage:\n${AUDIT_VERIFY_USAGE}`,
  'audit export': AUDIT_EXPORT_USAGE,
  report: REPORT_USAGE,
  reconcile: RECONCILE_USAGE,
  manifest: MANIFEST_USAGE,
  help: HELP_USAGE,
  version: VERSION_USAGE,
};

/** A command jitbot has (not "audit verify": that is "audit" with an argument). */
export function isCommand(word: string): boolean {
  return Object.hasOwn(COMMAND_USAGE, word) && !word.includes(' ');
}

/** Commands that take no arguments: anything after them is a mistake, not something to ignore. */
export const COMMANDS_WITHOUT_ARGUMENTS: ReadonlySet<string> = new Set([
  'serve',
  'migrate',
  'doctor',
  'version',
]);

export type HelpAnswer =
  | { readonly kind: 'usage'; readonly text: string }
  | { readonly kind: 'unknown'; readonly command: string };

const HELP_FLAGS: ReadonlySet<string> = new Set(['--help', '-h']);

/** The usage the leading words (not options) name: the longest entry of the table they start with. */
function usageOf(args: readonly string[]): HelpAnswer {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const [command, second] = words;
  if (command === undefined) return { kind: 'usage', text: OVERALL_USAGE };
  if (!isCommand(command)) return { kind: 'unknown', command };
  const pair = `${command} ${second}`;
  return {
    kind: 'usage',
    text: COMMAND_USAGE[Object.hasOwn(COMMAND_USAGE, pair) ? pair : command] ?? OVERALL_USAGE,
  };
}

/**
 * What to show when the arguments ask for help (`help [command]`, or --help / -h anywhere before
 * a `--`); undefined when they do not.
 */
export function helpFor(argv: readonly string[]): HelpAnswer | undefined {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const [first, ...rest] = options;
  const asked = options.some((arg) => HELP_FLAGS.has(arg));
  if (first === 'help') {
    // `jitbot help --help` asks about help itself.
    const aboutHelp = asked && rest.every((arg) => arg.startsWith('-'));
    return aboutHelp ? { kind: 'usage', text: HELP_USAGE } : usageOf(rest);
  }
  return asked ? usageOf(options) : undefined;
}
