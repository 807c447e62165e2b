/** Text tables as admin commands write them: CSV (RFC 4180) and Markdown. */

/** One CSV field: quoted when it holds a comma, a quote or a line break, quotes doubled (RFC 4180). */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A field a spreadsheet will show to people: text a requester typed (a justification, a ticket)
 * that starts like a formula is kept from running as one by a leading apostrophe, so opening the
 * report cannot make the reviewer's spreadsheet compute, fetch or link anything.
 */
export function spreadsheetField(value: string | null): string {
  if (value === null) return '';
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/**
 * A CSV record and its line end. A bare LF, not RFC 4180's CRLF: spreadsheets read either, and
 * line tools (wc, grep, cut) would otherwise keep a stray CR in the last field.
 */
export function csvLine(fields: readonly string[]): string {
  return `${fields.join(',')}\n`;
}

/**
 * One Markdown table cell: backslashes and pipes escaped (a pipe would end the cell), HTML
 * special characters as entities (a viewer must not render what a requester typed as markup),
 * line breaks as spaces (a table row is one line).
 */
export function markdownCell(value: string): string {
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replace(/\r\n|\r|\n/g, ' ');
}

export function markdownRow(cells: readonly string[]): string {
  return `| ${cells.map(markdownCell).join(' | ')} |`;
}

/** The header line and the line under it that makes a Markdown table. */
export function markdownHeader(names: readonly string[]): string[] {
  return [markdownRow(names), `|${names.map(() => '---').join('|')}|`];
}
