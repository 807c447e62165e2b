/**
 * A generated policy as approvers read it: what it allows in a line, what can change things in
 * bold, and the exact document that will be created (its expiry filled in at approval). A
 * document too long for the message opens in a modal from "View policy".
 */
import type { KnownBlock, ModalView } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { RequestedPermissions } from '../../domain/request.js';
import { policyDocument, readablePolicyJson } from '../../policy/policy-document.js';
import { summaryWords } from '../../policy/policy-summary.js';
import { ACTIONS } from '../ids.js';
import { escapeMrkdwn } from '../mrkdwn.js';
import { actions, button, context, plainText, section } from './elements.js';
import { SLACK_LIMITS } from './limits.js';

/** Longer than this, the document goes behind "View policy": a message stays readable at a glance. */
const INLINE_POLICY_MAX = 1500;
const FENCE = '```';

/** What approvers see where the expiry goes: it is fixed only when the access is granted. */
export function expiryPlaceholder(durationSeconds: number): string {
  return `<${formatDuration(durationSeconds)} after approval, UTC>`;
}

/** Where the summary says "hard expiry …": the time is fixed only at approval. */
function expiryAfterApproval(durationSeconds: number): string {
  return `${formatDuration(durationSeconds)} after approval`;
}

/** The document as it will be created, with the expiry shown as the placeholder. */
export function policyJsonFor(permissions: RequestedPermissions, durationSeconds: number): string {
  return readablePolicyJson(policyDocument(permissions.statements, expiryPlaceholder(durationSeconds)));
}

function flaggedLine(permissions: RequestedPermissions): string | undefined {
  const { flagged } = permissions.summary;
  if (flagged.length === 0) return undefined;
  const names = flagged.map(({ action, level }) => `*${escapeMrkdwn(action)}* (${escapeMrkdwn(level)})`);
  return `:warning: Can change things: ${names.join(', ')}`;
}

/** Code blocks of at most one section each: a section's text is cut at Slack's limit otherwise. */
function codeSections(json: string): KnownBlock[] {
  const room = SLACK_LIMITS.text - 2 * FENCE.length - 2;
  const lines = json.split('\n');
  const chunks: string[] = [];
  let chunk = '';
  for (const line of lines) {
    if (chunk.length + line.length + 1 > room && chunk !== '') {
      chunks.push(chunk);
      chunk = '';
    }
    chunk = chunk === '' ? line : `${chunk}\n${line}`;
  }
  if (chunk !== '') chunks.push(chunk);
  return chunks.map((text) => section(`${FENCE}\n${escapeMrkdwn(text)}\n${FENCE}`));
}

/** The approval message's part about the policy: summary, flags, and the document or its button. */
export function policyBlocks(
  requestId: string,
  permissions: RequestedPermissions,
  durationSeconds: number,
): KnownBlock[] {
  const blocks: KnownBlock[] = [
    section(
      `*Generated policy:* ${escapeMrkdwn(summaryWords(permissions.summary, expiryAfterApproval(durationSeconds)))}`,
    ),
  ];
  const flagged = flaggedLine(permissions);
  if (flagged) blocks.push(context(flagged));
  const json = policyJsonFor(permissions, durationSeconds);
  if (json.length <= INLINE_POLICY_MAX) return [...blocks, ...codeSections(json)];
  return [
    ...blocks,
    actions(button({ text: 'View policy', actionId: ACTIONS.viewPolicy, value: requestId })),
  ];
}

/** "View policy": the whole document, exactly as it will be created but for the expiry. */
export function policyModal(input: {
  readonly targetName: string;
  readonly requestId: string;
  readonly permissions: RequestedPermissions;
  readonly durationSeconds: number;
}): ModalView {
  const json = policyJsonFor(input.permissions, input.durationSeconds);
  const intro = `Request \`${input.requestId}\` for ${escapeMrkdwn(input.targetName)}: the policy jitbot will create on approval.`;
  const blocks = [context(intro), ...codeSections(json)].slice(0, SLACK_LIMITS.blocksPerView);
  return {
    type: 'modal',
    title: plainText('Generated policy', SLACK_LIMITS.modalTitle),
    close: plainText('Close', SLACK_LIMITS.modalTitle),
    blocks,
  };
}
