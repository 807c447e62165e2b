import { parseArgs } from 'node:util';
import type pg from 'pg';
import { GRANTS_USAGE } from './cli-usage.js';
import { listUnendedGrants } from './db/grants-repository.js';
import { formatDuration } from './domain/duration.js';
import type { StoredGrant } from './domain/grant.js';
import { describeError } from './errors.js';
import { closeRevocationByHand } from './workflow/close-grant.js';

export { GRANTS_USAGE };

/** "expires in 42m", "expired 3h ago": grants are read by people deciding what to do now. */
function relative(at: Date, now: Date): string {
  const minutes = Math.round((at.getTime() - now.getTime()) / 60_000);
  const span = formatDuration(Math.abs(minutes) * 60);
  return minutes >= 0 ? `expires in ${span}` : `expired ${span} ago`;
}

function describeGrant(grant: StoredGrant, now: Date): string {
  const parts = [
    grant.id,
    grant.status,
    grant.targetId,
    grant.principal,
    grant.resource,
    relative(grant.expiresAt, now),
  ];
  if (grant.status === 'revoking' && grant.revokeAttempts > 0)
    parts.push(`${grant.revokeAttempts} tries to revoke, last: ${grant.lastError ?? 'no error recorded'}`);
  return parts.join('  ');
}

function closingWords(grant: StoredGrant): string[] {
  const lines = [
    `closed ${grant.id} (${grant.targetId}, ${grant.principal}, ${grant.resource}): jitbot no longer tries to take it away, and the audit log records who closed it and why.`,
  ];
  if (grant.backstopAt)
    lines.push(
      `Its EventBridge backstop schedule jitbot-${grant.id} (group jitbot) may still exist in that account and would ` +
        `take the same access away when it fires, even from a later grant: delete it, e.g. ` +
        `aws scheduler delete-schedule --group-name jitbot --name jitbot-${grant.id}`,
    );
  return lines;
}

/** `jitbot grants ...`: the exit code; 2 for a usage mistake, 1 when the grant cannot be closed. */
export async function runGrantsCommand(
  args: readonly string[],
  pool: pg.Pool,
  write: (line: string) => void,
  now: Date = new Date(),
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === 'list') {
    const grants = await listUnendedGrants(pool);
    if (grants.length === 0) write('no grants are live or being revoked');
    for (const grant of grants) write(describeGrant(grant, now));
    return 0;
  }
  if (sub !== 'close') {
    write(`jitbot grants: unknown subcommand "${sub}"\n\n${GRANTS_USAGE}`);
    return 2;
  }
  let parsed: ReturnType<typeof parseClose>;
  try {
    parsed = parseClose(rest);
  } catch (error) {
    write(`jitbot grants close: ${describeError(error)}\n\n${GRANTS_USAGE}`);
    return 2;
  }
  const outcome = await closeRevocationByHand(pool, parsed.grantId, parsed);
  switch (outcome.type) {
    case 'closed':
      for (const line of closingWords(outcome.grant)) write(line);
      return 0;
    case 'not-found':
      write(`there is no grant ${parsed.grantId}: run jitbot grants to list them`);
      return 1;
    default:
      write(
        `grant ${parsed.grantId} is ${outcome.grant.status}, not being revoked, so there is nothing to close: ` +
          'only a revocation jitbot keeps failing at can be closed by hand',
      );
      return 1;
  }
}

function parseClose(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { by: { type: 'string' }, reason: { type: 'string' } },
    allowPositionals: true,
  });
  const [grantId, ...extra] = positionals;
  if (!grantId) throw new Error('which grant? give its id (GNT-…), from jitbot grants');
  if (extra.length > 0) throw new Error(`one grant at a time; also given: ${extra.join(' ')}`);
  const by = values.by?.trim();
  if (!by) throw new Error('--by is required: who closes it, for the audit log');
  const reason = values.reason?.trim() ?? '';
  if (reason.length < 10)
    throw new Error('--reason is required (10 characters or more): what was done by hand');
  return { grantId, by, reason };
}
