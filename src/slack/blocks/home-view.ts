/**
 * A person's App Home: their access, their requests, what waits for their decision, and for
 * jitbot admins everything that needs a person. The buttons are the same as on the messages
 * (same action ids, same rules behind them). Lists are capped so the view stays under Slack's
 * 100 blocks, and each says how many more there are.
 */
import type { Button, KnownBlock } from '@slack/types';
import type { AttentionCounts, HomeGrantRow, StuckRevocationRow } from '../../db/home-repository.js';
import { formatDuration } from '../../domain/duration.js';
import type { AdminHome } from '../../workflow/read-home.js';
import { ACTIONS, slashCommand } from '../ids.js';
import { escapeMrkdwn, formatTime, mention, quote } from '../mrkdwn.js';
import { approvalBody } from './approval-message.js';
import { actions, button, context, header, section } from './elements.js';
import { extendButton, revokeButton } from './grant-messages.js';
import { SLACK_LIMITS } from './limits.js';
import {
  approvalProgress,
  outcomeLine,
  plural,
  requestContextLine,
  requestIdCode,
  targetLabel,
} from './request-parts.js';
import type { RequestView, TargetSummary } from './types.js';

/** What the view builder needs: the facts as views, and targets by id. */
export interface HomeInput {
  readonly live: readonly HomeGrantRow[];
  readonly pending: readonly RequestView[];
  readonly ended: readonly RequestView[];
  readonly waiting: readonly RequestView[];
  readonly waitingTotal: number;
  /** Whether this person approves any target: they see the Waiting section even when it is empty. */
  readonly approver: boolean;
  readonly admin?: Omit<AdminHome, 'unreviewed'> & { readonly unreviewed: readonly RequestView[] };
  readonly target: (targetId: string) => TargetSummary | undefined;
  /** `settings.approvalTimeoutSeconds`, for the expired line. */
  readonly approvalTimeoutSeconds?: number;
}

export interface HomeView {
  readonly type: 'home';
  readonly blocks: KnownBlock[];
}

/** How many of each list are drawn in full; the rest are counted. */
const SHOWN = { live: 8, pending: 5, waiting: 4, stuck: 5, breakglass: 4, adminLive: 25 } as const;

const divider: KnownBlock = { type: 'divider' };

function more(shown: number, total: number, where: string): KnownBlock[] {
  return total > shown ? [context(`…and ${total - shown} more. ${where}`)] : [];
}

function targetName(input: HomeInput, targetId: string): string {
  const target = input.target(targetId);
  return target ? targetLabel(target) : `*${escapeMrkdwn(targetId)}* (no longer in the catalog)`;
}

function grantStatus(grant: HomeGrantRow): string {
  switch (grant.status) {
    case 'pending':
      return ':gear: being set up';
    case 'revoking':
      return ':lock: being removed';
    case 'active':
      return grant.preExisting
        ? `:information_source: you had it before jitbot; left in place · grant ends ${formatTime(grant.expiresAt)}`
        : `:unlock: until *${formatTime(grant.expiresAt)}*`;
  }
}

function liveGrantBlocks(input: HomeInput, grant: HomeGrantRow): KnownBlock[] {
  const line = `${targetName(input, grant.targetId)} as ${escapeMrkdwn(grant.principal)}\n${grantStatus(grant)}`;
  const target = input.target(grant.targetId);
  const buttons: Button[] = [];
  if (grant.status === 'active') {
    if (target) buttons.push(extendButton(target, grant));
    if (!grant.preExisting) buttons.push(revokeButton(grant));
  }
  return buttons.length > 0 ? [section(line), actions(...buttons)] : [section(line)];
}

function ownAccess(input: HomeInput): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Your access')];
  if (input.live.length === 0) return [...blocks, context('You hold no access through jitbot right now.')];
  for (const grant of input.live.slice(0, SHOWN.live)) blocks.push(...liveGrantBlocks(input, grant));
  return [...blocks, ...more(SHOWN.live, input.live.length, `\`${slashCommand()} status\` lists them all.`)];
}

function pendingBlocks(view: RequestView): KnownBlock[] {
  const progress = approvalProgress(view);
  const line = `${targetLabel(view.target)} for *${formatDuration(view.request.durationSeconds)}*: waiting for approval${progress ? ` (${progress})` : ''}`;
  return [
    section(`${line}\n${requestContextLine(view)}`),
    actions(button({ text: 'Cancel', actionId: ACTIONS.cancel, value: view.request.id })),
  ];
}

function ownPending(input: HomeInput): KnownBlock[] {
  if (input.pending.length === 0) return [];
  const blocks: KnownBlock[] = [header('Your requests waiting for approval')];
  for (const view of input.pending.slice(0, SHOWN.pending)) blocks.push(...pendingBlocks(view));
  return [
    ...blocks,
    ...more(SHOWN.pending, input.pending.length, `\`${slashCommand()} status\` lists them all.`),
  ];
}

/** The approval DM's facts and buttons, then a line between requests. */
function waitingBlocks(view: RequestView): KnownBlock[] {
  return [...approvalBody(view), divider];
}

function waitingForYou(input: HomeInput): KnownBlock[] {
  if (!input.approver && input.waiting.length === 0) return [];
  const blocks: KnownBlock[] = [header('Waiting for you')];
  if (input.waiting.length === 0) return [...blocks, context('No request waits for your decision.')];
  for (const view of input.waiting.slice(0, SHOWN.waiting)) blocks.push(...waitingBlocks(view));
  const shown = Math.min(SHOWN.waiting, input.waiting.length);
  return [
    ...blocks,
    ...more(shown, input.waitingTotal, 'The oldest are shown first; decide these to see the rest.'),
  ];
}

function ownEnded(input: HomeInput): KnownBlock[] {
  if (input.ended.length === 0) return [];
  const options = input.approvalTimeoutSeconds
    ? { approvalTimeoutSeconds: input.approvalTimeoutSeconds }
    : {};
  const lines = input.ended.map((view) => {
    const outcome = (outcomeLine(view, options) ?? '').replace(/\n/g, ' · ');
    return `${targetLabel(view.target)} · ${requestIdCode(view.request.id)}\n${outcome}`;
  });
  return [header('Recently ended'), ...chunkedSections(lines)];
}

/** Lines gathered into as few sections as Slack's text limit allows. */
function chunkedSections(lines: readonly string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let chunk = '';
  for (const line of lines) {
    const next = chunk ? `${chunk}\n\n${line}` : line;
    if (next.length > SLACK_LIMITS.text && chunk) {
      blocks.push(section(chunk));
      chunk = line;
    } else chunk = next;
  }
  return chunk ? [...blocks, section(chunk)] : blocks;
}

function attentionLine(counts: AttentionCounts): string | undefined {
  const parts = [
    counts.driftFindings > 0
      ? `${plural(counts.driftFindings, 'drift finding')} open (\`jitbot reconcile\`)`
      : '',
    counts.failedJobs > 0 ? `${plural(counts.failedJobs, 'background job')} gave up (see the logs)` : '',
    counts.failedGrants > 0 ? `${plural(counts.failedGrants, 'grant')} failed in the last 7 days` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `:warning: Also: ${parts.join('; ')}.` : undefined;
}

function stuckLine(input: HomeInput, grant: StuckRevocationRow): string {
  const error = grant.lastError ? `\n${quote(escapeMrkdwn(grant.lastError))}` : '';
  return (
    `:rotating_light: ${targetName(input, grant.targetId)} for ${mention(grant.requesterId)} as ` +
    `${escapeMrkdwn(grant.principal)}: removal keeps failing (${plural(grant.attempts, 'attempt')}); ` +
    `the access is still in place.${error}`
  );
}

function breakglassBlocks(view: RequestView): KnownBlock[] {
  const line = `:rotating_light: ${mention(view.request.requesterId)} used breakglass for ${targetLabel(view.target)}`;
  return [
    section(`${line}\n${requestContextLine(view)}`),
    actions(button({ text: 'Reviewed', actionId: ACTIONS.breakglassReviewed, value: view.request.id })),
  ];
}

function adminSections(input: HomeInput): KnownBlock[] {
  const { admin } = input;
  if (!admin) return [];
  const blocks: KnownBlock[] = [divider, header('Admin: needs a person')];
  const attention = attentionLine(admin.counts);
  if (admin.stuck.length === 0 && admin.unreviewed.length === 0 && !attention)
    blocks.push(context('Nothing needs a person right now.'));
  for (const grant of admin.stuck.slice(0, SHOWN.stuck)) blocks.push(section(stuckLine(input, grant)));
  blocks.push(...more(SHOWN.stuck, admin.stuck.length, 'The admin channel has an alert for each.'));
  for (const view of admin.unreviewed.slice(0, SHOWN.breakglass)) blocks.push(...breakglassBlocks(view));
  blocks.push(...more(SHOWN.breakglass, admin.unreviewed.length, 'Review the oldest first.'));
  if (attention) blocks.push(context(attention));
  blocks.push(header(`Admin: all live access (${admin.liveTotal})`));
  if (admin.liveTotal === 0) return [...blocks, context('Nobody holds access through jitbot right now.')];
  const lines = admin.live
    .slice(0, SHOWN.adminLive)
    .map(
      (grant) =>
        `${targetName(input, grant.targetId)}: ${mention(grant.requesterId)} as ${escapeMrkdwn(grant.principal)} · ${grantStatus(grant)}`,
    );
  return [
    ...blocks,
    ...chunkedSections(lines),
    ...more(Math.min(SHOWN.adminLive, admin.live.length), admin.liveTotal, '`jitbot grants` lists them all.'),
  ];
}

/** Past Slack's cap the tail is replaced by a note; the caps above keep a Home well below it. */
function fitted(blocks: KnownBlock[]): KnownBlock[] {
  const max = SLACK_LIMITS.blocksPerView;
  if (blocks.length <= max) return blocks;
  return [...blocks.slice(0, max - 1), context('_(more not shown: too long for one Home)_')];
}

export function homeView(input: HomeInput): HomeView {
  const requestButton = button({
    text: 'Request access',
    actionId: ACTIONS.homeRequest,
    value: 'home',
    style: 'primary',
  });
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'Ask for temporary access; the approvers decide, and jitbot removes it on time.',
      },
      accessory: requestButton,
    },
    divider,
    ...ownAccess(input),
    ...ownPending(input),
    ...waitingForYou(input),
    ...ownEnded(input),
    ...adminSections(input),
  ];
  return { type: 'home', blocks: fitted(blocks) };
}
