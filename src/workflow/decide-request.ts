import { listApprovals, recordApproval } from '../db/approvals-repository.js';
import { appendAudit } from '../db/audit-repository.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { changeStatus, findRequest, lockRequest } from '../db/requests-repository.js';
import { type DecisionRefusal, mayDecide } from '../domain/approval-rules.js';
import { findTarget, type Target } from '../domain/catalog.js';
import type { DecisionKind, StoredRequest } from '../domain/request.js';
import { requestStep } from '../domain/request-state.js';
import type { RequestWorkflowDeps } from './deps.js';
import { enqueueJob, JOB_KINDS } from './job-kinds.js';
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

async function refuse(
  db: Queryable,
  command: DecideCommand,
  request: StoredRequest,
  reason: DecisionRefusal,
) {
  await appendAudit(db, {
    actor: command.actorId,
    action: `request.${command.decision}`,
    outcome: 'refused',
    requestId: request.id,
    targetId: request.targetId,
    details: { reason },
  });
  return { type: 'refused', reason, request } as const;
}

async function deny(db: Queryable, command: DecideCommand, request: StoredRequest): Promise<DecideOutcome> {
  const step = requestStep(request.status, { type: 'deny' });
  const denied =
    step &&
    (await changeStatus(db, {
      id: request.id,
      ...step,
      actor: command.actorId,
      reason: command.reason ?? null,
    }));
  if (!denied) return { type: 'already-decided', request };
  await appendAudit(db, {
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
  db: Queryable,
  command: DecideCommand,
  request: StoredRequest,
): Promise<DecideOutcome> {
  const approvals = (await listApprovals(db, request.id)).filter(
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
    await appendAudit(db, {
      ...event,
      action: 'request.approval-recorded',
      details: { approvals: approvals.length },
    });
    return { type: 'approval-recorded', request, approvals: approvals.length };
  }
  const approved = await changeStatus(db, {
    id: request.id,
    ...step,
    actor: command.actorId,
    approvedVia: 'approvers',
  });
  if (!approved) return { type: 'already-decided', request };
  await appendAudit(db, {
    ...event,
    action: 'request.approved',
    details: { approvers: approvals.map((a) => a.approverId) },
  });
  await enqueueGrant(db, request.id);
  return { type: 'approved', request: approved };
}

/** Group memberships are fetched before the row lock, so no Slack call happens while it is held. */
async function warmMemberships(deps: RequestWorkflowDeps, target: Target): Promise<void> {
  // Settled, not all: a group Slack cannot read now matters only if the decision needs it, and
  // then mayDecide throws (the directory refuses in words); a listed approver is not held up.
  await Promise.allSettled(target.approvers.userGroups.map((group) => deps.members(group)));
}

/**
 * Records one approver's decision. Decisions on a request queue on its row lock, and the status
 * changes only with a guarded UPDATE, so double clicks, retries, racing approvers and replicas
 * all end in exactly one outcome.
 */
export async function decideRequest(
  deps: RequestWorkflowDeps,
  command: DecideCommand,
): Promise<DecideOutcome> {
  const snapshot = await findRequest(deps.pool, command.requestId);
  if (!snapshot) return { type: 'not-found' };
  const target = findTarget(deps.catalog, snapshot.targetId);
  if (!target) return { type: 'target-gone', request: snapshot };
  await warmMemberships(deps, target);

  const outcome = await inTransaction(deps.pool, async (db): Promise<DecideOutcome> => {
    const request = await lockRequest(db, command.requestId);
    if (!request) return { type: 'not-found' };
    if (request.status !== 'pending') return { type: 'already-decided', request };
    const votedBy = (await listApprovals(db, request.id)).map((approval) => approval.approverId);
    const context = { actorId: command.actorId, requesterId: request.requesterId, votedBy, ...target };
    const verdict = await mayDecide(context, deps.members);
    if (verdict !== 'allowed') return refuse(db, command, request, verdict);
    await recordApproval(db, request.id, command.actorId, command.decision, command.reason ?? null);
    const result =
      command.decision === 'deny' ? await deny(db, command, request) : await approve(db, command, request);
    await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId: request.id } });
    return result;
  });
  deps.onWork?.();
  return outcome;
}
