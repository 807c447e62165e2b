import { parseArgs } from 'node:util';
import type pg from 'pg';
import {
  CSV_HEADER,
  csvRecordLine,
  EXPORT_FORMATS,
  type ExportFormat,
  jsonlLine,
} from './audit-export-format.js';
import { AUDIT_EXPORT_USAGE } from './cli-usage.js';
import { streamAuditEvents } from './db/audit-export-repository.js';
import { formatInstant } from './domain/duration.js';
import { describeError } from './errors.js';
import { optionWords } from './option-words.js';
import { openWholeFile, type PacedWriter, pacedWriter, type WholeFile } from './output-stream.js';
import { describeWindow, parseWindow, type TimeWindow } from './time-window.js';

export { AUDIT_EXPORT_USAGE };

/** A progress line per this many events: a large export shows it is moving, a small one stays quiet. */
const PROGRESS_EVERY = 100_000;

interface ExportOptions {
  readonly window: TimeWindow;
  readonly format: ExportFormat;
  readonly out?: string;
}

function parseExportArgs(args: readonly string[], now: Date): ExportOptions | string {
  let parsed: ReturnType<typeof readArgs>;
  try {
    parsed = readArgs(args);
  } catch (error) {
    return optionWords(error, EXPORT_OPTIONS);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) return `unexpected ${positionals.join(' ')}: every setting is an option`;
  const format = values.format ?? 'jsonl';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    return `--format ${format} is not one jitbot writes: give jsonl or csv`;
  if (values.out !== undefined && values.out.trim() === '') return '--out needs a file name';
  const window = parseWindow(values, now);
  if (typeof window === 'string') return window;
  return { window, format: format as ExportFormat, ...(values.out !== undefined ? { out: values.out } : {}) };
}

const EXPORT_OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

function readArgs(args: readonly string[]) {
  return parseArgs({ args: [...args], options: EXPORT_OPTIONS, allowPositionals: true, strict: true });
}

async function openOutput(path: string, err: (line: string) => void): Promise<WholeFile | undefined> {
  try {
    return await openWholeFile(path);
  } catch (error) {
    err(
      `jitbot audit export: cannot write ${path}: ${describeError(error)}. Check that its folder exists and is writable.`,
    );
    return undefined;
  }
}

/** Streams the events into `writer`; `progress.count` says how far it got, also when it fails. */
async function writeEvents(
  pool: pg.Pool,
  options: ExportOptions,
  writer: PacedWriter,
  progress: { count: number },
  err: (line: string) => void,
): Promise<Date> {
  const lineOf = options.format === 'csv' ? csvRecordLine : jsonlLine;
  if (options.format === 'csv') await writer.write(CSV_HEADER);
  const snapshotAt = await streamAuditEvents(pool, options.window, async (rows) => {
    await writer.write(rows.map(lineOf).join(''));
    const before = progress.count;
    progress.count += rows.length;
    if (Math.floor(progress.count / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY))
      err(`exported ${progress.count} events so far (up to ${rows[rows.length - 1]?.occurredAt})`);
  });
  await writer.settle();
  return snapshotAt;
}

/**
 * `jitbot audit export`: the exit code; 2 for a usage mistake, 1 when the export could not be
 * written whole. Data goes to `out` (or --out), every other word to `err`.
 */
export async function runAuditExport(
  args: readonly string[],
  pool: pg.Pool,
  out: NodeJS.WritableStream,
  err: (line: string) => void,
  now: Date = new Date(),
): Promise<number> {
  const options = parseExportArgs(args, now);
  if (typeof options === 'string') {
    err(`jitbot audit export: ${options}\n\n${AUDIT_EXPORT_USAGE}`);
    return 2;
  }
  const file = options.out !== undefined ? await openOutput(options.out, err) : undefined;
  if (options.out !== undefined && !file) return 1;
  const writer = pacedWriter(file?.stream ?? out);
  const progress = { count: 0 };
  const into = options.out !== undefined ? ` into ${options.out}` : '';
  try {
    const snapshotAt = await writeEvents(pool, options, writer, progress, err);
    writer.release();
    await file?.commit();
    const window = describeWindow(options.window, {
      since: 'the first recorded event',
      until: formatInstant(snapshotAt),
    });
    err(`exported ${progress.count} ${progress.count === 1 ? 'event' : 'events'} ${window}${into}`);
    return 0;
  } catch (error) {
    writer.release();
    await file?.discard();
    const what =
      options.out !== undefined ? `${options.out} was not written` : 'What was written is incomplete';
    err(
      `jitbot audit export stopped after ${progress.count} events: ${describeError(error)}. ${what}; run the export again.`,
    );
    return 1;
  }
}
