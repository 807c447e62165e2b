/**
 * The admin channel's drift message: what a run found (or fixed), each finding with where it
 * stands now, and a Remove button on standing access that is still there. Updated in place.
 */
import type { KnownBlock, SectionBlock } from '@slack/types';
import type { FindingKind } from '../../domain/drift.js';
import { ACTIONS } from '../ids.js';
import { escapeMrkdwn } from '../mrkdwn.js';
import { button, context, header, message, section } from './elements.js';
import { SLACK_LIMITS } from './limits.js';
import type { SlackMessage } from './types.js';

export interface DriftAlertLine {
  readonly key: string;
  readonly kind: FindingKind | string;
  readonly words: string;
  /** Null while the finding is open; otherwise how it ended ("fixed by U…", "no longer seen"). */
  readonly resolution: string | null;
}

/** Header, intro and the closing line take these; the rest is one block per finding. */
const FIXED_BLOCKS = 4;

const TITLES: Partial<Record<string, string>> = {
  'standing-access': 'Standing access',
  'lost-grant': 'Grant lost outside jitbot',
  'stuck-expiry': 'Access outlived its grant',
  'orphan-schedule': 'Schedule left behind',
  'orphan-policy': 'Generated policy left behind',
  'unknown-schedule': 'Schedule of an unknown grant',
  'unknown-policy': 'Generated policy of an unknown grant',
};

function findingBlock(line: DriftAlertLine): SectionBlock {
  const title = TITLES[line.kind] ?? line.kind;
  const state =
    line.resolution === null ? ':warning: open' : `:white_check_mark: ${escapeMrkdwn(line.resolution)}`;
  const block: SectionBlock = section(`*${title}* · ${state}\n${escapeMrkdwn(line.words)}`);
  if (line.kind !== 'standing-access' || line.resolution !== null) return block;
  return {
    ...block,
    accessory: {
      ...button({ text: 'Remove', actionId: ACTIONS.driftRemove, value: line.key, style: 'danger' }),
      confirm: {
        title: { type: 'plain_text', text: 'Remove this access?' },
        text: {
          type: 'plain_text',
          text: 'jitbot did not grant it. Removing it is recorded in the audit log with your name.',
        },
        confirm: { type: 'plain_text', text: 'Remove' },
        deny: { type: 'plain_text', text: 'Keep' },
      },
    },
  };
}

export function driftAlertMessage(lines: readonly DriftAlertLine[]): SlackMessage {
  const open = lines.filter((line) => line.resolution === null).length;
  const room = SLACK_LIMITS.blocksPerMessage - FIXED_BLOCKS;
  const shown = lines.slice(0, room);
  const blocks: KnownBlock[] = [
    header(":mag: Drift: what AWS, Okta or Identity Center hold differs from jitbot's grants"),
    context(
      `${lines.length} finding${lines.length === 1 ? '' : 's'}, ${open} open. Only jitbot admins can Remove.`,
    ),
    ...shown.map(findingBlock),
  ];
  if (lines.length > shown.length)
    blocks.push(
      context(`…and ${lines.length - shown.length} more: run \`jitbot reconcile\` for all of them.`),
    );
  const text = `Drift: ${lines.length} finding${lines.length === 1 ? '' : 's'}, ${open} open`;
  return message(text, blocks);
}
