/**
 * Durations as people write them in the catalog and in Slack: `90s`, `15m`, `2h`, `1d`, `1w`,
 * and combinations such as `1h30m`. Stored and compared as whole seconds.
 */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
type Unit = keyof typeof UNIT_SECONDS;

const DURATION_PATTERN = /^(?:\d+[smhdw])+$/;
const PART_PATTERN = /(\d+)([smhdw])/g;

export const DURATION_FORMAT_HINT = 'a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m';

/** Seconds for a duration string, or undefined when it is not one. Zero is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!DURATION_PATTERN.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART_PATTERN)) {
    seconds += Number(amount) * UNIT_SECONDS[unit as Unit];
  }
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}

/** The shortest exact spelling of a number of seconds: 5400 -> `1h30m`, 86400 -> `1d`. */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds <= 0) return '0s';
  const units: Unit[] = ['d', 'h', 'm', 's'];
  let rest = totalSeconds;
  let text = '';
  for (const unit of units) {
    const size = UNIT_SECONDS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text;
}

/** An instant as jitbot writes it in plain text: UTC, to the second (`2026-12-01T14:05:00Z`). */
export function formatInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Seconds of an ISO 8601 duration as AWS writes session durations (`PT1H`, `PT12H`, `PT1H30M`,
 * `P1D`); undefined for anything else.
 */
export function isoDurationSeconds(text: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return (days ?? 0) * 86400 + (hours ?? 0) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0);
}
