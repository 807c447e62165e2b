import { type DecisionRefusal, type GroupMembers, mayDecide } from '../domain/approval-rules.js';
import { findTarget, type Target } from '../domain/catalog.js';
import type { DecisionKind, StoredRequest } from '../domain/request.js';
import { requestStep } from '../domain/request-state.js';
import type { RequestStoreSet, RequestStores } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';
import { DUE_WORK } from './due-work.js';
import { enqueueInto, JOB_KINDS } from './job-kinds.js';
import { enqueueGrant } from './notices.js';

export interface DecideCommand {
  readonly requestId: string;
  readonly actorId: string;
  readonly decision: DecisionKind;
  /** Required to deny: the requester is told why. */
  readonly reason?: string;
}

export type DecideOutcome =
  | { readonly type: 'approved'; readonly request: StoredRequest }
  | { readonly type: 'denied'; readonly request: StoredRequest }
  | { readonly type: 'approval-recorded'; readonly request: StoredRequest; readonly approvals: number }
  | { readonly type: 'already-decided'; readonly request: StoredRequest }
  | { readonly type: 'refused'; readonly reason: DecisionRefusal; readonly request: StoredRequest }
  | { readonly type: 'not-found' }
  | { readonly type: 'target-gone'; readonly request: StoredRequest };

interface DecideDeps extends Pick<RequestWorkflowDeps, 'catalog' | 'members' | 'onWork'> {
  readonly stores: Pick<RequestStores, 'requests' | 'transaction'>;
}

/** The decision transaction's stores. */
type DecideStores = Pick<RequestStoreSet, 'requests' | 'approvals' | 'audit' | 'outbox'>;

async function refuse(
  tx: DecideStores,
  command: DecideCommand,
  request: StoredRequest,
  reason: DecisionRefusal,
) {
  await tx.audit.append({
    actor: command.actorId,
    action: `request.${command.decision}`,
    outcome: 'refused',
    requestId: request.id,
    targetId: request.targetId,
    details: { reason },
  });
  return { type: 'refused', reason, request } as const;
}

async function deny(
  tx: DecideStores,
  command: DecideCommand,
  request: StoredRequest,
): Promise<DecideOutcome> {
  const step = requestStep(request.status, { type: 'deny' });
  const denied =
    step &&
    (await tx.requests.changeStatus({
      id: request.id,
      ...step,
      actor: command.actorId,
      reason: command.reason ?? null,
    }));
  if (!denied) return { type: 'already-decided', request };
  await tx.audit.append({
    actor: command.actorId,
    action: 'request.denied',
    outcome: 'ok',
    requestId: request.id,
    targetId: request.targetId,
    details: { reason: command.reason ?? null },
  });
  return { type: 'denied', request: denied };
}

async function approve(
  tx: DecideStores,
  command: DecideCommand,
  request: StoredRequest,
): Promise<DecideOutcome> {
  const approvals = (await tx.approvals.list(request.id)).filter(
    (approval) => approval.decision === 'approve',
  );
  const step = requestStep(request.status, {
    type: 'approve',
    approvals: approvals.length,
    required: request.approvalsRequired,
  });
  const event = {
    actor: command.actorId,
    outcome: 'ok',
    requestId: request.id,
    targetId: request.targetId,
  } as const;
  // Short of the approvals required, the request stays where it is: this vote is recorded only.
  if (!step || step.to === step.from) {
    await tx.audit.append({
      ...event,
      action: 'request.approval-recorded',
      details: { approvals: approvals.length },
    });
    return { type: 'approval-recorded', request, approvals: approvals.length };
  }
  const approved = await tx.requests.changeStatus({
    id: request.id,
    ...step,
    actor: command.actorId,
    approvedVia: 'approvers',
  });
  if (!approved) return { type: 'already-decided', request };
  await tx.audit.append({
    ...event,
    action: 'request.approved',
    details: { approvers: approvals.map((a) => a.approverId) },
  });
  await enqueueGrant(tx.outbox, request.id);
  return { type: 'approved', request: approved };
}

/**
 * The target's approver groups, read from Slack (or the directory's cache) before the transaction,
 * and the decision is judged on that read: no Slack call waits while the request's row is locked.
 * Settled, not all: a group Slack cannot read now matters only if the decision needs it, and then
 * it fails in the same words the directory gave; a listed approver is not held up.
 */
async function readMemberships(
  deps: Pick<RequestWorkflowDeps, 'members'>,
  target: Target,
): Promise<GroupMembers> {
  const groups = target.approvers.userGroups;
  const read = await Promise.allSettled(groups.map((group) => deps.members(group)));
  const byGroup = new Map(groups.map((group, index) => [group, read[index]]));
  return async (group) => {
    const settled = byGroup.get(group);
    if (settled === undefined) return deps.members(group);
    if (settled.status === 'rejected') throw settled.reason;
    return settled.value;
  };
}

/**
 * Records one approver's decision. Decisions on a request queue on its row lock, and the status
 * changes only with a guarded UPDATE, so double clicks, retries, racing approvers and replicas
 * all end in exactly one outcome.
 */
export async function decideRequest(deps: DecideDeps, command: DecideCommand): Promise<DecideOutcome> {
  const snapshot = await deps.stores.requests.find(command.requestId);
  if (!snapshot) return { type: 'not-found' };
  const target = findTarget(deps.catalog, snapshot.targetId);
  if (!target) return { type: 'target-gone', request: snapshot };
  const members = await readMemberships(deps, target);

  const outcome = await deps.stores.transaction(async (tx): Promise<DecideOutcome> => {
    const request = await tx.requests.lock(command.requestId);
    if (!request) return { type: 'not-found' };
    if (request.status !== 'pending') return { type: 'already-decided', request };
    const votedBy = (await tx.approvals.list(request.id)).map((approval) => approval.approverId);
    const context = { actorId: command.actorId, requesterId: request.requesterId, votedBy, ...target };
    const verdict = await mayDecide(context, members);
    if (verdict !== 'allowed') return refuse(tx, command, request, verdict);
    await tx.approvals.record(request.id, command.actorId, command.decision, command.reason ?? null);
    const result =
      command.decision === 'deny' ? await deny(tx, command, request) : await approve(tx, command, request);
    await enqueueInto(tx.outbox, { kind: JOB_KINDS.requestChanged, payload: { requestId: request.id } });
    return result;
  });
  deps.onWork?.(DUE_WORK.jobs);
  return outcome;
}
