import { mayRequest } from '../domain/approval-rules.js';
import { findTarget, type Target } from '../domain/catalog.js';
import type { ApprovedVia, RequestedPermissions, StoredRequest } from '../domain/request.js';
import { type InputProblems, type RawRequestInput, validateRequestInput } from '../domain/request-input.js';
import { heldRequestStep } from '../domain/request-state.js';
import { SERVICE_ACTOR } from '../ports/audit-log.js';
import type { RequestStoreSet, RequestStores } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';
import { DUE_WORK, dueAt } from './due-work.js';
import { enqueueInto, JOB_KINDS } from './job-kinds.js';
import { checkRequestedPermissions, permissionsStillFit } from './request-permissions.js';
import { checkSubmit, type SubmitRefusal } from './submit-checks.js';

export type { SubmitRefusal };

export interface SubmitCommand extends RawRequestInput {
  readonly requesterId: string;
  readonly targetId: string;
  /**
   * Asked with Extend (the button on the expiry warning or on a refusal): approvers decide it,
   * even on a target that approves short requests by itself, since it extends access held now.
   */
  readonly extension?: boolean;
  /** What a generated policy must allow, as typed in the form (src/policy/ reads it). */
  readonly permissions?: string;
  /**
   * Extend on a generated policy's grant: the request asks for more time on exactly that grant,
   * with the permissions it holds (nothing typed), and approvers decide it.
   */
  readonly extendsGrantId?: string;
}

export type SubmitOutcome =
  | { readonly type: 'submitted'; readonly request: StoredRequest; readonly target: Target }
  | {
      readonly type: 'approved';
      readonly request: StoredRequest;
      readonly target: Target;
      readonly via: ApprovedVia;
    }
  | SubmitRefusal
  | { readonly type: 'unknown-target' }
  | { readonly type: 'not-allowed'; readonly target: Target }
  | { readonly type: 'invalid'; readonly problems: InputProblems; readonly target: Target }
  /** Extend named a grant that is not this person's live access to this target (any more). */
  | { readonly type: 'not-extendable'; readonly reason: string; readonly target: Target };

interface SubmitDeps
  extends Pick<RequestWorkflowDeps, 'catalog' | 'members' | 'newRequestId' | 'providers' | 'onWork'> {
  readonly stores: Pick<RequestStores, 'transaction' | 'grants' | 'requests'>;
}

type Permissions =
  | { readonly permissions: RequestedPermissions | null }
  | { readonly refusal: SubmitOutcome };

/**
 * What the request asks for beyond time: permissions typed in the form (checked by policy/), or,
 * for an extension of a generated policy, the ones its grant holds, which must be this person's
 * live access to this target.
 */
async function permissionsOf(deps: SubmitDeps, command: SubmitCommand, target: Target): Promise<Permissions> {
  if (command.extendsGrantId === undefined) {
    const checked = await checkRequestedPermissions(deps.catalog, target, command.permissions);
    if (checked.ok) return { permissions: checked.permissions };
    return { refusal: { type: 'invalid', problems: { permissions: checked.problem }, target } };
  }
  const grant = await deps.stores.grants.find(command.extendsGrantId);
  const refuse = (reason: string): Permissions => ({ refusal: { type: 'not-extendable', reason, target } });
  if (!grant || grant.requesterId !== command.requesterId || grant.targetId !== target.id)
    return refuse(`That access is not yours to extend in ${target.name}; ask for new access instead.`);
  if (grant.status !== 'active')
    return refuse('That access has ended, so there is nothing to extend: ask for new access instead.');
  const held = (await deps.stores.requests.find(grant.latestRequestId))?.permissions;
  if (!held)
    return refuse('jitbot has no record of the permissions this access holds, so it cannot extend it.');
  const changed = await permissionsStillFit(deps.catalog, target, held);
  return changed ? refuse(`This access cannot be extended: ${changed}.`) : { permissions: held };
}

async function approveAtOnce(
  tx: Pick<RequestStoreSet, 'requests' | 'audit'>,
  request: StoredRequest,
  via: ApprovedVia,
): Promise<StoredRequest> {
  const actor = via === 'breakglass' ? request.requesterId : SERVICE_ACTOR;
  const approved = await tx.requests.changeStatus({
    id: request.id,
    ...heldRequestStep(request.status, { type: 'auto-approve' }),
    actor,
    approvedVia: via,
  });
  if (!approved) throw new Error(`request ${request.id} changed while it was being created`);
  await tx.audit.append({
    actor,
    action: via === 'breakglass' ? 'request.breakglass' : 'request.auto-approved',
    outcome: 'ok',
    requestId: request.id,
    targetId: request.targetId,
  });
  // The grant (and the breakglass notice) follow once request.prepare has found the principal.
  return approved;
}

/**
 * Creates a request in one transaction: the checks against the person's limits and the access
 * they hold (submit-checks), the row, its audit event, the approval for breakglass or
 * auto-approval, and the job that finds the requester's principal and then notifies people and
 * grants. Nothing half-created; nothing here waits on Slack, AWS or Okta.
 */
export async function submitRequest(deps: SubmitDeps, command: SubmitCommand): Promise<SubmitOutcome> {
  const target = findTarget(deps.catalog, command.targetId);
  if (!target) return { type: 'unknown-target' };
  if (!(await mayRequest(command.requesterId, target.requesters, deps.members)))
    return { type: 'not-allowed', target };
  const validated = validateRequestInput(command, target);
  const asked = await permissionsOf(deps, command, target);
  if ('refusal' in asked && asked.refusal.type !== 'invalid') return asked.refusal;
  if (!validated.ok || 'refusal' in asked) {
    const problems = {
      ...(validated.ok ? {} : validated.problems),
      ...('refusal' in asked && asked.refusal.type === 'invalid' ? asked.refusal.problems : {}),
    };
    return { type: 'invalid', problems, target };
  }
  const { durationSeconds, justification, ticket } = validated.input;
  const { permissions } = asked;
  const extendsGrantId = command.extendsGrantId ?? null;

  const outcome = await deps.stores.transaction(async (tx): Promise<SubmitOutcome> => {
    const { requesterId } = command;
    const extension = command.extension === true || extendsGrantId !== null;
    const checked = await checkSubmit(tx, deps, { requesterId, target, durationSeconds, extension });
    if ('refusal' in checked) return checked.refusal;
    const { route } = checked;
    const created = await tx.requests.insert({
      id: deps.newRequestId(),
      targetId: target.id,
      requesterId,
      principal: null,
      durationSeconds,
      justification,
      ticket,
      approvalsRequired: route ? 0 : target.approvers.required,
      // Only a request that is itself breakglass: an extension of breakglass access asks people.
      breakglass: route === 'breakglass',
      decideBy: new Date(Date.now() + deps.catalog.settings.approvalTimeoutSeconds * 1000),
      remindAt: new Date(Date.now() + deps.catalog.settings.approvalReminderSeconds * 1000),
      permissions,
      extendsGrantId,
    });
    if (!created) {
      const existing = await tx.requests.findPending(requesterId, target.id);
      if (existing) return { type: 'duplicate', existing, target };
      throw new Error('a pending request blocked this one and then vanished');
    }
    await tx.audit.append({
      actor: requesterId,
      action: 'request.submitted',
      outcome: 'ok',
      requestId: created.id,
      targetId: target.id,
      details: {
        durationSeconds,
        justification,
        ticket,
        ...(extension ? { extension } : {}),
        ...(permissions ? { permissions: permissions.text, statements: permissions.statements } : {}),
      },
    });
    await enqueueInto(tx.outbox, {
      kind: JOB_KINDS.requestPrepare,
      payload: { requestId: created.id },
      dedupeKey: `prepare:${created.id}`,
    });
    if (!route) return { type: 'submitted', request: created, target };
    return { type: 'approved', request: await approveAtOnce(tx, created, route), target, via: route };
  });
  // The reminder waits for the principal (request.prepare sets it, and tells the worker then).
  deps.onWork?.(
    DUE_WORK.jobs,
    ...('request' in outcome ? dueAt(DUE_WORK.timeouts, outcome.request.decideBy) : []),
  );
  return outcome;
}
