import { formatInstant, parseDuration } from './domain/duration.js';

/** The stretch of time an admin command reads: `since` inclusive, `until` exclusive; absent is open. */
export interface TimeWindow {
  readonly since?: Date;
  readonly until?: Date;
}

export { TIME_USAGE } from './cli-usage.js';

const TIME_HINT =
  'give a date (2024-05-01), a time with its zone (2024-05-01T09:30:00Z) or a duration back from now (7d)';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const TIME_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/i;

/** Midnight UTC of a calendar date; undefined for one that does not exist (2024-02-30). */
function midnightOf(date: string): Date | undefined {
  const at = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === date ? at : undefined;
}

/**
 * An instant as a person types it on the command line, or the words saying what is wrong. A time
 * without a zone is refused rather than guessed: the server's zone and the reader's may differ,
 * and an access review off by some hours misses grants.
 */
export function parseInstant(text: string, now: Date): Date | string {
  const trimmed = text.trim();
  if (DATE.test(trimmed)) return midnightOf(trimmed) ?? `${trimmed} is not a date in the calendar`;
  const time = TIME.exec(trimmed);
  if (time) {
    const at = new Date(trimmed);
    if (!midnightOf(time[1] ?? '') || Number.isNaN(at.getTime())) return `${trimmed} is not a valid time`;
    return at;
  }
  if (TIME_WITHOUT_ZONE.test(trimmed))
    return `${trimmed} has no time zone: add Z for UTC (${trimmed.replace(' ', 'T')}Z) or an offset such as +02:00`;
  const seconds = parseDuration(trimmed);
  if (seconds !== undefined) return new Date(now.getTime() - seconds * 1000);
  return `"${trimmed}" is neither a date, a time nor a duration: ${TIME_HINT}`;
}

/** The window from --since and --until, or the words saying what is wrong with them. */
export function parseWindow(
  values: { readonly since?: string; readonly until?: string },
  now: Date,
): TimeWindow | string {
  const window: { since?: Date; until?: Date } = {};
  for (const name of ['since', 'until'] as const) {
    const text = values[name];
    if (text === undefined) continue;
    const at = parseInstant(text, now);
    if (typeof at === 'string') return `--${name}: ${at}`;
    window[name] = at;
  }
  if (window.since && window.until && window.since >= window.until)
    return (
      `--since (${formatInstant(window.since)}) must be before --until (${formatInstant(window.until)}): ` +
      'the window starts at --since and ends just before --until'
    );
  return window;
}

/** "from 2024-05-01T00:00:00Z to 2024-06-01T00:00:00Z"; an open end is named by `openEnds`. */
export function describeWindow(
  window: TimeWindow,
  openEnds: { readonly since: string; readonly until: string },
): string {
  const since = window.since ? formatInstant(window.since) : openEnds.since;
  const until = window.until ? formatInstant(window.until) : openEnds.until;
  return `from ${since} to ${until}`;
}
