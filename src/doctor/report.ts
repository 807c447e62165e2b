import { scrubSecrets } from '../log/logger.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One check's outcome: `detail` says what was found, `fix` what to do about a failure or warning. */
export interface CheckLine {
  readonly status: CheckStatus;
  readonly name: string;
  readonly detail?: string;
  readonly fix?: string;
}

/** The outcome of a check in aws/ and okta/: `problem` and `fix` are written for an admin. */
export type CheckResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: string; readonly fix: string };

export function pass(name: string, detail?: string): CheckLine {
  return { status: 'pass', name, ...(detail !== undefined ? { detail } : {}) };
}

export function fail(name: string, problem: string, fix?: string): CheckLine {
  return { status: 'fail', name, detail: problem, ...(fix !== undefined ? { fix } : {}) };
}

export function warn(name: string, problem: string, fix?: string): CheckLine {
  return { status: 'warn', name, detail: problem, ...(fix !== undefined ? { fix } : {}) };
}

export function skip(name: string, reason: string): CheckLine {
  return { status: 'skip', name, detail: reason };
}

export function fromResult(name: string, result: CheckResult, okDetail?: string): CheckLine {
  return result.ok ? pass(name, okDetail) : fail(name, result.problem, result.fix);
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };
const INDENT = '    ';

/** `✓ name: detail`, with a failure's further lines and its fix indented under it. */
export function formatLine(line: CheckLine): string[] {
  const [first = '', ...rest] = (line.detail ?? '').split('\n');
  const head = `${MARKS[line.status]} ${line.name}${first ? `: ${first}` : ''}`;
  const more = rest.map((text) => `${INDENT}${text.trimStart()}`);
  return [head, ...more, ...(line.fix ? [`${INDENT}fix: ${line.fix}`] : [])];
}

export function summarize(lines: readonly CheckLine[]): string {
  const count = (status: CheckStatus) => lines.filter((line) => line.status === status).length;
  const failed = count('fail');
  const warned = count('warn');
  const warnings = warned > 0 ? `, ${warned} warning${warned === 1 ? '' : 's'}` : '';
  if (failed === 0) return `All ${count('pass')} checks passed${warnings}.`;
  return `${failed} of ${lines.length} checks failed${warnings}: fix the ✗ lines and run jitbot doctor again.`;
}

/** Shorter values would match ordinary words; no real secret is this short. */
const MIN_SECRET_LENGTH = 6;

/**
 * Removes every known secret value from text before it is printed. The checks never put one in
 * their words; this is the second line of defence against a library echoing one in an error.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = [...new Set(secrets)]
    .filter((value): value is string => value !== undefined && value.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let redacted = text;
    for (const value of values) redacted = redacted.split(value).join('[redacted]');
    return scrubExceptExamples(redacted);
  };
}

/**
 * The documentation's example URL (`postgres://user:password@host:5432/jitbot`): a hint, not a
 * secret. A real DATABASE_URL whose password is `password` never gets this far as such: its
 * password is one of the values removed above.
 */
const EXAMPLE_DATABASE_URL = /postgres(?:ql)?:\/\/[^:/\s@]+:password@/g;

/** scrubSecrets, which would turn the example into `user:[redacted]@`, with the example kept as written. */
function scrubExceptExamples(text: string): string {
  const kept: string[] = [];
  const shielded = text.replace(EXAMPLE_DATABASE_URL, (example) => {
    kept.push(example);
    return `\uE000${kept.length - 1}\uE000`;
  });
  return scrubSecrets(shielded).replace(
    /\uE000(\d+)\uE000/g,
    (_match, index: string) => kept[Number(index)] ?? '',
  );
}
