/**
 * Pieces every message about a request shares (approvers, requester and admin channel see the
 * same words for the same facts). All user text is escaped here, once.
 */
import type { ContextBlock, SectionBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import { REMOVED_OUTSIDE_JITBOT } from '../../domain/grant.js';
import type { AccessRequest } from '../../domain/request.js';
import { escapeMrkdwn, formatTime, linkOrText, mention, mentionList, quote } from '../mrkdwn.js';
import { context, section } from './elements.js';
import type { GrantSummary, RequestView, TargetSummary } from './types.js';

/** `*Production admin* (Production (111111111111))`. */
export function targetLabel(target: TargetSummary): string {
  return `*${escapeMrkdwn(target.name)}* (${escapeMrkdwn(target.location)})`;
}

/**
 * `Grants IAM group jit-admin in Production (…)`: what exactly is granted, for whoever decides or
 * reviews, since a target's display name is only what the catalog calls it. Empty when unknown.
 */
export function accessBlocks(target: TargetSummary): ContextBlock[] {
  const lines = [
    ...(target.access ? [`Grants ${escapeMrkdwn(target.access)}`] : []),
    ...(target.sessions ? [escapeMrkdwn(target.sessions)] : []),
  ];
  return lines.length > 0 ? [context(lines.join('\n'))] : [];
}

/** `` `REQ-7K3M9QX2` ``: in code so it is easy to copy into `/request-aws-access cancel`. */
export function requestIdCode(requestId: string): string {
  return `\`${escapeMrkdwn(requestId)}\``;
}

/**
 * ` as IAM user alice in Production (…)`: whose account the access goes to, since the Slack
 * person asking and the account that receives it are matched by an email they may be able to
 * edit. Escaped: an Okta label carries that email. Empty before the principal is known.
 */
export function principalPhrase(request: AccessRequest, bold = false): string {
  if (!request.principalLabel) return '';
  const label = escapeMrkdwn(request.principalLabel);
  return ` as ${bold ? `*${label}*` : label}`;
}

/** `<@U1> asks for Production admin for 2h as IAM user alice in …`: a plain summary for notifications. */
export function askSummary({ request, target }: RequestView): string {
  return `${mention(request.requesterId)} asks for ${escapeMrkdwn(target.name)} for ${formatDuration(request.durationSeconds)}${principalPhrase(request)}`;
}

/** `<@U1> asks for *Production admin* (Production (…)) for *2h* as *IAM user alice in …*`. */
export function askLine({ request, target }: RequestView): string {
  return `${mention(request.requesterId)} asks for ${targetLabel(target)} for *${formatDuration(request.durationSeconds)}*${principalPhrase(request, true)}`;
}

function justificationSection(justification: string): SectionBlock {
  return section(`*Justification*\n${quote(escapeMrkdwn(justification))}`);
}

function ticketSection(ticket: string): SectionBlock {
  return section(`*Ticket:* ${linkOrText(ticket)}`);
}

/** The justification, and the ticket when there is one. */
export function reasonSections({ request }: RequestView): SectionBlock[] {
  const blocks = [justificationSection(request.justification)];
  if (request.ticket) blocks.push(ticketSection(request.ticket));
  return blocks;
}

/** `Request `REQ-…` · asked <date>`. */
export function requestContextLine({ request }: RequestView): string {
  return `Request ${requestIdCode(request.id)} · asked ${formatTime(request.createdAt)}`;
}

/** `1 approval`, `2 approvals`: every noun jitbot counts takes a plain `s`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `1 of 2 approvals: <@U1>`; undefined when one approval decides. */
export function approvalProgress({ request, approvedBy }: RequestView): string | undefined {
  if (request.approvalsRequired <= 1) return undefined;
  const progress = `${approvedBy.length} of ${request.approvalsRequired} approvals`;
  return approvedBy.length > 0 ? `${progress}: ${mentionList(approvedBy)}` : progress;
}

export interface OutcomeOptions {
  /** `Settings.approvalTimeoutSeconds`, for the expired line. */
  readonly approvalTimeoutSeconds?: number;
}

function approvedLine({ request, approvedBy }: RequestView): string {
  if (approvedBy.length > 0) return `:white_check_mark: Approved by ${mentionList(approvedBy)}`;
  if (request.breakglass) return ':white_check_mark: Granted at once (breakglass)';
  return ':white_check_mark: Approved automatically';
}

/** Who ended the access, in words: `expired`, `ended early by <@U1>`. */
export function endedBy(grant: GrantSummary): string {
  if (grant.revokeReason === REMOVED_OUTSIDE_JITBOT) return REMOVED_OUTSIDE_JITBOT;
  if (!grant.revokedBy || grant.revokedBy === 'jitbot') return 'expired';
  return `ended early by ${mention(grant.revokedBy)}`;
}

/** Where the access stands, under the approval line; undefined before the grant exists. */
function grantLine(grant: GrantSummary | undefined): string | undefined {
  if (!grant) return undefined;
  switch (grant.status) {
    case 'pending':
      return ':gear: Access is being set up';
    case 'active':
      return grant.preExisting
        ? `:information_source: Already had this access outside jitbot: left in place (grant ends ${formatTime(grant.expiresAt)})`
        : `:unlock: Access active until ${formatTime(grant.expiresAt)}`;
    case 'revoking':
      return ':lock: Access is being removed';
    case 'revoked':
      return `:lock: Access ended ${formatTime(grant.revokedAt ?? grant.expiresAt)} (${endedBy(grant)})`;
    case 'failed':
      return undefined;
  }
}

/** `: <escaped reason>`, or nothing when there is no reason. */
function reasonSuffix(reason: string | null): string {
  return reason ? `: ${escapeMrkdwn(reason)}` : '';
}

/** What happened to a decided request, in one line; undefined while it is pending. */
export function outcomeLine(view: RequestView, options: OutcomeOptions = {}): string | undefined {
  const { request } = view;
  switch (request.status) {
    case 'pending':
      return undefined;
    case 'approved': {
      const access = grantLine(view.grant);
      return access ? `${approvedLine(view)}\n${access}` : approvedLine(view);
    }
    case 'denied': {
      const by = request.decidedBy ? ` by ${mention(request.decidedBy)}` : '';
      return `:no_entry: Denied${by}${reasonSuffix(request.decisionReason)}`;
    }
    case 'cancelled':
      return ':heavy_minus_sign: Cancelled by the requester';
    case 'expired': {
      const timeout = options.approvalTimeoutSeconds;
      const within = timeout ? `within ${formatDuration(timeout)}` : 'in time';
      return `:hourglass: Expired: nobody decided ${within}`;
    }
    case 'failed':
      return request.approvedVia
        ? `:warning: Approved, but the grant failed${reasonSuffix(request.decisionReason)}`
        : `:warning: Could not be sent for approval${reasonSuffix(request.decisionReason)}`;
  }
}

/** One word for the notification text of a decided request. */
export const STATUS_WORDS = {
  pending: 'waiting for approval',
  approved: 'approved',
  denied: 'denied',
  cancelled: 'cancelled',
  expired: 'expired',
  failed: 'approved, but the grant failed',
} as const;
