import { parseArgs } from 'node:util';
import type pg from 'pg';
import { REVIEW_COLUMNS, type ReviewLine, reviewLine, TYPED_COLUMNS } from './access-review.js';
import { REPORT_USAGE } from './cli-usage.js';
import { listGrantsForReview } from './db/access-report-repository.js';
import { optionWords } from './option-words.js';
import { csvField, markdownHeader, markdownRow, spreadsheetField } from './table-text.js';
import { describeWindow, parseWindow, type TimeWindow } from './time-window.js';

export { REPORT_USAGE };

const FORMATS = ['csv', 'md'] as const;
type ReportFormat = (typeof FORMATS)[number];

interface ReportOptions {
  readonly window: TimeWindow;
  readonly format: ReportFormat;
}

const REPORT_OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  format: { type: 'string' },
} as const;

function parseReportArgs(args: readonly string[], now: Date): ReportOptions | string {
  const [kind, ...rest] = args;
  if (kind !== 'access')
    return kind === undefined
      ? 'which report? jitbot has one: access'
      : `there is no report "${kind}": give access`;
  let values: { since?: string; until?: string; format?: string };
  try {
    const parsed = parseArgs({ args: rest, options: REPORT_OPTIONS, allowPositionals: true, strict: true });
    if (parsed.positionals.length > 0)
      return `unexpected ${parsed.positionals.join(' ')}: every setting is an option`;
    values = parsed.values;
  } catch (error) {
    return optionWords(error, REPORT_OPTIONS);
  }
  const format = values.format ?? 'csv';
  if (!(FORMATS as readonly string[]).includes(format))
    return `--format ${format} is not one jitbot writes: give csv or md`;
  const window = parseWindow(values, now);
  return typeof window === 'string' ? window : { window, format: format as ReportFormat };
}

function csvLines(lines: readonly ReviewLine[]): string[] {
  const cells = (line: ReviewLine) =>
    REVIEW_COLUMNS.map((column) =>
      TYPED_COLUMNS.has(column) ? spreadsheetField(line[column]) : csvField(line[column]),
    );
  // `write` ends each line itself.
  return [REVIEW_COLUMNS.join(','), ...lines.map((line) => cells(line).join(','))];
}

function markdownLines(lines: readonly ReviewLine[]): string[] {
  return [
    ...markdownHeader(REVIEW_COLUMNS),
    ...lines.map((line) => markdownRow(REVIEW_COLUMNS.map((column) => line[column]))),
  ];
}

/**
 * `jitbot report access`: the exit code; 2 for a usage mistake. The report goes to `write`, line
 * by line; what was covered goes to `err`, so the output stays a clean table.
 */
export async function runReportCommand(
  args: readonly string[],
  pool: pg.Pool,
  write: (line: string) => void,
  err: (line: string) => void,
  now: Date = new Date(),
): Promise<number> {
  const options = parseReportArgs(args, now);
  if (typeof options === 'string') {
    err(`jitbot report: ${options}\n\n${REPORT_USAGE}`);
    return 2;
  }
  const lines = (await listGrantsForReview(pool, options.window)).map(reviewLine);
  const text = options.format === 'md' ? markdownLines(lines) : csvLines(lines);
  for (const line of text) write(line);
  const window = describeWindow(options.window, { since: 'the first grant', until: 'now' });
  err(`${lines.length} ${lines.length === 1 ? 'grant' : 'grants'} ${window}`);
  return 0;
}
