import type { Queryable } from '../db/pool.js';
import { listMessages } from '../db/slack-messages-repository.js';
import type { Catalog } from '../domain/catalog.js';
import { findTarget } from '../domain/catalog.js';
import type { RequestFactsStores } from '../workflow/request-facts.js';
import { approvalMessage, approvalReminder } from './blocks/approval-message.js';
import { breakglassNotice } from './blocks/breakglass-notice.js';
import { decisionNotice, requestReceipt } from './blocks/requester-messages.js';
import type { RequestView } from './blocks/types.js';
import { type MessageSender, slotOf } from './message-delivery.js';
import { sendToEach } from './rate-limits.js';
import { loadRequestView, type TargetSummaries } from './request-views.js';
import type { UserGroupDirectory } from './user-groups.js';

export interface NotifierDeps {
  readonly db: Queryable;
  /** Where what a message shows about a request is read. */
  readonly stores: RequestFactsStores;
  readonly catalog: Catalog;
  readonly targets: TargetSummaries;
  readonly sender: MessageSender;
  readonly directory: UserGroupDirectory;
}

/** Everyone who gets the approval message by DM: listed users and group members, once each. */
async function approverRecipients(deps: NotifierDeps, view: RequestView): Promise<string[]> {
  const target = findTarget(deps.catalog, view.request.targetId);
  if (!target) return [];
  const people = new Set(target.approvers.users);
  for (const group of target.approvers.userGroups) {
    for (const member of await deps.directory.members(group)) people.add(member);
  }
  // The requester sees their own receipt instead, unless they may approve themself.
  if (!target.selfApproval) people.delete(view.request.requesterId);
  return [...people];
}

/** The messages about a request: approval requests, the requester's receipt, reminders, breakglass. */
export function createRequestNotifier(deps: NotifierDeps) {
  const timeout = { approvalTimeoutSeconds: deps.catalog.settings.approvalTimeoutSeconds };

  async function load(requestId: string): Promise<RequestView> {
    const view = await loadRequestView(deps.stores, deps.targets, requestId);
    if (!view) throw new Error(`request ${requestId} not found`);
    return view;
  }

  async function requestSubmitted(requestId: string): Promise<void> {
    const view = await load(requestId);
    const { request } = view;
    const approval = approvalMessage(view, timeout);
    const channel = findTarget(deps.catalog, request.targetId)?.approvalChannel;
    const recipients = [...(await approverRecipients(deps, view)), ...(channel ? [channel] : [])];
    const receipt = requestReceipt(view, timeout);
    await sendToEach(
      [
        ...recipients.map((recipient) => ({ purpose: 'approval' as const, recipient, message: approval })),
        { purpose: 'requester' as const, recipient: request.requesterId, message: receipt },
      ],
      (message) => deps.sender.post({ requestId: request.id, ...message }),
    );
    // Decided while these were being posted: the ones posted after the decision still show
    // buttons, so bring every message up to date.
    if ((await loadRequestView(deps.stores, deps.targets, request.id))?.request.status !== request.status) {
      await requestChanged(request.id);
    }
  }

  async function requestChanged(requestId: string): Promise<void> {
    const view = await load(requestId);
    const posted = await listMessages(deps.db, view.request.id, [
      'approval',
      'requester',
      'admin',
      'decision',
    ]);
    await sendToEach(
      posted.filter((message) => message.purpose !== 'decision'),
      (posted) =>
        deps.sender.update(
          posted,
          posted.purpose === 'approval'
            ? approvalMessage(view, timeout)
            : posted.purpose === 'requester'
              ? requestReceipt(view, timeout)
              : breakglassNotice(view, view.request.reviewedBy ?? undefined),
        ),
    );
    const { status, requesterId, id } = view.request;
    // Each later change (granted, revoked) would otherwise ask for the notice's slot again, to be told no.
    const told = posted.some(
      (message) => message.purpose === 'decision' && message.recipient === slotOf(requesterId, status),
    );
    if (status !== 'pending' && !told) {
      // One notice per outcome: an approved request whose grant then fails is told again.
      await deps.sender.post({
        requestId: id,
        purpose: 'decision',
        recipient: requesterId,
        slot: status,
        message: decisionNotice(view, status),
      });
    }
  }

  /** A reminder in the thread of each approval DM whose approver has not approved yet. */
  async function remindApprovers(requestId: string): Promise<void> {
    const view = await load(requestId);
    if (view.request.status !== 'pending') return;
    const approved = new Set(view.approvedBy);
    // People only: a channel is not nagged, and whoever approved already has nothing to do.
    const waiting = (await listMessages(deps.db, view.request.id, ['approval'])).filter(
      (posted) => /^[UW]/.test(posted.recipient) && !approved.has(posted.recipient),
    );
    await sendToEach(waiting, (posted) =>
      deps.sender.post({
        requestId: view.request.id,
        purpose: 'reminder',
        recipient: posted.recipient,
        thread: { channel: posted.channel, ts: posted.ts },
        message: approvalReminder(view),
      }),
    );
  }

  async function announceBreakglass(requestId: string): Promise<void> {
    const view = await load(requestId);
    const channel = deps.catalog.settings.adminChannel;
    await deps.sender.post({
      requestId: view.request.id,
      purpose: 'admin',
      recipient: channel,
      message: breakglassNotice(view),
    });
  }

  return { requestSubmitted, requestChanged, remindApprovers, announceBreakglass };
}
