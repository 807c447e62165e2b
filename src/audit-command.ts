import type pg from 'pg';
import { runAuditVerifyCommand } from './audit-verify-command.js';
import { AUDIT_USAGE } from './cli-usage.js';
import { type AuditTrailEvent, listAuditTrail } from './db/audit-repository.js';
import { GRANT_ID_PATTERN, REQUEST_ID_PATTERN } from './domain/request-id.js';

export { AUDIT_USAGE };

/** `key=value` pairs, the error last and whole: it is the part people read. */
function detailWords(details: Record<string, unknown>): string {
  const { error, ...rest } = details;
  const pairs = Object.entries(rest)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  if (typeof error === 'string' && error) pairs.push(`error: ${error}`);
  return pairs.join('  ');
}

function line(row: AuditTrailEvent): string {
  const ids = [row.requestId, row.grantId].filter(Boolean).join('/');
  const head = `${row.occurredAt.toISOString()}  ${row.action}  ${row.outcome}  by ${row.actor}  ${ids}`;
  const details = detailWords(row.details);
  return details ? `${head}  ${details}` : head;
}

/** `jitbot audit ID`: the exit code; 2 for a usage mistake, 1 when nothing is recorded for it. */
export async function runAuditCommand(
  args: readonly string[],
  pool: pg.Pool,
  write: (line: string) => void,
): Promise<number> {
  if (args[0] === 'verify') return runAuditVerifyCommand(args.slice(1), pool, write);
  const [id, ...extra] = args;
  const kind =
    id && REQUEST_ID_PATTERN.test(id) ? 'request' : id && GRANT_ID_PATTERN.test(id) ? 'grant' : undefined;
  if (!id || !kind || extra.length > 0) {
    write(`jitbot audit: give one request id (REQ-…) or grant id (GNT-…)\n\n${AUDIT_USAGE}`);
    return 2;
  }
  const rows = await listAuditTrail(pool, { kind, id });
  if (rows.length === 0) {
    write(`nothing is recorded for ${id}: check the id (from the Slack message, or jitbot grants)`);
    return 1;
  }
  for (const row of rows) write(line(row));
  return 0;
}
