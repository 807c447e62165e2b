import { AUDIT_VERIFY_USAGE } from './cli-usage.js';
import type { Queryable } from './db/pool.js';
import {
  type ChainBreak,
  type ChainReport,
  type Checkpoint,
  verifyAuditChain,
} from './workflow/verify-audit-chain.js';

export { AUDIT_VERIFY_USAGE };

const CHECKPOINT_PATTERN = /^([1-9][0-9]{0,15}):([0-9a-fA-F]{64})$/;

function parseArgs(args: readonly string[]): { checkpoint?: Checkpoint } | string {
  const [flag, value, ...extra] = args;
  if (flag === undefined) return {};
  const [name, inline] = flag.split(/=(.*)/s);
  const text = inline ?? value;
  if (name !== '--checkpoint' || (inline === undefined ? extra.length > 0 : value !== undefined))
    return `does not take ${JSON.stringify(args.join(' '))}: give nothing, or --checkpoint SEQ:HASH`;
  const match = text === undefined ? null : CHECKPOINT_PATTERN.exec(text);
  if (!match?.[1] || !match[2])
    return '--checkpoint takes SEQ:HASH as posted in the admin channel (a number, a colon, 64 hex digits)';
  return { checkpoint: { seq: Number(match[1]), hash: match[2].toLowerCase() } };
}

const AFTERWARDS =
  'Someone changed the database outside jitbot: compare it with a backup and with the checkpoints ' +
  'posted in the admin channel to find what changed. jitbot never rewrites the chain, so the break stays visible.';

function breakWords(broken: ChainBreak): string {
  switch (broken.kind) {
    case 'link-missing':
      return `seq ${broken.seq}: the link is missing (the next one is seq ${broken.found}): a link was deleted from audit_chain`;
    case 'event-deleted':
      return `seq ${broken.seq}: event id ${broken.eventId} was deleted from audit_events after it was chained`;
    case 'event-edited':
      return `seq ${broken.seq}: event id ${broken.eventId} was changed after it was chained (its hash no longer matches)`;
    case 'relinked':
      return `seq ${broken.seq}: the link for event id ${broken.eventId} does not follow seq ${broken.seq - 1}: the chain was rewritten from here`;
    case 'misordered':
      return `seq ${broken.seq}: it links event id ${broken.eventId}, not after id ${broken.previousEventId} linked before it: links were rewritten or moved`;
    case 'inserted':
      return `event id ${broken.eventId} (dated ${broken.occurredAt.toISOString()}) is not chained although the chain has passed its id: it was inserted out of order`;
    case 'checkpoint-differs':
      return `seq ${broken.seq}: the checkpoint says hash ${broken.expected}, the chain now has ${broken.found}: the chain was rewritten since the checkpoint`;
    case 'checkpoint-missing':
      return `the chain ends at seq ${broken.endsAt}, before the checkpoint's seq ${broken.seq}: links were cut from its end`;
  }
}

function headWords(report: ChainReport, checkpoint: Checkpoint | undefined): string {
  if (!report.head) return 'audit chain intact: nothing is chained yet';
  const { seq, hash, chainedAt } = report.head;
  const held = checkpoint ? `; it holds the checkpoint at seq ${checkpoint.seq}` : '';
  return `audit chain intact: ${report.checked} links, seq 1 to ${seq}, head hash ${hash} (chained ${chainedAt.toISOString()})${held}`;
}

/** `jitbot audit verify`: the exit code; 1 when the chain is broken or events wait too long to be chained. */
export async function runAuditVerifyCommand(
  args: readonly string[],
  db: Queryable,
  write: (line: string) => void,
): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    write(`jitbot audit verify: ${parsed}\n\nUsage:\n${AUDIT_VERIFY_USAGE}`);
    return 2;
  }
  const report = await verifyAuditChain(db, parsed);
  if (report.broken) {
    const sound = report.head ? `Links up to seq ${report.head.seq} are sound` : 'No link before it is sound';
    write(`audit chain broken: ${breakWords(report.broken)}. ${sound}.`);
    write(AFTERWARDS);
  } else {
    write(headWords(report, parsed.checkpoint));
  }
  const { count, oldest } = report.waiting;
  if (count > 0 && oldest) {
    const [events, they] =
      count === 1 ? ['1 audit event has', 'it is'] : [`${count} audit events have`, 'they are'];
    write(
      `${events} waited more than a minute to be chained (the oldest: id ${oldest.id}, ` +
        `written ${oldest.occurredAt.toISOString()}): ${they} not protected yet. A running jitbot chains new ` +
        'events within seconds: start one (or look in its log for why it cannot), then verify again.',
    );
  }
  return report.broken || count > 0 ? 1 : 0;
}
