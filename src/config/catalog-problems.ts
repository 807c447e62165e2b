/**
 * One problem found in the catalog, and the rules for showing values in problem messages.
 * Every message that quotes a value goes through a Redaction so that secrets and anything that
 * came from the environment never reach a terminal or a log.
 */

export type Path = readonly (string | number)[];

export interface Problem {
  /** Where the problem is, shown to the reader as `targets[2].durations.max`. */
  readonly path: Path;
  readonly message: string;
  /** Where to sort the problem in the file when that is more precise than `path` (an unknown key). */
  readonly anchor?: Path;
}

export function formatPath(path: Path): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (/^[A-Za-z_]\w*$/.test(part)) text += text === '' ? part : `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text === '' ? 'top level' : text;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export interface Redaction {
  /** True when the value at `path` must not be shown: a secret field, or it came from `${VAR}`. */
  hides(path: Path): boolean;
  /** The value as the subject of a sentence (`"4 hours"`), or words that describe it without showing it. */
  subject(path: Path, value: unknown): string | undefined;
  /** The value as the operator wrote it in the file: the text itself, or `${VAR}` when substituted. */
  asWritten(path: Path, value: unknown): string;
}

const LONGEST_SHOWN = 60;

/** `sources` maps a formatted path to the text written in the file before `${VAR}` substitution. */
export function createRedaction(sources: ReadonlyMap<string, string>): Redaction {
  const hides = (path: Path) => sources.has(formatPath(path)) || isSecretPath(path);
  return {
    hides,
    subject(path, value) {
      const source = sources.get(formatPath(path));
      if (source !== undefined) {
        return /^\$\{\w+\}$/.test(source)
          ? `the value of ${source}`
          : `the value of ${JSON.stringify(source)}`;
      }
      if (isSecretPath(path)) return 'the secret value (not shown)';
      if (typeof value === 'string') return JSON.stringify(shorten(value));
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return undefined;
    },
    asWritten(path, value) {
      const source = sources.get(formatPath(path));
      if (source !== undefined) return source;
      return isSecretPath(path) ? '(secret)' : shorten(String(value));
    },
  };
}

function isSecretPath(path: Path): boolean {
  const [section, index, key] = path;
  if (section === 'accounts') return typeof index === 'number' && key === 'externalId' && path.length === 3;
  return section === 'okta' && index === 'token' && path.length === 2;
}

function shorten(text: string): string {
  return text.length <= LONGEST_SHOWN ? text : `${text.slice(0, LONGEST_SHOWN - 1)}…`;
}

/** The closest of `candidates` to a misspelt `word`, if one is near enough to be the likely intent. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance, on one rolling row: the words compared are key names, so short. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
