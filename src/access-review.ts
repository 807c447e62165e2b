/**
 * The access review: one line per grant, in the words an auditor reads (SOC 2 CC6.2/CC6.3, ISO
 * 27001 A.5.18): who had what, on whose approval, why, from when to when, and how it ended.
 * Pure: the facts come from db/access-report-repository.ts.
 */
import type { GrantReviewFacts, ReviewApproval, ReviewEvent } from './db/access-report-repository.js';
import { formatInstant } from './domain/duration.js';
import { REMOVED_OUTSIDE_JITBOT } from './domain/grant.js';
import { SERVICE_ACTOR } from './ports/audit-log.js';

export const REVIEW_COLUMNS = [
  'grant',
  'request',
  'requester',
  'requester_name',
  'principal',
  'principal_label',
  'target',
  'account',
  'resource',
  'justification',
  'ticket',
  'approval',
  'extensions',
  'breakglass_review',
  'granted_at',
  'expires_at',
  'ended_at',
  'ended',
  'ended_by',
  'pre_existing',
  'aws_request_ids',
  'okta_request_ids',
] as const;

export type ReviewColumn = (typeof REVIEW_COLUMNS)[number];
export type ReviewLine = { readonly [column in ReviewColumn]: string };

/** The columns holding text a requester typed: a spreadsheet must not read them as formulas. */
export const TYPED_COLUMNS: ReadonlySet<ReviewColumn> = new Set(['justification', 'ticket']);

export type EndingKind =
  | 'being applied'
  | 'still active'
  | 'being revoked'
  | 'failed'
  | 'expired'
  | 'revoked'
  | 'backstop'
  | 'closed by hand'
  | 'removed outside jitbot'
  | 'removed as drift';

export interface Ending {
  readonly kind: EndingKind;
  readonly at: Date | null;
  readonly by: string | null;
}

const STILL_OPEN = {
  pending: 'being applied',
  active: 'still active',
  revoking: 'being revoked',
} as const;

const at = (date: Date | null): string => (date ? formatInstant(date) : '');

/**
 * The backstop took the access away when jitbot's revocation found the membership already gone,
 * and the schedule gone too (it deletes itself when it fires) or its time passed. An admin who
 * removed both by hand in the console leaves the same traces: the column says what they show.
 */
function endedByBackstop(grant: GrantReviewFacts): boolean {
  const revoked = grant.events.find((event) => event.action === 'grant.revoked');
  if (revoked?.details.removal !== 'already-gone' || grant.backstopAt === null) return false;
  const scheduleGone = grant.events.some(
    (event) =>
      event.action === 'aws.scheduler.DeleteSchedule' &&
      event.outcome === 'error' &&
      event.details.errorCode === 'ResourceNotFoundException',
  );
  return scheduleGone || (grant.revokedAt !== null && grant.backstopAt <= grant.revokedAt);
}

/**
 * How a grant ended, from the grant row and its audit events. The order matters: access drift
 * removed after the grant ended (a stuck expiry) ended later than the row says; a revocation an
 * admin closed by hand is recorded as jitbot's in the row, and only its event says otherwise.
 */
export function endingOf(grant: GrantReviewFacts): Ending {
  if (grant.status !== 'revoked' && grant.status !== 'failed')
    return { kind: STILL_OPEN[grant.status], at: null, by: null };
  if (grant.status === 'failed') return { kind: 'failed', at: grant.updatedAt, by: SERVICE_ACTOR };
  const events = grant.events;
  const drift = events.find((e) => e.action === 'drift.fixed' && e.details.kind === 'stuck-expiry');
  if (drift) return { kind: 'removed as drift', at: drift.at, by: drift.actor };
  const closed = events.find((e) => e.action === 'grant.closed-by-hand');
  if (closed) return { kind: 'closed by hand', at: grant.revokedAt, by: closed.actor };
  if (grant.revokeReason === REMOVED_OUTSIDE_JITBOT)
    return { kind: 'removed outside jitbot', at: grant.revokedAt, by: grant.revokedBy };
  if (grant.revokedBy !== null && grant.revokedBy !== SERVICE_ACTOR)
    return { kind: 'revoked', at: grant.revokedAt, by: grant.revokedBy };
  if (endedByBackstop(grant)) return { kind: 'backstop', at: grant.revokedAt, by: 'backstop schedule' };
  return { kind: 'expired', at: grant.revokedAt, by: SERVICE_ACTOR };
}

const approvalWords = (list: readonly ReviewApproval[]) =>
  list.map((approval) => `${approval.approver} at ${at(approval.at)}`).join(', ');

function approvalOf(grant: GrantReviewFacts): string {
  if (grant.approvedVia === 'auto' || grant.approvedVia === 'breakglass')
    return `${grant.approvedVia} at ${at(grant.decidedAt)}`;
  if (grant.approvals.length > 0) return approvalWords(grant.approvals);
  return grant.decidedBy ? `${grant.decidedBy} at ${at(grant.decidedAt)}` : '';
}

function breakglassReview(grant: GrantReviewFacts): string {
  if (!grant.breakglass) return '';
  return grant.reviewedBy ? `${grant.reviewedBy} at ${at(grant.reviewedAt)}` : 'not reviewed';
}

/** `iam.AddUserToGroup=<id>` per call with a request id, in call order; `;`-separated. */
function requestIds(events: readonly ReviewEvent[], provider: 'aws' | 'okta'): string {
  return events
    .filter((event) => event.action.startsWith(`${provider}.`))
    .flatMap((event) => {
      const id = event.details.providerRequestId;
      return typeof id === 'string' && id ? [`${event.action.slice(provider.length + 1)}=${id}`] : [];
    })
    .join('; ');
}

/** The AWS account ids or Okta orgs the grant's calls went to, in order of first call. */
function accountsOf(events: readonly ReviewEvent[]): string {
  const accounts = events.map((event) => event.details.account).filter((a) => typeof a === 'string' && a);
  return [...new Set(accounts)].join(' ');
}

/**
 * When the access was to end as approved: the last extension's end, else the expiry it was
 * granted with. The grant row's own expiry moves to the moment of an early end ("Revoke now"),
 * which would hide what the approvers agreed to.
 */
function approvedExpiry(grant: GrantReviewFacts): Date {
  let expiry = grant.expiresAt;
  for (const event of grant.events) {
    const at =
      event.action === 'grant.extended'
        ? event.details.to
        : event.action === 'grant.created' || event.action === 'grant.activated'
          ? event.details.expiresAt
          : undefined;
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at))) expiry = new Date(at);
  }
  return expiry;
}

const yesNo = (value: boolean | null) => (value === null ? '' : value ? 'yes' : 'no');

export function reviewLine(grant: GrantReviewFacts): ReviewLine {
  const ending = endingOf(grant);
  return {
    grant: grant.id,
    request: grant.requestId,
    requester: grant.requesterId,
    requester_name: grant.requesterName ?? '',
    principal: grant.principal,
    principal_label: grant.principalLabel ?? '',
    target: grant.targetId,
    account: accountsOf(grant.events),
    resource: grant.resource,
    justification: grant.justification,
    ticket: grant.ticket ?? '',
    approval: approvalOf(grant),
    extensions: grant.extensions.map((x) => `${x.requestId}: ${approvalWords(x.approvals)}`).join('; '),
    breakglass_review: breakglassReview(grant),
    granted_at: at(grant.grantedAt),
    expires_at: at(approvedExpiry(grant)),
    ended_at: at(ending.at),
    ended: ending.kind,
    ended_by: ending.by ?? '',
    pre_existing: yesNo(grant.preExisting),
    aws_request_ids: requestIds(grant.events, 'aws'),
    okta_request_ids: requestIds(grant.events, 'okta'),
  };
}
